"""A running tool talks to the client across instances: it asks with
mcp.sample() (sampling/createMessage) and mcp.elicit() (elicitation/create),
with the official SDK client on both transports and by hand against two
instances sharing one PostgreSQL, where the client's answer reaches
another instance than the one running the call; and it closes its stream
(mcp.close_stream()), which the client resumes on the other instance."""
import http.client
import json
import time
import unittest

import harness
from test_mcp import Probe

PASSWORD = "correct horse battery staple"
SECRET = "s3cret-for-the-model"
ASK_MODEL = ('def main(q: str):\n'
             '    r = mcp.sample([q, "and " + secrets["K"]], max_tokens=50,\n'
             '                   system_prompt="be brief")\n'
             '    return {"said": r["content"]["text"], "model": r["model"]}\n')
ASK_USER = ('def main():\n'
            '    mcp.log("info", "asking")\n'
            '    return mcp.elicit("Your name?", {"type": "object",\n'
            '        "properties": {"name": {"type": "string",\n'
            '                                "default": "ann"}},\n'
            '        "required": ["name"]})\n')
ASK_SOFT = ('def main():\n'
            '    try:\n'
            '        return mcp.sample("hi", max_tokens=5)\n'
            '    except mcp.AskError as e:\n'
            '        return "no model: " + str(e)\n')
CLOSER = ('import time\n'
          'def main():\n'
          '    mcp.log("info", "before")\n'
          '    mcp.close_stream()\n'
          '    mcp.log("info", "after")\n'
          '    time.sleep(0.3)\n'
          '    return "finished"\n')
CAPS = {"sampling": {}, "elicitation": {}}
MODEL_ANSWER = {"role": "assistant", "content": {"type": "text",
                "text": "hello back"}, "model": "test-model",
                "stopReason": "endTurn"}
USER_ANSWER = {"action": "accept", "content": {"name": "bo"}}


class SseReader:
    """A POST whose answer is an event stream, read event by event."""

    def __init__(self, port, path, msg, session, method="POST", headers=()):
        self.conn = http.client.HTTPConnection("localhost", port, timeout=30)
        self.conn.request(method, path, json.dumps(msg) if msg else None,
                          dict({"Content-Type": "application/json",
                                "Accept": "application/json, "
                                          "text/event-stream",
                                "Mcp-Session-Id": session}, **dict(headers)))
        self.resp = self.conn.getresponse()
        self.last_id = None

    def event(self):
        """The next event's data as JSON (None at the end); the last id
        seen is in last_id."""
        data = []
        while True:
            line = self.resp.readline()
            if not line:
                return None
            line = line.decode().rstrip("\r\n")
            if line.startswith("id:"):
                self.last_id = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and "".join(data):
                return json.loads("\n".join(data))
            elif line == "":
                data = []  # the priming event: an id and no data

    def close(self):
        self.conn.close()


class AskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.a = harness.Server(url, workers=2, name="asks-a").start()
        cls.addClassCleanup(cls.a.stop)
        # Instance B shares the database and the key: a second machine.
        cls.b = cls.a.twin(name="asks-b").start()
        cls.addClassCleanup(cls.b.stop)
        cls.auth = cls.a.admin(PASSWORD)
        st, _, body = cls.rest("POST", "/api/servers", {"name": "asks"})
        assert st == 201, body
        sid = body["id"]
        st, _, body = cls.rest("POST", f"/api/servers/{sid}/secrets",
                               {"key": "K", "value": SECRET})
        assert st == 201, body
        for name, code in (("ask_model", ASK_MODEL), ("ask_user", ASK_USER),
                           ("ask_soft", ASK_SOFT), ("closer", CLOSER)):
            st, _, body = cls.rest("POST", f"/api/servers/{sid}/tools",
                                   {"name": name, "python_code": code})
            assert st == 201, body
            v = harness.reviewed_version(
                lambda p: cls.a.json("GET", p, headers=cls.auth), body["id"])
            st, _, b = cls.rest("POST",
                                f"/api/approvals/tools/{body['id']}/action",
                                {"action": "approve", "version": v})
            assert st == 200, b
        st, _, body = cls.rest("POST", f"/api/servers/{sid}/start")
        assert st == 200, body
        cls.url = f"http://localhost:{cls.a.port}/mcp/asks"

    @classmethod
    def rest(cls, method, path, body=None):
        return cls.a.json(method, path, body if body is not None else {},
                          headers=cls.auth)

    def probe(self, caps=CAPS, transport="streamable", url=None):
        p = Probe(url or self.url, transport)
        p.base += ["--capabilities", json.dumps(caps)]
        return p

    def asks(self, probe, tool, args=None):
        return probe.run("call-asks", tool, json.dumps(args or {}),
                         json.dumps({"sampling": MODEL_ANSWER,
                                     "elicitation": USER_ANSWER}))

    def session(self, server, caps=CAPS):
        st, h, body = server.request("POST", "/mcp/asks", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": caps,
                       "clientInfo": {"name": "t", "version": "1"}}},
            {"Accept": "application/json, text/event-stream"})
        self.assertEqual(st, 200, body)
        return h["mcp-session-id"]

    def running(self):
        st, _, body = self.a.json("GET", "/health/ready")
        self.assertEqual(st, 200, body)
        return body["checks"]["sandbox"]["running"]

    def wait_idle(self):
        for _ in range(100):
            if self.running() == 0:
                return True
            time.sleep(0.1)
        return False

    def test_01_sampling_with_the_sdk(self):
        rc, out, err = self.asks(self.probe(), "ask_model", {"q": "say hi"})
        self.assertEqual(rc, 0, (out, err))
        self.assertEqual(out["result"]["structuredContent"],
                         {"said": "hello back", "model": "test-model"})
        [req] = out["requests"]
        self.assertEqual(req["method"], "sampling/createMessage")
        p = req["params"]
        self.assertEqual(p["maxTokens"], 50)
        self.assertEqual(p["systemPrompt"], "be brief")
        self.assertEqual(p["messages"][0], {"role": "user", "content": {
            "type": "text", "text": "say hi"}})
        # The server's secret never reaches the client's model.
        self.assertNotIn(SECRET, json.dumps(out))
        self.assertEqual(p["messages"][1]["content"]["text"], "and [REDACTED]")

    def test_02_elicitation_with_the_sdk_on_both_transports(self):
        for transport, url in (("streamable", self.url),
                               ("sse", f"http://localhost:{self.a.port}"
                                       "/sse/asks")):
            with self.subTest(transport=transport):
                rc, out, err = self.asks(self.probe(transport=transport,
                                                    url=url), "ask_user")
                self.assertEqual(rc, 0, (out, err))
                self.assertEqual(out["result"]["structuredContent"],
                                 USER_ANSWER)
                [req] = out["requests"]
                self.assertEqual(req["method"], "elicitation/create")
                self.assertEqual(req["params"]["message"], "Your name?")
                self.assertEqual(req["params"]["requestedSchema"][
                    "properties"]["name"]["default"], "ann")

    def test_03_no_capability_is_a_clear_tool_error(self):
        rc, out, err = self.asks(self.probe(caps={}), "ask_model",
                                 {"q": "x"})
        self.assertEqual(rc, 2, (out, err))
        self.assertEqual(out["requests"], [])
        text = out["result"]["content"][0]["text"]
        self.assertIn("AskError", text)
        self.assertIn("did not declare the sampling capability", text)
        # A tool may catch it and go on without the model.
        rc, out, err = self.asks(self.probe(caps={"elicitation": {}}),
                                 "ask_soft")
        self.assertEqual(rc, 0, (out, err))
        self.assertIn("no model: the client did not declare the sampling",
                      out["result"]["content"][0]["text"])
        # Only URL-mode elicitation declared: form mode cannot be asked.
        rc, out, err = self.asks(self.probe(caps={"elicitation": {
            "url": {}}}), "ask_user")
        self.assertEqual(rc, 2, (out, err))
        self.assertIn("only URL-mode", out["result"]["content"][0]["text"])

    def start_asking(self, rid):
        """A tools/call of ask_user on instance A, read up to its question:
        (session, stream, question)."""
        sid = self.session(self.a)
        call = SseReader(self.a.port, "/mcp/asks", {
            "jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": "ask_user", "arguments": {}}}, sid)
        self.addCleanup(call.close)
        self.assertEqual(call.event()["method"], "notifications/message")
        ask = call.event()
        self.assertEqual(ask["method"], "elicitation/create")
        return sid, call, ask

    def post_b(self, msg, session):
        """A message to instance B, which does not run the call."""
        st, _, body = self.b.request("POST", "/mcp/asks", msg, {
            "Accept": "application/json, text/event-stream",
            "Mcp-Session-Id": session})
        self.assertEqual(st, 202, body)

    def test_04_answer_through_another_instance_reaches_the_child(self):
        """The call runs on instance A; the client's answer is POSTed to
        instance B, which does not run it: B routes it (inline, and
        through the outbox when too large for a NOTIFY)."""
        for size in (10, 20000):
            with self.subTest(size=size):
                sid, call, ask = self.start_asking(7)
                self.assertTrue(ask["id"].startswith("mcpbox-ask-"))
                answer = {"action": "accept",
                          "content": {"name": "x" * size}}
                self.post_b({"jsonrpc": "2.0", "id": ask["id"],
                             "result": answer}, sid)
                res = call.event()
                self.assertEqual(res["id"], 7)
                self.assertEqual(res["result"]["structuredContent"], answer)

    def test_05_answers_from_another_session_are_ignored(self):
        """Shown to catch the hole: without the session check in
        mcp_ask_take, mallory's answer from another session reached the
        tool."""
        sid, call, ask = self.start_asking(8)
        other = self.session(self.b)
        wrong = {"action": "accept", "content": {"name": "mallory"}}
        self.post_b({"jsonrpc": "2.0", "id": ask["id"], "result": wrong},
                    other)
        # A malformed answer from the right session fails the ask.
        self.post_b({"jsonrpc": "2.0", "id": ask["id"],
                     "result": {"action": "maybe"}}, sid)
        res = call.event()
        self.assertTrue(res["result"]["isError"], res)
        self.assertIn("not a valid result", res["result"]["content"][0][
            "text"])
        self.assertNotIn("mallory", json.dumps(res))

    def test_06_cancelled_wait_kills_the_child(self):
        """While the tool waits for the user its child lives (running 1);
        notifications/cancelled, sent to the other instance, ends the wait
        and the child."""
        sid, call, _ = self.start_asking(9)
        time.sleep(0.3)
        self.assertEqual(self.running(), 1)
        self.post_b({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 9, "reason": "user left"}}, sid)
        self.assertTrue(self.wait_idle(), "the child still runs")

    def test_07_closed_stream_kills_the_child(self):
        _, call, _ = self.start_asking(10)
        time.sleep(0.3)
        self.assertEqual(self.running(), 1)
        call.close()
        self.assertTrue(self.wait_idle(), "the child still runs")

    def test_08_json_only_client_cannot_be_asked(self):
        sid = self.session(self.a)
        st, _, body = self.a.request("POST", "/mcp/asks", {
            "jsonrpc": "2.0", "id": 11, "method": "tools/call",
            "params": {"name": "ask_user", "arguments": {}}},
            {"Accept": "application/json", "Mcp-Session-Id": sid})
        self.assertEqual(st, 200, body)
        res = json.loads(body)["result"]
        self.assertTrue(res["isError"])
        self.assertIn("takes only JSON", res["content"][0]["text"])

    def test_09_closed_stream_resumes_on_another_instance(self):
        """mcp.close_stream(): the POST's stream ends after what came
        before it, the call goes on, and a GET with Last-Event-ID on
        instance B gets the rest, numbered on, then ends. Another session
        with the same id gets none of it."""
        sid = self.session(self.a)
        call = SseReader(self.a.port, "/mcp/asks", {
            "jsonrpc": "2.0", "id": 12, "method": "tools/call",
            "params": {"name": "closer", "arguments": {}}}, sid)
        self.addCleanup(call.close)
        self.assertEqual(call.event()["params"]["data"], "before")
        self.assertIsNone(call.event())
        stream, n = call.last_id.split("-")
        self.assertEqual(n, "1")
        other = self.session(self.b)
        snoop = SseReader(self.b.port, "/mcp/asks", None, other, "GET",
                          {"Last-Event-ID": call.last_id})
        self.addCleanup(snoop.close)
        self.assertEqual(snoop.event()["method"],
                         "notifications/tools/list_changed")
        # Resuming from the priming event: what the closed stream carried
        # is not kept, the rest comes.
        for last in (call.last_id, stream + "-0"):
            with self.subTest(last=last):
                back = SseReader(self.b.port, "/mcp/asks", None, sid, "GET",
                                 {"Last-Event-ID": last})
                self.addCleanup(back.close)
                self.assertEqual(back.resp.status, 200)
                self.assertEqual(back.event()["params"]["data"], "after")
                self.assertEqual(back.last_id, stream + "-2")
                res = back.event()
                self.assertEqual(res["id"], 12)
                self.assertEqual(res["result"]["content"][0]["text"],
                                 "finished")
                self.assertEqual(back.last_id, stream + "-3")
                self.assertIsNone(back.event())

    def test_10_the_sdk_client_resumes_a_closed_stream(self):
        rc, out, err = Probe(self.url).run("call-notes", "closer")
        self.assertEqual(rc, 0, (out, err))
        self.assertEqual(out["result"]["content"][0]["text"], "finished")
        self.assertEqual([n["params"]["data"] for n in out["notifications"]],
                         ["before", "after"])


if __name__ == "__main__":
    unittest.main()
