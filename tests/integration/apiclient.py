"""Authenticated JSON calls against a harness server.

The admin account can be created only once per database, so the shared
server's admin is set up here, once per run, and its tokens are reused by
every test module (argon2 makes each login cost a few tenths of a second).
Tests that change the password or log out update or use their own tokens.
"""
import json
import os
import re
import time

import harness

USERNAME = "admin"
PASSWORD = "correct horse battery staple"

_clients = {}
RUN_STARTED = time.time()


class Client:
    def __init__(self, server, username=USERNAME, password=PASSWORD):
        self.server = server
        self.username = username
        self.password = password
        self.access = None
        self.refresh = None
        # Every body we received, for the "no secret leaks" check.
        self.seen = []

    def setup(self):
        st, _, body = self.server.json("GET", "/api/auth/status")
        if st == 200 and not body.get("setup_required", True):
            return self.login()
        st, _, body = self.server.json("POST", "/api/auth/setup", {
            "username": self.username, "password": self.password})
        if st not in (200, 201, 409):
            raise RuntimeError(f"setup failed: {st} {body}")
        return self.login()

    def login(self):
        st, _, body = self.server.json("POST", "/api/auth/login", {
            "username": self.username, "password": self.password})
        if st != 200:
            raise RuntimeError(f"login failed: {st} {body}")
        self.take(body)
        return self

    def take(self, tokens):
        self.access = tokens["access_token"]
        self.refresh = tokens["refresh_token"]

    def headers(self, token=None):
        return {"Authorization": "Bearer " + (token or self.access)}

    def call(self, method, path, body=None, token=None, raw=False,
             headers=None):
        """(status, headers, parsed body); body None sends "{}" for
        POST/PUT/PATCH, since Kore refuses a body-less POST with 411."""
        hdrs = self.headers(token)
        hdrs.update(headers or {})
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = {}
        st, h, data = self.server.request(method, path, body, hdrs)
        self.seen.append(data)
        if raw:
            return st, h, data
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return st, h, parsed

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def shared():
    """The client for harness.SHARED's server, logged in once per run."""
    server = harness.SHARED["server"]
    c = _clients.get(id(server))
    if c is None:
        c = Client(server).setup()
        _clients[id(server)] = c
    return c


def fresh_stack(workers=2, env=None, name="extra"):
    """A private PostgreSQL and server; the caller stops both (stop_stack)."""
    pg = harness.Postgres()
    try:
        url = pg.start()
        srv = harness.Server(url, workers=workers, env=env, name=name).start()
    except BaseException:
        pg.destroy()
        raise
    return pg, srv


def stop_stack(pg, srv):
    try:
        if srv:
            srv.stop()
    finally:
        pg.destroy()


_n = [0]


def unique(prefix):
    """A fresh lower-case name, so modules never collide on the shared db."""
    _n[0] += 1
    return f"{prefix}_{os.getpid()}_{_n[0]}"


def make_server(c, prefix="srv"):
    st, _, body = c.post("/api/servers", {"name": unique(prefix)})
    assert st == 201, (st, body)
    return body


def make_tool(c, server_id, code="def main():\n    return 1\n", prefix="tool"):
    st, _, body = c.post(f"/api/servers/{server_id}/tools", {
        "name": unique(prefix), "python_code": code})
    assert st == 201, (st, body)
    return body


def approve_tool(c, tool_id):
    """Approve a tool at the version a reviewer is shown."""
    st, _, body = c.post(f"/api/approvals/tools/{tool_id}/action", {
        "action": "approve",
        "version": harness.reviewed_version(c.get, tool_id)})
    assert st == 200, (st, body)


MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


def mcp_rpc(c, method, params, session=None):
    """One JSON-RPC request to c's POST /mcp: (parsed body, headers)."""
    h = dict(MCP_ACCEPT)
    if session:
        h["Mcp-Session-Id"] = session
    st, hdrs, data = c.server.request("POST", "/mcp", {
        "jsonrpc": "2.0", "id": 1, "method": method, "params": params}, h)
    assert st == 200, (st, data)
    return json.loads(data), hdrs


def assert_refused_arguments(tc, body, names):
    """A tools/call body that is JSON-RPC -32602 against the tool's
    approved input schema, its message naming `names`."""
    tc.assertNotIn("result", body, body)
    tc.assertEqual(body["error"]["code"], -32602, body)
    tc.assertIn(names, body["error"]["message"])
    tc.assertIn("approved input schema", body["error"]["message"])


def mcp_session(c):
    """The id of a new, initialized MCP session."""
    _, hdrs = mcp_rpc(c, "initialize", {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}})
    return hdrs["mcp-session-id"]


def tool_logs_total(c, tool_id, at_least=0, timeout=10):
    """How many execution logs the tool has, once there are `at_least`
    (or the timeout passed): a call's log is written after its answer."""
    deadline = time.time() + timeout
    while True:
        st, _, logs = c.get(f"/api/tools/{tool_id}/logs")
        assert st == 200, (st, logs)
        if logs["total"] >= at_least or time.time() > deadline:
            return logs["total"]
        time.sleep(0.05)


def request_line_status(data):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else None


# A value no response, log line or activity entry may ever contain; every
# test that stores a secret value uses it (test_api_zz_leaks checks).
SECRET_VALUE = "sv-" + os.urandom(12).hex()

_revoked = []


def another_login():
    """A second, independent login of the shared admin."""
    c = shared()
    return Client(c.server, c.username, c.password).login()


def revoked_token():
    """An access token that was valid once and has been logged out."""
    if not _revoked:
        c = shared()
        other = Client(c.server, c.username, c.password).login()
        st, _, _ = other.post("/api/auth/logout",
                              {"refresh_token": other.refresh})
        assert st == 200, st
        _revoked.append(other.access)
    return _revoked[0]


def assert_auth_required(tc, method, path):
    """No token, a garbage token, a forged one and a revoked one: 401."""
    srv = shared().server
    body = {} if method in ("POST", "PUT", "PATCH") else None
    forged = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsInR5"
              "cCI6ImFjY2VzcyIsInB2IjoxLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl")
    for hdrs in ({}, {"Authorization": "Bearer garbage"},
                 {"Authorization": "Basic YWRtaW46YWRtaW4="},
                 {"Authorization": "Bearer " + forged},
                 {"Authorization": "Bearer " + revoked_token()}):
        st, _, data = srv.request(method, path, body, hdrs)
        tc.assertEqual(st, 401, f"{method} {path} with {hdrs}: {data!r}")
        tc.assertEqual(json.loads(data)["error"]["code"], "unauthorized")
