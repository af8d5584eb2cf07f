"""MCP gateway end to end with the official SDK client (tests/mcpclient), over
both transports, against two instances sharing one PostgreSQL: the
approval made on instance B must reach a stream held by instance A."""
import http.client
import json
import os
import secrets
import socket
import subprocess
import threading
import time
import unittest

import harness

TOKEN = "st-" + "x" * 40
PASSWORD = "correct horse battery staple"
CODE = ('def main(name: str, times: int = 1) -> dict:\n'
        '    return {"greeting": ("hi " + name) * times}\n')


def probe_dir():
    return subprocess.check_output(
        [os.path.join(harness.ROOT, "scripts", "node-tools")], text=True).strip()


class Probe:
    def __init__(self, url, transport="streamable", headers=()):
        self.dir = probe_dir()
        self.base = ["node", os.path.join(self.dir, "probe.mjs"), "--url", url,
                     "--transport", transport]
        for h in headers:
            self.base += ["--header", h]

    def run(self, *args, timeout=60):
        p = subprocess.run(self.base + list(args), capture_output=True,
                           text=True, timeout=timeout)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    def call(self, name, args=None):
        return self.run("call", name, json.dumps(args or {}))


class McpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        env = {"MCPBOX_SERVICE_TOKEN": TOKEN}
        cls.a = harness.Server(url, workers=2, env=env, name="mcp-a").start()
        cls.addClassCleanup(cls.a.stop)
        # Instance B shares the database and the key: a second machine.
        cls.b = cls.a.twin(env=env, name="mcp-b").start()
        cls.addClassCleanup(cls.b.stop)
        st, _, _ = cls.a.json("POST", "/api/auth/setup",
                              {"username": "admin", "password": PASSWORD})
        assert st == 201, st
        st, _, body = cls.b.json("POST", "/api/auth/login",
                                 {"username": "admin", "password": PASSWORD})
        assert st == 200, body
        cls.auth = {"Authorization": "Bearer " + body["access_token"]}
        cls.mcp = f"http://localhost:{cls.a.port}/mcp"
        cls.probe = Probe(cls.mcp)

    def rest(self, method, path, body=None):
        return self.b.json(method, path, body if body is not None else {},
                           headers=self.auth)

    def version(self, tool_id):
        return harness.reviewed_version(
            lambda p: self.b.json("GET", p, headers=self.auth), tool_id)

    def test_00_llm_cannot_switch_a_tool_on(self):
        st, _, srv = self.rest("POST", "/api/servers",
                               {"name": "switch" + secrets.token_hex(3)})
        self.assertEqual(st, 201, srv)
        st, _, tool = self.rest("POST", f"/api/servers/{srv['id']}/tools", {
            "name": "t", "python_code": "def main():\n    return 1\n"})
        self.assertEqual(st, 201, tool)
        self.rest("PATCH", f"/api/tools/{tool['id']}", {"enabled": False})
        rc, res, err = self.probe.call("mcpbox_update_tool", {
            "tool_id": tool["id"], "enabled": True})
        self.assertIn("admin's switch", json.dumps(res) + err, (res, err))
        st, _, t = self.rest("GET", f"/api/tools/{tool['id']}")
        self.assertIs(t["enabled"], False)

    def test_00_off_means_off(self):
        """An admin's stop holds against the LLM; test runs obey the off
        switches and are local only."""
        st, _, srv = self.rest("POST", "/api/servers",
                               {"name": "offon" + secrets.token_hex(3)})
        st, _, tool = self.rest("POST", f"/api/servers/{srv['id']}/tools", {
            "name": "t", "description": "returns seven",
            "python_code": "def main():\n    return 7\n"})
        self.rest("POST", f"/api/approvals/tools/{tool['id']}/action", {
            "action": "approve", "version": self.version(tool["id"])})
        st, _, b = self.rest("POST", f"/api/servers/{srv['id']}/start", {})
        self.assertEqual(st, 200, b)
        rc, res, err = self.probe.call("mcpbox_test_code",
                                       {"tool_id": tool["id"]})
        self.assertEqual(rc, 0, (res, err))
        # Disabled by the admin: no test run either.
        self.rest("PATCH", f"/api/tools/{tool['id']}", {"enabled": False})
        rc, res, err = self.probe.call("mcpbox_test_code",
                                       {"tool_id": tool["id"]})
        self.assertIn("disabled by an admin", json.dumps(res), (res, err))
        self.rest("PATCH", f"/api/tools/{tool['id']}", {"enabled": True})
        # Remote callers may not run tests at all.
        remote = Probe(self.mcp, headers=[f"X-MCPbox-Service-Token: {TOKEN}",
                                          "X-MCPbox-User-Email: ann@example.com"])
        rc, res, err = remote.call("mcpbox_test_code", {"tool_id": tool["id"]})
        self.assertEqual(rc, 2, (res, err))
        self.assertIn("local", res["content"][0]["text"])
        # Stopped by the admin: the LLM cannot start it, nor test in it.
        st, _, b = self.rest("POST", f"/api/servers/{srv['id']}/stop", {})
        self.assertEqual(st, 200, b)
        rc, res, err = self.probe.call("mcpbox_test_code",
                                       {"tool_id": tool["id"]})
        self.assertIn("stopped", json.dumps(res), (res, err))
        rc, res, err = self.probe.call("mcpbox_start_server",
                                       {"server_id": srv["id"]})
        self.assertIn("only an admin", json.dumps(res), (res, err))
        st, _, s2 = self.rest("GET", f"/api/servers/{srv['id']}")
        self.assertEqual(s2["status"], "stopped")
        # Stopped by the LLM itself: it may start it again.
        self.rest("POST", f"/api/servers/{srv['id']}/start", {})
        rc, res, err = self.probe.call("mcpbox_stop_server",
                                       {"server_id": srv["id"]})
        self.assertEqual(rc, 0, (res, err))
        rc, res, err = self.probe.call("mcpbox_start_server",
                                       {"server_id": srv["id"]})
        self.assertEqual(rc, 0, (res, err))
        self.rest("DELETE", f"/api/servers/{srv['id']}")

    def test_00_policy_change_reaches_every_worker_at_once(self):
        """Turning remote tool editing off stops remote edits at once on
        every worker of both instances (NOTIFY), not a poll later."""
        st, _, srv = self.rest("POST", "/api/servers",
                               {"name": "pol" + secrets.token_hex(3)})
        st, _, tool = self.rest("POST", f"/api/servers/{srv['id']}/tools", {
            "name": "t", "description": "d",
            "python_code": "def main():\n    return 1\n"})
        remote = Probe(self.mcp, headers=[f"X-MCPbox-Service-Token: {TOKEN}",
                                          "X-MCPbox-User-Email: ann@example.com"])
        try:
            st, _, b = self.rest("PUT", "/api/remote",
                                 {"remote_tool_editing": "enabled"})
            self.assertEqual(st, 200, b)
            time.sleep(0.1)
            rc, res, err = remote.call("mcpbox_update_tool", {
                "tool_id": tool["id"], "description": "edited remotely"})
            self.assertEqual(rc, 0, (res, err))
            st, _, b = self.rest("PUT", "/api/remote",
                                 {"remote_tool_editing": "disabled"})
            self.assertEqual(st, 200, b)
            time.sleep(0.1)
            for i in range(4):
                rc, res, err = remote.call("mcpbox_update_tool", {
                    "tool_id": tool["id"], "description": f"again {i}"})
                self.assertEqual(rc, 2, (i, res, err))
        finally:
            self.rest("PUT", "/api/remote", {"remote_tool_editing": "disabled"})
            self.rest("DELETE", f"/api/servers/{srv['id']}")

    def test_00_network_requests(self):
        """A host approved without a port is 443, not any port; a request
        an admin rejected is not filed again."""
        st, _, srv = self.rest("POST", "/api/servers",
                               {"name": "net" + secrets.token_hex(3)})
        st, _, tool = self.rest("POST", f"/api/servers/{srv['id']}/tools", {
            "name": "t", "description": "d",
            "python_code": "def main():\n    return 1\n"})
        st, _, b = self.rest("POST", f"/api/servers/{srv['id']}/allowed-hosts",
                             {"host": "api.example.com"})
        self.assertIn(st, (200, 201), b)
        ask = lambda **kw: self.probe.call("mcpbox_request_network_access",
                                           dict({"tool_id": tool["id"],
                                                 "justification": "j"}, **kw))
        rc, res, err = ask(host="api.example.com")
        self.assertIn("already allowed", json.dumps(res), (res, err))
        rc, res, err = ask(host="api.example.com", port=8080)
        self.assertIn("pending", json.dumps(res), (res, err))
        st, _, q = self.rest("GET", "/api/approvals/network?status=pending"
                             f"&server_id={srv['id']}")
        rid = [x for x in q["items"] if x["port"] == 8080][0]["id"]
        st, _, b = self.rest("POST", f"/api/approvals/network/{rid}/action",
                             {"action": "reject", "reason": "no"})
        self.assertEqual(st, 200, b)
        for _ in range(3):
            rc, res, err = ask(host="api.example.com", port=8080)
            self.assertIn("an admin rejected", json.dumps(res), (res, err))
        st, _, q = self.rest("GET", "/api/approvals/network?status=all"
                             f"&server_id={srv['id']}")
        self.assertEqual(len([x for x in q["items"] if x["port"] == 8080]), 1)
        self.rest("DELETE", f"/api/servers/{srv['id']}")

    def test_01_info_and_management_tools(self):
        rc, info, err = self.probe.run("info")
        self.assertEqual(rc, 0, err)
        self.assertEqual(info["serverInfo"]["name"], "mcpbox")
        self.assertTrue(info["capabilities"]["tools"]["listChanged"])
        self.assertIn("logging", info["capabilities"])
        self.assertRegex(info["sessionId"], r"^[0-9a-f]{32}$")
        rc, tools, err = self.probe.run("list")
        self.assertEqual(rc, 0, err)
        names = {t["name"] for t in tools}
        mgmt = {n for n in names if n.startswith("mcpbox_")}
        self.assertEqual(len(mgmt), 32, sorted(mgmt))
        for kind in ("resource", "prompt"):
            self.assertIn(f"mcpbox_create_{kind}", mgmt)
            self.assertIn(f"mcpbox_update_{kind}", mgmt)
        for t in tools:
            self.assertEqual(t["inputSchema"]["type"], "object")

    def test_02_tool_lifecycle_and_list_changed(self):
        rc, res, err = self.probe.call("mcpbox_create_server",
                                       {"name": "demo", "description": "d"})
        self.assertEqual(rc, 0, err)
        server_id = res["structuredContent"]["id"]
        rc, res, err = self.probe.call("mcpbox_create_tool", {
            "server_id": server_id, "name": "greet", "python_code": CODE,
            "description": "says hi"})
        self.assertEqual(rc, 0, (res, err))
        tool = res["structuredContent"]
        self.assertEqual(tool["approval_status"], "draft")
        schema = tool["input_schema"]
        self.assertEqual(schema["properties"]["name"]["type"], "string")
        self.assertEqual(schema["required"], ["name"])
        # Not callable before approval, even by its exact name.
        rc, res, _ = self.probe.call("demo__greet", {"name": "x"})
        self.assertEqual(rc, 2)
        self.assertTrue(res["isError"])
        rc, res, err = self.probe.call("mcpbox_request_publish",
                                       {"tool_id": tool["id"]})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["structuredContent"]["approval_status"],
                         "pending_review")
        rc, _, _ = self.probe.call("mcpbox_start_server",
                                   {"server_id": server_id})
        self.assertEqual(rc, 0)
        rc, res, _ = self.probe.call("demo__greet", {"name": "x"})
        self.assertEqual(rc, 2)
        self.assertIn("pending review", res["content"][0]["text"])

        # Hold a GET stream on instance A; approve on instance B.
        watcher = subprocess.Popen(self.probe.base + ["watch", "6"],
                                   stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        st, _, body = self.rest("POST", f"/api/approvals/tools/{tool['id']}/action",
                                {"action": "approve", "version": self.version(tool["id"])})
        self.assertEqual(st, 200, body)
        out, _ = watcher.communicate(timeout=30)
        methods = [json.loads(l).get("method") for l in out.splitlines() if l.strip()]
        self.assertIn("notifications/tools/list_changed", methods)

        rc, tools, _ = self.probe.run("list")
        self.assertIn("demo__greet", {t["name"] for t in tools})
        rc, res, err = self.probe.call("demo__greet", {"name": "bob", "times": 2})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["structuredContent"], {"greeting": "hi bobhi bob"})
        self.assertEqual(json.loads(res["content"][0]["text"]),
                         {"greeting": "hi bobhi bob"})
        # The same over the legacy SSE transport.
        sse = Probe(f"http://localhost:{self.a.port}/sse", transport="sse")
        rc, tools, err = sse.run("list")
        self.assertEqual(rc, 0, err)
        self.assertIn("demo__greet", {t["name"] for t in tools})
        rc, res, err = sse.call("demo__greet", {"name": "ann"})
        self.assertEqual(rc, 0, err)
        self.assertEqual(res["structuredContent"], {"greeting": "hi ann"})
        # Every call is logged.
        st, _, logs = self.rest("GET", f"/api/tools/{tool['id']}/logs")
        self.assertEqual(st, 200)
        self.assertGreaterEqual(logs["total"], 2)
        self.assertTrue(any(l["success"] for l in logs["items"]))
        # A tool failure is a result with isError, not a protocol error.
        st, _, body = self.rest("PATCH", f"/api/tools/{tool['id']}",
                                {"python_code": "def main(name: str = ''):\n    raise ValueError('boom')\n"})
        self.assertEqual(body["approval_status"], "pending_review")
        self.rest("POST", f"/api/approvals/tools/{tool['id']}/action",
                  {"action": "approve", "version": self.version(tool["id"])})
        # The approved input schema still asks for name (the PATCH kept
        # it): a call without it is refused before any code runs.
        rc, res, err = self.probe.call("demo__greet", {})
        self.assertNotEqual(rc, 0)
        self.assertIsNone(res)
        self.assertIn("-32602", err)
        self.assertIn("name", err)
        rc, res, _ = self.probe.call("demo__greet", {"name": "ann"})
        self.assertEqual(rc, 2)
        text = res["content"][0]["text"]
        self.assertIn("boom", text)
        # Sanitized: no host paths or harness internals.
        self.assertNotIn(harness.ROOT, text)
        self.assertNotIn("harness", text)

    def test_03_remote_caller_cannot_delete(self):
        anon = Probe(self.mcp, headers=[f"X-MCPbox-Service-Token: {TOKEN}"])
        rc, _, err = anon.run("list")
        self.assertNotEqual(rc, 0)
        self.assertIn("verified user", err)
        remote = Probe(self.mcp, headers=[f"X-MCPbox-Service-Token: {TOKEN}",
                                          "X-MCPbox-User-Email: ann@example.com"])
        rc, tools, err = remote.run("list")
        self.assertEqual(rc, 0, err)
        names = {t["name"] for t in tools}
        self.assertNotIn("mcpbox_delete_server", names)
        rc, res, _ = remote.call("mcpbox_delete_server", {
            "server_id": "00000000-0000-4000-8000-000000000000"})
        self.assertEqual(rc, 2)
        self.assertIn("local", res["content"][0]["text"])
        bad = Probe(self.mcp, headers=["X-MCPbox-Service-Token: wrong"])
        rc, _, err = bad.run("info")
        self.assertNotEqual(rc, 0)
        self.assertIn("invalid service token", err)
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 1, "method": "ping"},
                             headers={"X-MCPbox-Service-Token": "wrong"})
        self.assertEqual(st, 403)

    def post(self, body, headers=None, raw=False):
        h = {"Content-Type": "application/json",
             "Accept": "application/json, text/event-stream",
             "Host": f"localhost:{self.a.port}"}
        h.update(headers or {})
        return self.a.request("POST", "/mcp", body if raw else json.dumps(body).encode(), h)

    def session(self):
        st, h, _ = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                              "params": {"protocolVersion": "2025-06-18",
                                         "capabilities": {},
                                         "clientInfo": {"name": "t", "version": "1"}}})
        self.assertEqual(st, 200)
        return h["mcp-session-id"]

    def test_04_negative_inputs(self):
        st, _, body = self.post(b"{not json", raw=True)
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(body)["error"]["code"], -32700)
        st, _, _ = self.post(b"{}", raw=True, headers={"Content-Type": "text/plain"})
        self.assertEqual(st, 415)
        big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping",
                          "params": {"x": "a" * (1024 * 1024 + 10)}}).encode()
        st, _, _ = self.post(big, raw=True)
        self.assertEqual(st, 413)
        st, _, body = self.post([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(body)["error"]["code"], -32600)
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        self.assertEqual(st, 400)  # no session
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 2, "method": "ping"},
                             headers={"Mcp-Session-Id": "f" * 32})
        self.assertEqual(st, 404)
        sid = self.session()
        st, _, body = self.post({"jsonrpc": "2.0", "id": 3, "method": "ping"},
                                headers={"Mcp-Session-Id": sid,
                                         "MCP-Protocol-Version": "1999-01-01"})
        self.assertEqual(st, 400)
        st, _, body = self.post({"jsonrpc": "2.0", "id": 4, "method": "nope/x"},
                                headers={"Mcp-Session-Id": sid})
        self.assertEqual(json.loads(body)["error"]["code"], -32601)
        st, _, body = self.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                                 "params": {"name": "nosuch__tool"}},
                                headers={"Mcp-Session-Id": sid})
        self.assertEqual(json.loads(body)["error"]["code"], -32602)
        st, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"},
                             headers={"Mcp-Session-Id": sid})
        self.assertEqual(st, 202)
        # DNS rebinding: a foreign Host or Origin is refused.
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 6, "method": "ping"},
                             headers={"Host": "evil.example.com"})
        self.assertEqual(st, 403)
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 6, "method": "ping"},
                             headers={"Origin": "http://evil.example.com"})
        self.assertEqual(st, 403)
        st, _, _ = self.a.request("DELETE", "/mcp", headers={
            "Mcp-Session-Id": sid, "Host": "localhost"})
        self.assertEqual(st, 200)
        st, _, _ = self.post({"jsonrpc": "2.0", "id": 7, "method": "ping"},
                             headers={"Mcp-Session-Id": sid})
        self.assertEqual(st, 404)

    def test_04b_ended_session_is_gone_on_every_worker(self):
        """Workers remember checked sessions for a moment; a DELETE on one
        must still end the session on all of them at once."""
        sid = self.session()
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        for _ in range(20):  # a connection each: both workers see it
            st, _, _ = self.post(ping, headers={"Mcp-Session-Id": sid})
            self.assertEqual(st, 200)
        st, _, _ = self.a.request("DELETE", "/mcp", headers={
            "Mcp-Session-Id": sid, "Host": "localhost"})
        self.assertEqual(st, 200)
        codes = [self.post(ping, headers={"Mcp-Session-Id": sid})[0]
                 for _ in range(20)]
        self.assertEqual(codes, [404] * 20)

    def test_04c_one_session_under_concurrent_calls(self):
        """Many calls on one session at once, for longer than a worker
        remembers a checked session: every answer is the tool's own."""
        sid = self.session()
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "mcpbox_list_servers",
                                      "arguments": {}}}).encode()
        hdrs = {"Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
                "Host": f"localhost:{self.a.port}", "Mcp-Session-Id": sid}
        bad, done = [], []
        deadline = time.time() + 6

        def hammer():
            conn = http.client.HTTPConnection("127.0.0.1", self.a.port, timeout=10)
            n = 0
            while time.time() < deadline:
                conn.request("POST", "/mcp", body, hdrs)
                r = conn.getresponse()
                data = r.read()
                n += 1
                if r.status != 200 or b'"isError":true' in data or \
                        b'"items"' not in data:
                    bad.append((r.status, data[:300]))
            conn.close()
            done.append(n)

        threads = [threading.Thread(target=hammer) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertGreater(sum(done), 500)
        self.assertEqual(bad[:3], [], f"{len(bad)} of {sum(done)} failed")

    def test_05_stream_cap(self):
        sid = self.session()
        socks, codes = [], []
        req = (f"GET /mcp HTTP/1.1\r\nHost: localhost:{self.a.port}\r\n"
               f"Accept: text/event-stream\r\nMcp-Session-Id: {sid}\r\n\r\n").encode()
        try:
            # From ten addresses: one client alone gets only its share.
            for i in range(101):
                s = socket.create_connection(
                    ("127.0.0.1", self.a.port), timeout=10,
                    source_address=(f"127.0.0.{2 + i % 10}", 0))
                s.sendall(req)
                head = b""
                while b"\r\n" not in head:
                    head += s.recv(1)
                codes.append(int(head.split()[1]))
                socks.append(s)
        finally:
            for s in socks:
                s.close()
        self.assertEqual(codes[:100].count(200), 100)
        self.assertEqual(codes[100], 503)

    def test_07_cancel_kills_the_call(self):
        rc, res, err = self.probe.call("mcpbox_create_server", {"name": "slow"})
        self.assertEqual(rc, 0, err)
        sid_srv = res["structuredContent"]["id"]
        rc, res, err = self.probe.call("mcpbox_create_tool", {
            "server_id": sid_srv, "name": "nap", "python_code":
            "import time\ndef main() -> str:\n    time.sleep(20)\n    return 'late'\n"})
        self.assertEqual(rc, 0, (res, err))
        tid = res["structuredContent"]["id"]
        self.rest("POST", f"/api/approvals/tools/{tid}/action",
                  {"action": "approve", "version": self.version(tid)})
        self.rest("POST", f"/api/servers/{sid_srv}/start", {})
        sid = self.session()
        result = {}

        def call():
            t0 = time.time()
            st, _, body = self.post({"jsonrpc": "2.0", "id": 77, "method": "tools/call",
                                     "params": {"name": "slow__nap"}},
                                    headers={"Mcp-Session-Id": sid})
            result["elapsed"] = time.time() - t0
            result["body"] = json.loads(body)

        t = threading.Thread(target=call)
        t.start()
        time.sleep(1.0)
        st, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/cancelled",
                              "params": {"requestId": 77, "reason": "test"}},
                             headers={"Mcp-Session-Id": sid})
        self.assertEqual(st, 202)
        t.join(timeout=15)
        self.assertFalse(t.is_alive(), "the call was not cancelled")
        self.assertLess(result["elapsed"], 10)
        res = result["body"]["result"]
        self.assertTrue(res["isError"])
        self.assertIn("Cancelled", res["content"][0]["text"])

    def test_06_conformance(self):
        run = os.path.join(harness.ROOT, "tests", "conformance", "run")
        p = subprocess.run([run, self.mcp], capture_output=True, text=True,
                           timeout=600)
        print(p.stdout)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("6 passed, 0 failed", p.stdout)


if __name__ == "__main__":
    unittest.main()
