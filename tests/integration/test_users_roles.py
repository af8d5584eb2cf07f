"""Roles on every REST route, table-driven: the table is read from
src/api/routes.c, so a route added there is covered here without a word
changed. For each route and each role (viewer, reviewer, admin): a role
below the route's access gets exactly 403 "forbidden" from the router; a
role at or above it reaches the handler (any answer but 401/403, and not
the router's own 404/405); no token at all gets 401. Also: every entry
names its access, open routes are open, the live stream by role, a
changed role holds at the next request, and logout for every role."""
import socket
import time
import unittest
import uuid

import apiclient
import harness
import rolehelp

ROLES = ("viewer", "reviewer", "admin")

# What docs/USERS-AND-TOKENS.md says these need, for any entry of
# routes.c that names no access (OPEN/VIEW/REVIEW/ADMIN) but a bare
# value; test_every_route_names_its_access fails for such entries.
INTENDED = {
    "tools_versions": "VIEW", "tools_rollback": "ADMIN",
    "secrets_list": "VIEW", "secrets_set": "ADMIN",
    "approvals_stats": "VIEW", "approvals_tools": "VIEW",
    "activity_stream": "VIEW", "external_get": "VIEW",
}

# Query strings that make a handler answer at once instead of holding
# the connection: a bad filter makes the stream answer 400 (checked for
# real in test_activity_stream_by_role).
QUERY = {"activity_stream": "?level=loud"}

# Not in the matrix: logout would end the caller's login (tested at the
# end, with logins of its own).
SKIP = {"auth_logout"}
# Not for the admin: reachable, but it would change global state whatever
# the body (it resets every circuit breaker; it reads no body to refuse).
SKIP_ADMIN = {"health_circuits_reset"}


def access_of(route):
    a = route["access"]
    if a in rolehelp.ACCESS_NAMES:
        return a
    return INTENDED.get(route["name"], "ADMIN")


def concrete(route):
    """The route's path with :id a random UUID, :key a key no server has
    and :n 1, so a handler that runs finds nothing to change."""
    parts = []
    for seg in route["pattern"].split("/"):
        if seg == ":id":
            seg = str(uuid.uuid4())
        elif seg == ":key":
            seg = "NO_SUCH_KEY"
        elif seg == ":n":
            seg = "1"
        parts.append(seg)
    return "/".join(parts) + QUERY.get(route["name"], "")


def router_refused(st, body):
    """The router's own answers: route not found, method not allowed."""
    if st == 405:
        return True
    err = body.get("error") if isinstance(body, dict) else None
    return (st == 404 and isinstance(err, dict) and
            err.get("message") == "no such API path")


class RouteTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = cls.c.server
        cls.routes = rolehelp.parse_routes()
        cls.tokens = {"admin": cls.c.access}
        cls.users = {}
        for role in ("reviewer", "viewer"):
            u, client = rolehelp.make_user(cls.c, role, "rt" + role[:3])
            cls.users[role] = (u, client)
            cls.tokens[role] = client.access

    def test_table_is_parsed_whole(self):
        """The parser sees every entry, so no route escapes the matrix."""
        self.assertEqual(len(self.routes), rolehelp.count_entry_starts())
        self.assertGreater(len(self.routes), 60)
        keys = [(r["method"], r["pattern"]) for r in self.routes]
        self.assertEqual(len(keys), len(set(keys)), "duplicate entries")
        by_name = {r["name"]: r for r in self.routes}
        self.assertEqual(by_name["users_list"]["access"], "ADMIN")
        self.assertEqual(by_name["auth_login"]["access"], "OPEN")
        self.assertEqual(by_name["approvals_tool_action"]["access"],
                         "REVIEW")
        self.assertEqual(by_name["dashboard"]["access"], "VIEW")
        for r in self.routes:
            self.assertIn(r["method"], rolehelp.METHODS.values(), r)

    def test_every_route_names_its_access(self):
        """A bare 0 is API_OPEN: such a route needs no token by the table,
        and the router then refuses it for everyone (404)."""
        unnamed = [f'{r["method"]} {r["pattern"]} ({r["name"]}): '
                   f'{r["access"]}' for r in self.routes
                   if r["access"] not in rolehelp.ACCESS_NAMES]
        self.assertEqual(unnamed, [], "routes.c entries naming no access "
                         "(OPEN/VIEW/REVIEW/ADMIN)")

    def test_role_matrix(self):
        checked = 0
        for r in self.routes:
            need = access_of(r)
            if need == "OPEN" or r["name"] in SKIP:
                continue
            for role in ROLES:
                if role == "admin" and r["name"] in SKIP_ADMIN:
                    continue
                path = concrete(r)
                with self.subTest(role=role, method=r["method"],
                                  route=r["pattern"], access=need):
                    st, body = rolehelp.status_of(self.srv, r["method"],
                                                  path, self.tokens[role])
                    checked += 1
                    if rolehelp.ROLE_RANK[role] < rolehelp.RANK[need]:
                        self.assertEqual(st, 403, body)
                        self.assertEqual(rolehelp.error_code(body),
                                         "forbidden", body)
                        continue
                    self.assertNotIn(st, (401, 403), body)
                    self.assertFalse(router_refused(st, body),
                                     f"the router refused: {st} {body}")
                    if (role == "admin" and r["method"] != "GET" and
                            ":id" not in r["pattern"]):
                        # Nothing global may have changed: refused input.
                        self.assertTrue(400 <= st < 500, (st, body))
        self.assertGreater(checked, 150)

    def test_unauthenticated_401(self):
        for r in self.routes:
            if access_of(r) == "OPEN":
                continue
            with self.subTest(method=r["method"], route=r["pattern"]):
                st, body = rolehelp.status_of(self.srv, r["method"],
                                              concrete(r), None)
                self.assertEqual(st, 401, body)
                self.assertEqual(rolehelp.error_code(body), "unauthorized")
                st, body = rolehelp.status_of(self.srv, r["method"],
                                              concrete(r), "garbage")
                self.assertEqual(st, 401, body)

    def test_open_routes_need_no_token(self):
        opened = [r for r in self.routes if r["access"] == "OPEN"]
        self.assertGreaterEqual(len(opened), 4)
        for r in opened:
            with self.subTest(method=r["method"], route=r["pattern"]):
                st, body = rolehelp.status_of(self.srv, r["method"],
                                              concrete(r), None)
                self.assertNotIn(st, (401, 403), body)
                self.assertFalse(router_refused(st, body), (st, body))

    def test_forbidden_happens_before_the_handler(self):
        """A viewer's valid, complete request to an admin route changes
        nothing: the router answered before the handler ran."""
        name = apiclient.unique("rt_nope")
        st, body = rolehelp.status_of(
            self.srv, "POST", "/api/servers", self.tokens["viewer"],
            {"name": name})
        self.assertEqual((st, rolehelp.error_code(body)), (403, "forbidden"))
        self.assertIn("admin", body["error"]["message"])
        self.assertEqual(harness.SHARED["pg"].psql(
            f"SELECT count(*) FROM servers WHERE name = '{name}'"), "0")
        # A bad body makes no difference to the 403 either.
        st, body = rolehelp.status_of(
            self.srv, "POST", "/api/users", self.tokens["reviewer"],
            b"{not json")
        self.assertEqual((st, rolehelp.error_code(body)), (403, "forbidden"))

    def test_me_shows_each_role(self):
        for role in ROLES:
            st, body = rolehelp.status_of(self.srv, "GET", "/api/auth/me",
                                          self.tokens[role])
            self.assertEqual((st, body["role"]), (200, role), body)
            self.assertNotIn("password_hash", body)

    def test_activity_stream_by_role(self):
        """The stream itself, not its 400: a viewer may watch it."""
        for role in ("viewer", "reviewer"):
            head = stream_head(self.srv, self.tokens[role])
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), (role, head))
            self.assertIn(b"text/event-stream", head.lower())
        head = stream_head(self.srv, None)
        self.assertTrue(head.startswith(b"HTTP/1.1 401"), head)

    def test_changed_role_holds_at_once(self):
        u, client = rolehelp.make_user(self.c, "viewer", "rtchg")
        tok = client.access
        review_route = ("POST", "/api/approvals/tools/bulk-action")
        admin_route = ("GET", "/api/users")

        def statuses():
            return (rolehelp.status_of(self.srv, *review_route, tok)[0],
                    rolehelp.status_of(self.srv, *admin_route, tok)[0])

        for _ in range(3):   # each request on a new connection
            self.assertEqual(statuses(), (403, 403))
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"role": "reviewer"})
        self.assertEqual((st, b["role"]), (200, "reviewer"), b)
        for _ in range(3):
            self.assertEqual(statuses(), (422, 403))
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"role": "admin"})
        self.assertEqual(st, 200, b)
        for _ in range(3):
            self.assertEqual(statuses(), (422, 200))
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"role": "viewer"})
        self.assertEqual(st, 200, b)
        for _ in range(3):
            self.assertEqual(statuses(), (403, 403))
        # The token itself stayed valid throughout.
        st, body = rolehelp.status_of(self.srv, "GET", "/api/auth/me", tok)
        self.assertEqual((st, body["role"]), (200, "viewer"))

    def test_zz_logout_every_role(self):
        """Last: logout for each role, with logins of their own."""
        for role in ROLES:
            if role == "admin":
                other = apiclient.another_login()
                keep = self.c.access
            else:
                u, keeper = self.users[role]
                other = apiclient.Client(self.srv, keeper.username,
                                         keeper.password).login()
                keep = keeper.access
            st, body = rolehelp.status_of(self.srv, "POST",
                                          "/api/auth/logout", other.access,
                                          {"refresh_token": other.refresh})
            self.assertEqual(st, 200, (role, body))
            for _ in range(3):
                st, _ = rolehelp.status_of(self.srv, "GET", "/api/auth/me",
                                           other.access)
                self.assertEqual(st, 401, role)
                st, _ = rolehelp.status_of(self.srv, "GET", "/api/auth/me",
                                           keep)
                self.assertEqual(st, 200, role)
            st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                     {"refresh_token": other.refresh})
            self.assertEqual(st, 401, role)


def stream_head(srv, token, timeout=5):
    """The response head of GET /api/activity/stream; the socket is closed
    right after, so no stream stays open."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    with socket.create_connection(("127.0.0.1", srv.port),
                                  timeout=timeout) as s:
        s.sendall(f"GET /api/activity/stream HTTP/1.1\r\n"
                  f"Host: localhost:{srv.port}\r\n{auth}\r\n".encode())
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in buf and time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
    return buf.split(b"\r\n\r\n", 1)[0]


if __name__ == "__main__":
    unittest.main()
