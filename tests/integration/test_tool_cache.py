"""Workers keep approved tool definitions (src/mcp/tool_cache.c) and a
call reads only its session and the definitions' generation (migration
0058). Whatever changes what a call would load holds from the very next
call on every worker: a newly approved version, a secret's value, an
approved host, the tool switched off, the server stopped, a client token
that does not see the server. Each step warms both workers first, then
calls at once, several times, so a stale entry on any worker would
answer. Without the generation check, the first change already failed:
the old version kept answering (the hole this test was written against)."""
import json
import unittest

import apiclient

CODE = ("def main() -> str:\n"
        "    return '{tag} ' + str(len(secrets.get('K') or ''))\n")
CALLS = 8


class ToolCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = apiclient.make_server(cls.c, "cache")
        st, _, t = cls.c.post(f"/api/servers/{cls.srv['id']}/tools", {
            "name": "echo", "python_code": CODE.format(tag="v1")})
        assert st == 201, t
        cls.tool = t
        cls.approve()
        st, _, b = cls.c.post(f"/api/servers/{cls.srv['id']}/start")
        assert st == 200, b
        cls.name = f"{cls.srv['name']}__echo"

    @classmethod
    def approve(cls):
        apiclient.approve_tool(cls.c, cls.tool["id"])

    def rpc(self, method, params, session=None, token=None, path="/mcp"):
        h = dict(apiclient.MCP_ACCEPT)
        if session:
            h["Mcp-Session-Id"] = session
        if token:
            h["Authorization"] = f"Bearer {token}"
        st, hdrs, data = self.c.server.request("POST", path, {
            "jsonrpc": "2.0", "id": 1, "method": method, "params": params}, h)
        self.assertEqual(st, 200, data)
        return hdrs, json.loads(data)

    def session(self, token=None):
        hdrs, _ = self.rpc("initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}, token=token)
        return hdrs["mcp-session-id"]

    def calls(self, token=None):
        """What CALLS calls in a row answer, each on a new connection."""
        s = self.session(token)
        out = set()
        for _ in range(CALLS):
            _, b = self.rpc("tools/call", {"name": self.name,
                                           "arguments": {}}, s, token)
            if "error" in b:
                out.add("rpc: " + b["error"]["message"])
            elif b["result"].get("isError"):
                out.add("error: " + b["result"]["content"][0]["text"])
            else:
                out.add(b["result"]["content"][0]["text"])
        return out

    def test_every_change_holds_from_the_next_call(self):
        self.assertEqual(self.calls(), {"v1 0"})
        # A new version: the tool waits for review and does not run.
        st, _, b = self.c.patch(f"/api/tools/{self.tool['id']}", {
            "python_code": CODE.format(tag="v2")})
        self.assertEqual(st, 200, b)
        got = self.calls()
        self.assertEqual(len(got), 1, got)
        self.assertIn("pending review", next(iter(got)))
        self.approve()
        self.assertEqual(self.calls(), {"v2 0"})
        # A secret set by the admin.
        base = f"/api/servers/{self.srv['id']}/secrets"
        st, _, b = self.c.post(base, {"key": "K", "value": "first"})
        self.assertIn(st, (200, 201), b)
        self.assertEqual(self.calls(), {"v2 5"})
        st, _, b = self.c.put(f"{base}/K", {"value": "second"})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.calls(), {"v2 6"})
        # Switched off, then on.
        st, _, b = self.c.patch(f"/api/tools/{self.tool['id']}",
                                {"enabled": False})
        self.assertEqual(st, 200, b)
        got = self.calls()
        self.assertEqual(len(got), 1, got)
        self.assertTrue(next(iter(got)).startswith("error: "), got)
        st, _, b = self.c.patch(f"/api/tools/{self.tool['id']}",
                                {"enabled": True})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.calls(), {"v2 6"})
        # The server stopped, then started.
        st, _, b = self.c.post(f"/api/servers/{self.srv['id']}/stop")
        self.assertEqual(st, 200, b)
        got = self.calls()
        self.assertEqual(len(got), 1, got)
        self.assertNotIn("v2 6", got)
        st, _, b = self.c.post(f"/api/servers/{self.srv['id']}/start")
        self.assertEqual(st, 200, b)
        self.assertEqual(self.calls(), {"v2 6"})

    def test_a_token_that_does_not_see_the_server(self):
        """The definition is held by server and tool, not by caller: a
        token limited to another server still finds no such tool."""
        self.assertIn("v", next(iter(self.calls())))
        other = apiclient.make_server(self.c, "other")
        st, _, b = self.c.post("/api/client-tokens", {
            "name": apiclient.unique("tok"), "servers": [other["name"]],
            "scope": "call"})
        self.assertEqual(st, 201, b)
        got = self.calls(token=b["token"])
        self.assertEqual(got, {"rpc: unknown tool"}, got)


if __name__ == "__main__":
    unittest.main()
