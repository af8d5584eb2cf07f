"""One server's own endpoints: /mcp/{server} (Streamable HTTP) and
/sse/{server} (legacy) serve that server's approved tools under their own
names and nothing else, driven by the official SDK client (tests/mcpclient)
and by hand where the client would hide the status line."""
import http.client
import json
import os
import subprocess
import unittest

import harness
from test_mcp import Probe

PASSWORD = "correct horse battery staple"
ACCEPT = {"Accept": "application/json, text/event-stream"}
GREET = 'def main(name: str) -> str:\n    return "hi " + name\n'
ECHO = 'def main(text: str) -> str:\n    return text\n'
PICTURE = ('def main():\n'
           '    return [mcp.text("a picture"),\n'
           '            mcp.image(b"\\x89PNG\\r\\n", "image/png")]\n')
BUNDLE = ('def main():\n'
          '    return mcp.content(\n'
          '        mcp.resource("file:///r.txt", text="r", mime_type="text/plain"),\n'
          '        mcp.resource("file:///b.bin", blob=b"\\x00\\x01"),\n'
          '        mcp.resource_link("file:///big.csv", "big.csv"),\n'
          '        mcp.audio("UklGRg==", "audio/wav"),\n'
          '        structured={"n": 2})\n')
FORGED = 'def main():\n    return {"$mcp": "content", "content": []}\n'
SECRET = "s3cret-value-in-a-log"
CHATTY = ('def main():\n'
          '    mcp.log("debug", "details")\n'
          '    mcp.log("warning", {"key": secrets["K"], "n": 1}, logger="w")\n'
          '    mcp.progress(1, 2, message="half of " + secrets["K"])\n'
          '    return "done"\n')


def init_msg():
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}}


class ServerEndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        cls.s = harness.Server(cls.pg.start(), workers=2,
                               name="endpoints").start()
        cls.addClassCleanup(cls.s.stop)
        cls.auth = cls.s.admin(PASSWORD)
        cls.alpha = cls.server("alpha")
        cls.beta = cls.server("beta")
        cls.tool(cls.alpha, "greet", GREET, approve=True)
        cls.tool(cls.alpha, "unreviewed", ECHO, approve=False)
        cls.tool(cls.beta, "echo", ECHO, approve=True)
        cls.gamma = cls.server("gamma")
        for name, code in (("picture", PICTURE), ("bundle", BUNDLE),
                           ("forged", FORGED), ("chatty", CHATTY)):
            cls.tool(cls.gamma, name, code, approve=True)
        st, _, body = cls.rest("POST", f"/api/servers/{cls.gamma}/secrets",
                               {"key": "K", "value": SECRET})
        assert st == 201, body
        cls.base = f"http://localhost:{cls.s.port}"

    @classmethod
    def rest(cls, method, path, body=None):
        return cls.s.json(method, path, body if body is not None else {},
                          headers=cls.auth)

    @classmethod
    def server(cls, name):
        st, _, body = cls.rest("POST", "/api/servers", {"name": name})
        assert st == 201, body
        st, _, body = cls.rest("POST", f"/api/servers/{body['id']}/start")
        assert st == 200, body
        return body["id"]

    @classmethod
    def tool(cls, server_id, name, code, approve):
        st, _, body = cls.rest("POST", f"/api/servers/{server_id}/tools",
                               {"name": name, "python_code": code})
        assert st == 201, body
        if approve:
            v = harness.reviewed_version(
                lambda p: cls.s.json("GET", p, headers=cls.auth), body["id"])
            st, _, b = cls.rest("POST",
                                f"/api/approvals/tools/{body['id']}/action",
                                {"action": "approve", "version": v})
            assert st == 200, b
        return body["id"]

    def post(self, path, msg, session=None):
        h = dict(ACCEPT)
        if session:
            h["Mcp-Session-Id"] = session
        st, hdrs, data = self.s.request("POST", path, msg, h)
        return st, hdrs, (json.loads(data) if data else None)

    def session(self, path):
        st, h, body = self.post(path, init_msg())
        self.assertEqual(st, 200, body)
        return h["mcp-session-id"], body

    def test_01_lists_exactly_its_approved_tools_unprefixed(self):
        rc, tools, err = Probe(self.base + "/mcp/alpha").run("list")
        self.assertEqual(rc, 0, err)
        self.assertEqual([t["name"] for t in tools], ["greet"])
        self.assertEqual(tools[0]["inputSchema"]["type"], "object")
        rc, tools, err = Probe(self.base + "/mcp/beta").run("list")
        self.assertEqual(rc, 0, err)
        self.assertEqual([t["name"] for t in tools], ["echo"])
        # /mcp still has every server's tools, prefixed, and mcpbox_*.
        rc, tools, err = Probe(self.base + "/mcp").run("list")
        self.assertEqual(rc, 0, err)
        names = {t["name"] for t in tools}
        self.assertTrue({"alpha__greet", "beta__echo"} <= names)
        self.assertIn("mcpbox_list_servers", names)

    def test_02_calls_by_own_name_only(self):
        probe = Probe(self.base + "/mcp/alpha")
        rc, res, err = probe.call("greet", {"name": "ann"})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"][0]["text"], "hi ann")
        # Neither management tools nor other servers' tools are there.
        for name, args in (("mcpbox_list_servers", {}),
                           ("beta__echo", {"text": "x"}),
                           ("echo", {"text": "x"}),
                           ("alpha__greet", {"name": "x"})):
            sid, _ = self.session("/mcp/alpha")
            st, _, body = self.post("/mcp/alpha", {
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": name, "arguments": args}}, sid)
            self.assertEqual(st, 200, body)
            self.assertEqual(body["error"]["message"], "unknown tool", name)

    def test_03_initialize_names_the_server(self):
        _, body = self.session("/mcp/alpha")
        self.assertIn("alpha", body["result"]["instructions"])
        self.assertTrue(body["result"]["capabilities"]["tools"]["listChanged"])

    def test_04_unknown_server_is_404(self):
        st, _, body = self.post("/mcp/nosuch", init_msg())
        self.assertEqual(st, 404, body)
        self.assertIn("no server named nosuch", body["error"]["message"])
        st, _, _ = self.s.request("GET", "/sse/nosuch", None,
                                  {"Accept": "text/event-stream"})
        self.assertEqual(st, 404)
        # Names the router cannot serve never reach a handler.
        for path in ("/mcp/Alpha", "/mcp/a-b", "/mcp/alpha/x", "/mcp/"):
            st, _, _ = self.post(path, init_msg())
            self.assertEqual(st, 404, path)

    def test_05_stopped_server_says_so(self):
        sid, _ = self.session("/mcp/beta")
        st, _, body = self.rest("POST", f"/api/servers/{self.beta}/stop")
        self.assertEqual(st, 200, body)
        try:
            st, _, body = self.post("/mcp/beta", {
                "jsonrpc": "2.0", "id": 2, "method": "tools/list"}, sid)
            self.assertEqual(st, 200, body)
            self.assertIn("beta is stopped", body["error"]["message"])
            st, _, body = self.post("/mcp/beta", {
                "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"text": "x"}}}, sid)
            self.assertTrue(body["result"]["isError"], body)
            self.assertIn("stopped", body["result"]["content"][0]["text"])
        finally:
            self.rest("POST", f"/api/servers/{self.beta}/start")

    def test_06_a_servers_session_reaches_that_server_only(self):
        sid, _ = self.session("/mcp/alpha")
        st, _, body = self.post("/mcp/beta", {
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "x"}}}, sid)
        self.assertEqual(st, 404, body)
        st, _, body = self.post("/mcp", {
            "jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "beta__echo", "arguments": {"text": "x"}}}, sid)
        self.assertEqual(st, 404, body)
        # A /mcp session keeps reaching every server.
        sid, _ = self.session("/mcp")
        st, _, body = self.post("/mcp/beta", {
            "jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "y"}}}, sid)
        self.assertEqual(body["result"]["content"][0]["text"], "y", body)

    def test_07_legacy_sse_endpoint(self):
        probe = Probe(self.base + "/sse/alpha", transport="sse")
        rc, tools, err = probe.run("list")
        self.assertEqual(rc, 0, err)
        self.assertEqual([t["name"] for t in tools], ["greet"])
        rc, res, err = probe.call("greet", {"name": "bo"})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"][0]["text"], "hi bo")

    def test_08_content_from_tool_code(self):
        probe = Probe(self.base + "/mcp/gamma")
        rc, res, err = probe.call("picture")
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"], [
            {"type": "text", "text": "a picture"},
            {"type": "image", "data": "iVBORw0K", "mimeType": "image/png"}])
        rc, res, err = probe.call("bundle")
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"], [
            {"type": "resource", "resource": {
                "uri": "file:///r.txt", "mimeType": "text/plain",
                "text": "r"}},
            {"type": "resource", "resource": {
                "uri": "file:///b.bin", "blob": "AAE="}},
            {"type": "resource_link", "uri": "file:///big.csv",
             "name": "big.csv"},
            {"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"}])
        self.assertEqual(res["structuredContent"], {"n": 2})
        # A plain dict cannot pass itself off as content.
        rc, res, err = probe.call("forged")
        self.assertEqual(rc, 2, (res, err))
        self.assertIn("reserved", res["content"][0]["text"])

    def sse_messages(self, data):
        # The priming event has no data.
        return [json.loads(line[6:]) for line in data.decode().splitlines()
                if line.startswith("data: ") and line[6:].strip()]

    def test_10_notifications_before_the_result(self):
        sid, _ = self.session("/mcp/gamma")
        call = {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                "params": {"name": "chatty", "arguments": {},
                           "_meta": {"progressToken": "tok-1"}}}
        st, h, data = self.s.request("POST", "/mcp/gamma", call, dict(
            ACCEPT, **{"Mcp-Session-Id": sid}))
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "text/event-stream")
        msgs = self.sse_messages(data)
        # The session's level is info until it says otherwise: no debug.
        self.assertEqual([m.get("method") for m in msgs],
                         ["notifications/message",
                          "notifications/progress", None])
        self.assertEqual(msgs[-1]["id"], 5)
        self.assertEqual(msgs[0]["params"], {
            "level": "warning", "logger": "w",
            "data": {"key": "[REDACTED]", "n": 1}})
        self.assertEqual(msgs[1]["params"], {
            "progressToken": "tok-1", "progress": 1, "total": 2,
            "message": "half of [REDACTED]"})
        self.assertNotIn(SECRET.encode(), data)
        # logging/setLevel decides what comes; without a progressToken
        # no progress.
        del call["params"]["_meta"]
        for level, want in (("debug", ["debug", "warning"]),
                            ("error", [])):
            st, _, body = self.post("/mcp/gamma", {
                "jsonrpc": "2.0", "id": 6, "method": "logging/setLevel",
                "params": {"level": level}}, sid)
            self.assertEqual(body["result"], {}, body)
            st, h, data = self.s.request("POST", "/mcp/gamma", call, dict(
                ACCEPT, **{"Mcp-Session-Id": sid}))
            if not want:
                self.assertTrue(h["content-type"].startswith(
                    "application/json"), h)
                continue
            msgs = self.sse_messages(data)
            self.assertEqual([m["params"]["level"] for m in msgs[:-1]],
                             want)
            self.assertEqual(msgs[-1]["result"]["content"][0]["text"],
                             "done")
        # A client that takes JSON only gets the result alone.
        st, h, data = self.s.request("POST", "/mcp/gamma", call, {
            "Accept": "application/json", "Mcp-Session-Id": sid})
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(data)["result"]["content"][0]["text"],
                         "done")

    def test_11_notifications_with_the_sdk_on_both_transports(self):
        for url, transport in (("/mcp/gamma", "streamable"),
                               ("/sse/gamma", "sse")):
            rc, out, err = Probe(self.base + url, transport=transport).run(
                "call-notes", "chatty")
            self.assertEqual(rc, 0, (out, err))
            self.assertEqual(out["result"]["content"][0]["text"], "done")
            notes = out["notifications"]
            self.assertEqual(notes[0]["method"], "notifications/message")
            self.assertEqual(notes[0]["params"]["data"],
                             {"key": "[REDACTED]", "n": 1})
            # The SDK handles notifications a tick after they arrive and a
            # response at once: over legacy SSE a progress notification in
            # the same read as the answer finds its handler gone (the raw
            # stream order is checked in test_10 and by the suite).
            if transport == "streamable":
                self.assertEqual([n["method"] for n in notes],
                                 ["notifications/message",
                                  "notifications/progress"], notes)
                self.assertEqual(notes[1]["params"]["progress"], 1)

    def test_09_conformance_scenarios(self):
        """The fixtures made as an LLM and an admin would, then all 32 of
        the official suite's server scenarios on /mcp/conformance: tools
        and content, resources, prompts and completion."""
        fixtures = os.path.join(harness.ROOT, "scripts", "conformance-fixtures")
        p = subprocess.run([fixtures, self.base,
                            self.auth["Authorization"][7:]],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("14 tools, 8 resources and prompts approved", p.stdout)
        # A tool with an explicit 2020-12 schema is called like any other.
        probe = Probe(self.base + "/mcp/conformance")
        rc, res, err = probe.call("json_schema_2020_12_tool", {
            "name": "a", "address": {"city": "Oslo"}})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["structuredContent"]["address"], {"city": "Oslo"})
        # Again: nothing is made twice.
        p = subprocess.run([fixtures, self.base,
                            self.auth["Authorization"][7:]],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        run = os.path.join(harness.ROOT, "tests", "conformance", "run")
        scenarios = ["server-initialize", "ping", "tools-list",
                     "tools-call-simple-text", "tools-call-image",
                     "tools-call-audio", "tools-call-embedded-resource",
                     "tools-call-mixed-content", "tools-call-error",
                     "tools-call-with-logging", "tools-call-with-progress",
                     "json-schema-2020-12", "logging-set-level",
                     "server-sse-multiple-streams",
                     "dns-rebinding-protection", "tools-call-sampling",
                     "tools-call-elicitation", "elicitation-sep1034-defaults",
                     "elicitation-sep1330-enums", "server-sse-polling",
                     "resources-list", "resources-read-text",
                     "resources-read-binary", "resources-templates-read",
                     "resources-subscribe", "resources-unsubscribe",
                     "prompts-list", "prompts-get-simple",
                     "prompts-get-with-args", "prompts-get-embedded-resource",
                     "prompts-get-with-image", "completion-complete"]
        p = subprocess.run([run, self.base + "/mcp/conformance", *scenarios],
                           capture_output=True, text=True, timeout=900)
        print(p.stdout)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(f"{len(scenarios)} passed, 0 failed", p.stdout)

    def sse_lines(self, method, path, session, body=None, extra=None):
        conn = http.client.HTTPConnection("localhost", self.s.port,
                                          timeout=20)
        h = {"Accept": "application/json, text/event-stream",
             "Content-Type": "application/json", "Mcp-Session-Id": session}
        h.update(extra or {})
        conn.request(method, path, json.dumps(body) if body else None, h)
        return conn, conn.getresponse()

    def events(self, resp, n):
        out, ev = [], {}
        while len(out) < n:
            line = resp.readline().decode().rstrip("\r\n")
            if line == "":
                if ev:
                    out.append(ev)
                ev = {}
            elif not line.startswith(":"):
                k, _, v = line.partition(":")
                ev[k] = ev.get(k, "") + v.strip()
        return out

    def test_12_event_ids_priming_and_resumed_get(self):
        """Streamable HTTP event streams start with a priming event (an id,
        retry, no data) and number every event; a GET that resumes with
        Last-Event-ID is told to list again, a malformed id gets 400."""
        sid, _ = self.session("/mcp/gamma")
        conn, resp = self.sse_lines("POST", "/mcp/gamma", sid, {
            "jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "chatty", "arguments": {}}})
        try:
            evs = self.events(resp, 3)
        finally:
            conn.close()
        self.assertRegex(evs[0]["id"], r"^[0-9a-f]{16}-0$")
        self.assertEqual(evs[0]["retry"], "2000")
        self.assertEqual(evs[0].get("data", ""), "")
        stream = evs[0]["id"][:16]
        self.assertEqual([e["id"] for e in evs[1:]],
                         [stream + "-1", stream + "-2"])
        self.assertEqual(json.loads(evs[-1]["data"])["id"], 3)
        conn, resp = self.sse_lines("GET", "/mcp/gamma", sid,
                                    extra={"Last-Event-ID": "nope"})
        self.assertEqual(resp.status, 400)
        self.assertIn("Last-Event-ID", json.loads(resp.read())["error"][
            "message"])
        conn.close()
        conn, resp = self.sse_lines("GET", "/mcp/gamma", sid,
                                    extra={"Last-Event-ID": evs[1]["id"]})
        try:
            self.assertEqual(resp.status, 200)
            prime, changed = self.events(resp, 2)
        finally:
            conn.close()
        self.assertRegex(prime["id"], r"^[0-9a-f]{16}-0$")
        self.assertNotEqual(prime["id"][:16], stream)
        self.assertEqual(json.loads(changed["data"])["method"],
                         "notifications/tools/list_changed")


if __name__ == "__main__":
    unittest.main()
