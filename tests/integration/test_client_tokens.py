"""Client tokens on the MCP endpoints of the shared server: what a token
lets its client list, call, read and get (its servers only; no mcpbox_*
tools for scope "call"; management limited to its servers for "author");
/mcp/{server} of a server it does not see is a server there is not; a
session belongs to its token; unknown tokens get 401; execution logs and
activity entries name the token. Revocation (every worker, a second
instance), expiry, the rate limit per token and local_requires_token are
in test_client_token_revocation.py (on stacks of their own where a policy
change would reach every module sharing this server)."""
import json
import secrets
import time
import unittest

import apiclient
import harness
import opshelp
from test_mcp import Probe

ACCEPT = "application/json, text/event-stream"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "ct", "version": "1"}}}
TOKEN_RE = r"^mcpbox_ct_[A-Za-z0-9_-]{43}$"
NOT_FOUND, INVALID = -32002, -32602
SAME = object()     # "this client's own token / session"


class Mcp:
    """Raw JSON-RPC over Streamable HTTP on one path, as one client token
    (or none): one message per POST, a new connection each (so the
    requests of a test reach every worker)."""

    def __init__(self, server, token=None, path="/mcp"):
        self.server, self.token, self.path = server, token, path
        self.sid = None
        self.n = 1

    def headers(self, session=None, token=SAME):
        token = self.token if token is SAME else token
        h = {"Accept": ACCEPT}
        if token:
            h["Authorization"] = "Bearer " + token
        if session:
            h["Mcp-Session-Id"] = session
        return h

    def post(self, msg, session=None, token=SAME, path=None):
        st, h, data = self.server.request("POST", path or self.path, msg,
                                          self.headers(session, token),
                                          timeout=60)
        self.last_headers = h
        return st, h, (json.loads(data) if data else None)

    def initialize(self, token=SAME, path=None):
        return self.post(INIT, token=token, path=path)

    def open(self):
        st, h, body = self.initialize()
        assert st == 200, (self.path, st, body)
        self.sid = h["mcp-session-id"]
        st, _, body = self.post({"jsonrpc": "2.0",
                                 "method": "notifications/initialized"},
                                self.sid)
        assert st == 202, (st, body)
        return self.sid

    def rpc(self, method, params=None, session=SAME, token=SAME):
        """(HTTP status, JSON-RPC answer) of one request."""
        if session is SAME:
            session = self.sid or self.open()
        self.n += 1
        st, _, body = self.post({"jsonrpc": "2.0", "id": self.n,
                                 "method": method, "params": params or {}},
                                session, token)
        return st, body

    def result(self, method, params=None):
        st, body = self.rpc(method, params)
        assert st == 200 and "result" in body, (method, params, st, body)
        return body["result"]

    def call(self, name, args=None, **kw):
        return self.rpc("tools/call", {"name": name,
                                       "arguments": args or {}}, **kw)

    def listing(self, method, key):
        """Every page of a list method."""
        out, params = [], {}
        while True:
            r = self.result(method, params)
            out += r[key]
            if not r.get("nextCursor"):
                return out
            params = {"cursor": r["nextCursor"]}

    def tool_names(self):
        return {t["name"] for t in self.listing("tools/list", "tools")}

    def mgmt(self, tool, **args):
        """(isError, text, structuredContent) of a management tool."""
        st, body = self.call(tool, args)
        assert st == 200 and "result" in body, (tool, st, body)
        r = body["result"]
        return (bool(r.get("isError")), r["content"][0]["text"],
                r.get("structuredContent"))

    def delete(self, session, token=SAME):
        st, _, _ = self.server.request("DELETE", self.path, None,
                                       self.headers(session, token))
        return st


def approve(c, tid):
    st, _, b = c.post(f"/api/approvals/tools/{tid}/action", {
        "action": "approve", "version": harness.reviewed_version(c.get,
                                                                 tid)})
    assert st == 200, (st, b)


def known(server, token, timeout=2):
    """Wait until every worker knows a new token. A token is usable only
    once each worker's copy was reloaded (NOTIFY); a request in the few
    milliseconds between the creating answer and that reload is a 401
    (TwoInstanceTest.test_a_new_token_works_at_once). A ping without a
    session passes the gate (400) once the token is known: 12 in a row,
    a connection each."""
    m = Mcp(server, token)
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    deadline = time.time() + timeout
    row = 0
    while row < 12:
        st = m.post(ping)[0]
        row = row + 1 if st == 400 else 0
        assert st in (400, 401), st
        assert time.time() < deadline, "a new token stayed unknown"


def served_server(c, prefix):
    """A started server with an approved tool, resource and prompt."""
    srv = apiclient.make_server(c, prefix)
    name = srv["name"]
    tool = apiclient.make_tool(c, srv["id"], prefix="hello", code=(
        f"def main():\n    return 'from {name}'\n"))
    approve(c, tool["id"])
    uri = f"note://{name}/doc"
    for kind, item, definition in (
            ("resource", "doc", {"uri": uri, "mime_type": "text/plain",
                                 "text": "doc of " + name}),
            ("prompt", "ask", {"messages": [{"role": "user", "content": {
                "type": "text", "text": "ask " + name}}]})):
        st, _, t = c.post(f"/api/servers/{srv['id']}/tools", {
            "name": item, "description": "an item", "kind": kind,
            "definition": definition})
        assert st == 201, (st, t)
        approve(c, t["id"])
    st, _, b = c.post(f"/api/servers/{srv['id']}/start")
    assert st == 200, (st, b)
    return {"id": srv["id"], "name": name, "tool_id": tool["id"],
            "tool": f"{name}__{tool['name']}", "uri": uri,
            "mcp_uri": f"mcpbox://{name}/{uri}", "prompt": f"{name}__ask"}


class TokenCase(unittest.TestCase):
    """Servers A and B, each with a tool, a resource and a prompt."""

    @classmethod
    def stack(cls):
        """(logged-in client, its PostgreSQL): the shared ones."""
        return apiclient.shared(), harness.SHARED["pg"]

    @classmethod
    def more_instances(cls):
        """Other instances on the same database, where a new token must
        be known too before a test uses it."""
        return []

    @classmethod
    def setUpClass(cls):
        cls.c, cls.pg = cls.stack()
        cls.s = cls.c.server
        cls.instances = [cls.s] + cls.more_instances()
        cls.A = served_server(cls.c, "cta")
        cls.addClassCleanup(cls.drop, cls.A["id"])
        cls.B = served_server(cls.c, "ctb")
        cls.addClassCleanup(cls.drop, cls.B["id"])

    @classmethod
    def drop(cls, sid):
        cls.c.post(f"/api/servers/{sid}/stop")
        cls.c.delete(f"/api/servers/{sid}")

    def token(self, servers, scope="call", **extra):
        """A new token's creation answer (with its secret, shown once)."""
        st, _, row = self.c.post("/api/client-tokens", dict(
            extra, name=apiclient.unique("ct"), servers=servers,
            scope=scope))
        self.assertEqual(st, 201, row)
        self.addCleanup(self.c.delete, "/api/client-tokens/" + row["id"])
        for srv in self.instances:
            known(srv, row["token"])
        return row

    def sql_count(self, table, where):
        return int(self.pg.psql(f"SELECT count(*) FROM {table} WHERE "
                                + where))

    def server_count(self, name):
        return self.sql_count("servers", f"name = '{name}'")

    def mcp(self, row=None, path="/mcp"):
        return Mcp(self.s, row["token"] if row else None, path)

    def exec_logs(self, tool_id):
        st, _, b = self.c.get(f"/api/execution-logs?tool_id={tool_id}"
                              "&page_size=100")
        self.assertEqual(st, 200, b)
        return b

    def logs_settle(self, tool_id, want, via=None):
        """Execution logs are written after the answer: a call of the tool
        (tokenless unless via), after which its total should be want; the
        total once it reached want and a moment more passed (for a row
        that should not be there), or what it is after 10 s."""
        st, body = (via or self.mcp()).call(self.tool_of(tool_id))
        self.assertIn("result", body, body)

        def reached():
            n = self.exec_logs(tool_id)["total"]
            return n if n >= want else 0
        opshelp.wait_until(reached, timeout=10)
        time.sleep(0.3)
        return self.exec_logs(tool_id)["total"]

    def tool_of(self, tool_id):
        return {self.A["tool_id"]: self.A["tool"],
                self.B["tool_id"]: self.B["tool"]}[tool_id]

    def assert_401(self, st, h, body, what):
        self.assertEqual(st, 401, (what, body))
        self.assertEqual(h.get("www-authenticate"),
                         'Bearer error="invalid_token"', what)
        msg = json.loads(body) if isinstance(body, bytes) else body
        self.assertEqual(msg["jsonrpc"], "2.0", what)
        self.assertEqual(msg["error"]["code"], -32600, what)
        self.assertNotIn("result", msg)

    def assert_unknown_tool(self, st, body):
        self.assertEqual(st, 200, body)
        self.assertNotIn("result", body)
        self.assertEqual(body["error"]["code"], INVALID, body)
        self.assertEqual(body["error"]["message"], "unknown tool")


class CreateAndListTest(TokenCase):
    def test_token_is_shown_once_and_listed_without_it(self):
        row = self.token([self.A["name"]])
        self.assertRegex(row["token"], TOKEN_RE)
        self.assertEqual((row["servers"], row["scope"], row["source"]),
                         ([self.A["name"]], "call", "token"))
        st, _, raw = self.c.get("/api/client-tokens", raw=True)
        self.assertEqual(st, 200)
        self.assertNotIn(row["token"].encode(), raw)
        self.assertNotIn(row["token"][10:].encode(), raw)
        listed = [t for t in json.loads(raw)["items"] if t["id"] == row["id"]]
        self.assertEqual(len(listed), 1, raw[:500])
        self.assertNotIn("token", listed[0])
        self.assertEqual(listed[0]["name"], row["name"])

    def test_call_token_lists_its_servers_tools_and_no_management(self):
        everything = self.mcp().tool_names()
        self.assertTrue({self.A["tool"], self.B["tool"],
                         "mcpbox_list_servers"} <= everything)
        names = self.mcp(self.token([self.A["name"]])).tool_names()
        self.assertIn(self.A["tool"], names)
        self.assertNotIn(self.B["tool"], names)
        self.assertEqual([n for n in names if n.startswith("mcpbox_")], [])

    def test_call_token_for_every_server_still_has_no_management(self):
        names = self.mcp(self.token(None)).tool_names()
        self.assertTrue({self.A["tool"], self.B["tool"]} <= names, names)
        self.assertEqual([n for n in names if n.startswith("mcpbox_")], [])

    def test_author_token_lists_management_and_its_servers_tools(self):
        names = self.mcp(self.token([self.A["name"]], "author")).tool_names()
        self.assertTrue({"mcpbox_list_servers", "mcpbox_create_tool",
                         "mcpbox_list_pending_requests"} <= names, names)
        self.assertIn(self.A["tool"], names)
        self.assertNotIn(self.B["tool"], names)

    def test_resources_and_prompts_are_filtered_the_same_way(self):
        def seen(m):
            return ({r["uri"] for r in m.listing("resources/list",
                                                 "resources")},
                    {p["name"] for p in m.listing("prompts/list",
                                                  "prompts")})
        open_res, open_pr = seen(self.mcp())
        self.assertTrue({self.A["mcp_uri"], self.B["mcp_uri"]} <= open_res)
        self.assertTrue({self.A["prompt"], self.B["prompt"]} <= open_pr)
        m = self.mcp(self.token([self.A["name"]]))
        res, pr = seen(m)
        self.assertIn(self.A["mcp_uri"], res)
        self.assertNotIn(self.B["mcp_uri"], res)
        self.assertIn(self.A["prompt"], pr)
        self.assertNotIn(self.B["prompt"], pr)
        r = m.result("resources/read", {"uri": self.A["mcp_uri"]})
        self.assertEqual(r["contents"][0]["text"], "doc of " + self.A["name"])
        r = m.result("prompts/get", {"name": self.A["prompt"]})
        self.assertEqual(r["messages"][0]["content"]["text"],
                         "ask " + self.A["name"])
        # B's exist (read without a token) but are unknown to the token.
        self.assertEqual(self.mcp().result("resources/read", {
            "uri": self.B["mcp_uri"]})["contents"][0]["text"],
            "doc of " + self.B["name"])
        for method, params, code in (
                ("resources/read", {"uri": self.B["mcp_uri"]}, NOT_FOUND),
                ("prompts/get", {"name": self.B["prompt"]}, INVALID)):
            st, body = m.rpc(method, params)
            self.assertEqual(st, 200, body)
            self.assertNotIn("result", body)
            self.assertEqual(body["error"]["code"], code, (method, body))

    def test_server_endpoint_of_a_server_it_does_not_see_is_404(self):
        row = self.token([self.A["name"]])
        own = self.mcp(row, "/mcp/" + self.A["name"])
        self.assertEqual(own.tool_names(), {self.A["tool"].split("__")[1]})
        st, body = own.call(self.A["tool"].split("__")[1])
        self.assertEqual(body["result"]["content"][0]["text"],
                         "from " + self.A["name"], body)
        res = own.listing("resources/list", "resources")
        self.assertEqual([r["uri"] for r in res], [self.A["uri"]])
        # B exists: without a token its endpoint opens.
        st, _, body = self.mcp().initialize(path="/mcp/" + self.B["name"])
        self.assertEqual(st, 200, body)
        st, _, body = own.initialize(path="/mcp/" + self.B["name"])
        self.assertEqual(st, 404, body)
        st, _, none = own.initialize(path="/mcp/nosuch_ct_server")
        self.assertEqual(st, 404, none)
        # Worded as for a server there is not: nothing tells B exists.
        self.assertEqual(body["error"]["message"].replace(self.B["name"],
                                                          "X"),
                         none["error"]["message"].replace(
                             "nosuch_ct_server", "X"))

    def test_sdk_client_on_both_transports(self):
        row = self.token([self.A["name"]])
        base = f"http://localhost:{self.s.port}"
        auth = ["Authorization: Bearer " + row["token"]]
        for url, transport in (("/mcp", "streamable"), ("/sse", "sse")):
            probe = Probe(base + url, transport, auth)
            rc, tools, err = probe.run("list")
            self.assertEqual(rc, 0, err)
            names = {t["name"] for t in tools}
            self.assertIn(self.A["tool"], names, transport)
            self.assertNotIn(self.B["tool"], names, transport)
            self.assertFalse([n for n in names if n.startswith("mcpbox_")])
            rc, res, err = probe.call(self.A["tool"])
            self.assertEqual(rc, 0, (res, err))
            self.assertEqual(res["content"][0]["text"],
                             "from " + self.A["name"])
            rc, res, err = probe.call(self.B["tool"])
            self.assertNotEqual(rc, 0, (transport, res))
        bad = ["Authorization: Bearer mcpbox_ct_" + "A" * 43]
        for url, transport in (("/mcp", "streamable"), ("/sse", "sse")):
            rc, out, err = Probe(base + url, transport, bad).run("list")
            self.assertNotEqual(rc, 0, (transport, out))


class CallTest(TokenCase):
    def test_another_servers_tool_does_not_run(self):
        m = self.mcp(self.token([self.A["name"]]))
        before = self.exec_logs(self.B["tool_id"])["total"]
        for _ in range(3):
            st, body = m.call(self.B["tool"])
            self.assertNotIn("result", body or {}, body)
            self.assertIn("error", body, body)
        # The same call without a token runs, and is its only log row.
        self.assertEqual(self.logs_settle(self.B["tool_id"], before + 1),
                         before + 1)

    def test_another_servers_tool_is_an_unknown_tool(self):
        """Answered like a tool there is not (as without a token, and as
        on /mcp/{server}); the session is not declared gone by it."""
        m = self.mcp(self.token([self.A["name"]]))
        sid = m.open()
        for name in (self.B["tool"], "nosuch_ct__tool"):
            with self.subTest(tool=name):
                self.assert_unknown_tool(*m.call(name))
        st, body = m.rpc("ping", session=sid)
        self.assertEqual((st, body.get("result")), (200, {}), body)
        own = self.mcp(self.token([self.A["name"]]), "/mcp/" + self.A["name"])
        self.assert_unknown_tool(*own.call(self.B["tool"].split("__")[1]))

    def test_call_token_cannot_run_management_tools(self):
        for servers in (None, [self.A["name"]]):
            m = self.mcp(self.token(servers))
            name = apiclient.unique("ctmade")
            self.assert_unknown_tool(*m.call("mcpbox_create_server",
                                             {"name": name}))
            self.assert_unknown_tool(*m.call("mcpbox_list_servers"))
            self.assertEqual(self.server_count(name), 0)
        # And not on the server's endpoint either.
        own = self.mcp(self.token([self.A["name"]]), "/mcp/" + self.A["name"])
        self.assert_unknown_tool(*own.call("mcpbox_list_servers"))

    def logged_call(self, m):
        """Call A's tool through m: its execution log row and the
        activity entry that points at it."""
        name = self.A["tool"] if m.path == "/mcp" else \
            self.A["tool"].split("__")[1]
        st, body = m.call(name)
        self.assertIn("result", body, body)
        rid = m.last_headers["x-request-id"]

        def row():
            return [x for x in self.exec_logs(self.A["tool_id"])["items"]
                    if x["request_id"] == rid]
        newest = (opshelp.wait_until(row, timeout=10) or [None])[0]
        self.assertIsNotNone(newest, "no execution log row for " + rid)
        self.assertEqual(newest["result"], json.dumps("from " +
                                                      self.A["name"]))
        st, _, act = self.c.get("/api/activity/logs?log_type=mcp_request"
                                f"&server_id={self.A['id']}&page_size=100")
        self.assertEqual(st, 200, act)
        mine = [e for e in act["items"]
                if e["details"].get("execution_log_id") == newest["id"]]
        self.assertEqual(len(mine), 1, act["items"][:3])
        return newest, mine[0]

    def test_logs_record_the_tokens_name(self):
        row = self.token([self.A["name"]])
        for m in (self.mcp(row), self.mcp(row, "/mcp/" + self.A["name"])):
            log, entry = self.logged_call(m)
            self.assertEqual(log["client_token"], row["name"], m.path)
            self.assertEqual(entry["details"]["client_token"], row["name"])
        # The name, never the secret: not in a row, nor the server's log.
        secret = row["token"][10:]
        for table in ("activity_logs", "tool_execution_logs",
                      "mcp_sessions", "client_tokens"):
            self.assertEqual(self.sql_count(
                table, f"{table}::text LIKE '%{secret}%'"), 0, table)
        self.assertEqual(self.sql_count(
            "client_tokens", f"id = '{row['id']}' AND hash IS NOT NULL"), 1)
        self.assertFalse([l for l in self.s.log_lines()
                          if secret.encode() in l])

    def test_logs_of_a_tokenless_call_name_no_token(self):
        log, entry = self.logged_call(self.mcp())
        self.assertEqual((log["client_token"],
                          entry["details"]["client_token"]), (None, None),
                         (log, entry))


class AuthorTest(TokenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A pending item in each server, for the pending list.
        cls.pending = {}
        for srv in (cls.A, cls.B):
            t = apiclient.make_tool(cls.c, srv["id"], prefix="pend")
            st, body = Mcp(cls.s).call("mcpbox_request_publish",
                                       {"tool_id": t["id"]})
            assert st == 200 and not body["result"].get("isError"), body
            cls.pending[srv["name"]] = f"{srv['name']}__{t['name']}"

    def setUp(self):
        self.m = self.mcp(self.token([self.A["name"]], "author"))

    def tool_count(self, server_id):
        st, _, b = self.c.get(f"/api/servers/{server_id}")
        self.assertEqual(st, 200, b)
        return len(b["tools"])

    def test_list_servers_lists_only_its_servers(self):
        err, _, out = self.mcp().mgmt("mcpbox_list_servers", page_size=100)
        self.assertFalse(err)
        self.assertGreaterEqual(out["total"], 2)
        err, text, out = self.m.mgmt("mcpbox_list_servers", page_size=100)
        self.assertFalse(err, text)
        self.assertEqual([s["name"] for s in out["items"]], [self.A["name"]])
        self.assertEqual(out["total"], 1)

    def test_another_servers_ids_are_not_found(self):
        err, text, out = self.m.mgmt("mcpbox_get_server",
                                     server_id=self.A["id"])
        self.assertFalse(err, text)
        self.assertEqual(out["name"], self.A["name"])
        err, text, _ = self.m.mgmt("mcpbox_list_tools",
                                   server_id=self.A["id"])
        self.assertFalse(err, text)
        for tool, args in (("mcpbox_get_server", {"server_id":
                                                  self.B["id"]}),
                           ("mcpbox_list_tools", {"server_id":
                                                  self.B["id"]}),
                           ("mcpbox_get_tool", {"tool_id":
                                                self.B["tool_id"]})):
            err, text, out = self.m.mgmt(tool, **args)
            self.assertTrue(err, (tool, text))
            self.assertIn("not found", text.lower(), tool)
            self.assertIsNone(out, tool)
            self.assertNotIn(self.B["name"], text)
        before = self.tool_count(self.B["id"])
        err, text, _ = self.m.mgmt("mcpbox_create_tool",
                                   server_id=self.B["id"],
                                   name=apiclient.unique("sneak"),
                                   python_code="def main():\n    return 1\n")
        self.assertTrue(err, text)
        self.assertIn("not found", text.lower())
        self.assertEqual(self.tool_count(self.B["id"]), before)
        # In its own server it may author.
        before = self.tool_count(self.A["id"])
        err, text, out = self.m.mgmt("mcpbox_create_tool",
                                     server_id=self.A["id"],
                                     name=apiclient.unique("mine"),
                                     python_code="def main():\n"
                                                 "    return 1\n")
        self.assertFalse(err, text)
        self.assertEqual(out["approval_status"], "draft")
        self.assertEqual(self.tool_count(self.A["id"]), before + 1)

    def test_create_server_only_by_the_names_it_lists(self):
        name = apiclient.unique("ctnew")
        err, text, _ = self.m.mgmt("mcpbox_create_server", name=name)
        self.assertTrue(err, text)
        self.assertIn("may create only", text)
        self.assertEqual(self.server_count(name), 0)
        # An author token for every server may.
        every = self.mcp(self.token(None, "author"))
        err, text, out = every.mgmt("mcpbox_create_server", name=name)
        self.assertFalse(err, text)
        self.addCleanup(self.drop, out["id"])
        self.assertEqual(self.server_count(name), 1)

    def test_pending_requests_show_only_its_servers(self):
        err, text, out = self.mcp().mgmt("mcpbox_list_pending_requests")
        self.assertFalse(err, text)
        names = {t["name"] for t in out["tools"]}
        self.assertTrue(set(self.pending.values()) <= names, names)
        err, text, out = self.m.mgmt("mcpbox_list_pending_requests")
        self.assertFalse(err, text)
        names = {t["name"] for t in out["tools"]}
        self.assertIn(self.pending[self.A["name"]], names)
        self.assertNotIn(self.pending[self.B["name"]], names)
        self.assertEqual({n.split("__")[0] for n in names},
                         {self.A["name"]})


class SessionAndCredentialTest(TokenCase):
    def test_a_session_belongs_to_its_token(self):
        one = self.mcp(self.token([self.A["name"]]))
        two = self.token([self.A["name"]])["token"]
        sid = one.open()
        for token in (two, None):
            st, body = one.rpc("ping", session=sid, token=token)
            self.assertEqual(st, 404, (token, body))
            st, body = one.call(self.A["tool"], session=sid, token=token)
            self.assertEqual(st, 404, (token, body))
            self.assertNotIn("result", body)
            self.assertEqual(one.delete(sid, token=token), 404, token)
        # Still the first token's, alive, until it ends it.
        st, body = one.rpc("ping", session=sid)
        self.assertEqual((st, body.get("result")), (200, {}), body)
        self.assertEqual(one.delete(sid), 200)
        st, body = one.rpc("ping", session=sid)
        self.assertEqual(st, 404, body)

    def test_a_tokenless_session_is_not_a_tokens(self):
        plain = self.mcp()
        sid = plain.open()
        token = self.token(None)["token"]
        st, body = plain.rpc("ping", session=sid, token=token)
        self.assertEqual(st, 404, body)
        self.assertEqual(plain.delete(sid, token=token), 404)
        st, body = plain.rpc("ping", session=sid)
        self.assertEqual((st, body.get("result")), (200, {}), body)

    def test_unknown_tokens_get_401(self):
        real = self.token(None)["token"]
        for token in ("mcpbox_ct_" + secrets.token_urlsafe(32),
                      "mcpbox_ct_short", real[:-1] + ("A" if real[-1] != "A"
                                                      else "B")):
            m = Mcp(self.s, token)
            for path in ("/mcp", "/mcp/" + self.A["name"]):
                st, h, body = m.initialize(path=path)
                self.assert_401(st, h, body, (token, path))
            st, h, data = self.s.request("GET", "/sse", None, {
                "Accept": "text/event-stream",
                "Authorization": "Bearer " + token})
            self.assert_401(st, h, data, (token, "/sse"))
        # An open session does not make a wrong token right.
        sid = Mcp(self.s, real).open()
        st, h, body = Mcp(self.s, "mcpbox_ct_" + "x" * 43).post(
            {"jsonrpc": "2.0", "id": 2, "method": "ping"}, sid)
        self.assert_401(st, h, body, "wrong token, real session")


if __name__ == "__main__":
    unittest.main()
