"""Helpers for the users, roles and client token suites: panel users of a
given role, logged in, and the REST route table read from src/api/routes.c
(the one place that says which role each route needs)."""
import json
import os
import re

import apiclient
import harness

ROUTES_C = os.path.join(harness.ROOT, "src", "api", "routes.c")

# Long passphrases: the policy wants 12-128 characters (core/password.c).
PASSWORDS = {
    "admin": "an admin passphrase long enough",
    "reviewer": "a reviewer passphrase long enough",
    "viewer": "a viewer passphrase long enough",
}

METHODS = {"G": "GET", "P": "POST", "U": "PUT", "A": "PATCH", "D": "DELETE"}
# The least role a route needs, by the names routes.c gives them.
ACCESS_NAMES = ("OPEN", "VIEW", "REVIEW", "ADMIN")
RANK = {"OPEN": 0, "VIEW": 1, "REVIEW": 2, "ADMIN": 3}
ROLE_RANK = {"viewer": 1, "reviewer": 2, "admin": 3}

# One entry: { G, "/api/x", "name", api_fn, ACCESS }, over one or more lines.
_ENTRY = re.compile(r"\{\s*([A-Z])\s*,\s*\"([^\"]*)\"\s*,\s*\"(\w+)\"\s*,"
                    r"\s*(\w+)\s*,\s*(\w+)\s*\}")
# Anything that starts like an entry, however the rest is written.
_ENTRY_START = re.compile(r"\{\s*[GPUAD]\s*,\s*\"/")


def _strip_comments(src):
    return re.sub(r"/\*.*?\*/", " ", src, flags=re.S)


def route_source():
    with open(ROUTES_C) as f:
        return _strip_comments(f.read())


def parse_routes():
    """[{method, pattern, name, access}] in table order; access is the
    word routes.c wrote (OPEN, VIEW, REVIEW, ADMIN, or whatever else)."""
    out = []
    for m in _ENTRY.finditer(route_source()):
        out.append({"method": METHODS.get(m.group(1), m.group(1)),
                    "pattern": m.group(2), "name": m.group(3),
                    "access": m.group(5)})
    return out


def count_entry_starts():
    return len(_ENTRY_START.findall(route_source()))


def make_user(c, role, prefix=None, password=None):
    """A user of that role made by admin client c, and its logged-in
    Client: (user body, Client)."""
    password = password or PASSWORDS[role]
    name = apiclient.unique(prefix or role)
    st, _, u = c.post("/api/users", {"username": name, "password": password,
                                     "role": role})
    assert st == 201, (st, u)
    return u, apiclient.Client(c.server, name, password).login()


def login_status(srv, username, password):
    st, _, body = srv.json("POST", "/api/auth/login",
                           {"username": username, "password": password})
    return st, body


def status_of(srv, method, path, token, body=None):
    """(status, parsed body) of one request on a fresh connection (the
    harness opens one per request), so either worker may answer."""
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = {}
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    st, _, data = srv.request(method, path, body, hdrs)
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data
    return st, parsed


def error_code(body):
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def audit_entries(c, action, q, page_size=100):
    """The newest audit entries whose details.action is action, among
    those whose message matches q ("user created")."""
    st, _, logs = c.get("/api/activity/logs?log_type=audit&q="
                        + q.replace(" ", "+") + f"&page_size={page_size}")
    assert st == 200, (st, logs)
    return [x for x in logs["items"]
            if (x.get("details") or {}).get("action") == action]
