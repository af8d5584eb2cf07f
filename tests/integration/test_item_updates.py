"""Subscriptions and list changes of resources and prompts across
instances: a client subscribed to a resource, whose GET stream instance B
holds, hears notifications/resources/updated when an admin approves a new
version through instance A; a session that unsubscribed, or subscribed
to another server's resource, does not; every stream hears that the
resource and prompt lists changed."""
import json
import threading
import time
import unittest

import harness
from test_asks import SseReader

PASSWORD = "correct horse battery staple"


class ItemUpdatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.a = harness.Server(url, workers=2, name="items-a").start()
        cls.addClassCleanup(cls.a.stop)
        cls.b = cls.a.twin(name="items-b").start()
        cls.addClassCleanup(cls.b.stop)
        cls.auth = cls.a.admin(PASSWORD)
        cls.ids = {}
        for srv in ("news", "other"):
            st, _, body = cls.rest("POST", "/api/servers", {"name": srv})
            assert st == 201, body
            sid = body["id"]
            st, _, body = cls.rest("POST", f"/api/servers/{sid}/tools", {
                "name": "today", "description": "today's news",
                "kind": "resource", "definition": {
                    "uri": "news://today", "mime_type": "text/plain",
                    "text": "v1"}})
            assert st == 201, body
            cls.ids[srv] = body["id"]
            cls.approve(body["id"])
            st, _, body = cls.rest("POST", f"/api/servers/{sid}/start")
            assert st == 200, body

    @classmethod
    def rest(cls, method, path, body=None):
        return cls.a.json(method, path, body if body is not None else {},
                          headers=cls.auth)

    @classmethod
    def approve(cls, tid):
        v = harness.reviewed_version(
            lambda p: cls.a.json("GET", p, headers=cls.auth), tid)
        st, _, b = cls.rest("POST", f"/api/approvals/tools/{tid}/action",
                            {"action": "approve", "version": v})
        assert st == 200, b

    def rpc(self, server, session, method, params, rid=2):
        st, _, body = server.json("POST", "/mcp/news", {
            "jsonrpc": "2.0", "id": rid, "method": method,
            "params": params}, {"Accept": "application/json, "
                                "text/event-stream",
                                "Mcp-Session-Id": session})
        self.assertEqual(st, 200, body)
        return body

    def session(self, server):
        st, h, body = server.request("POST", "/mcp/news", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}},
            {"Accept": "application/json, text/event-stream"})
        self.assertEqual(st, 200, body)
        return h["mcp-session-id"]

    def listen(self, session, until):
        """Events on B's GET stream of `session` until `until` says stop
        or 15 s pass; the methods heard, in order."""
        reader = SseReader(self.b.port, "/mcp/news", None, session,
                           method="GET")
        heard, stop = [], threading.Event()

        def run():
            try:
                while not stop.is_set():
                    ev = reader.event()
                    if ev is None:
                        return
                    heard.append(ev)
                    if until(heard):
                        return
            except (OSError, AttributeError, ValueError):
                return      # the test closed the stream under the reader
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return reader, t, heard, stop

    def change_text(self, text):
        st, _, body = self.rest("PATCH", f"/api/tools/{self.ids['news']}",
                                {"definition": {
                                    "uri": "news://today",
                                    "mime_type": "text/plain",
                                    "text": text}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["approval_status"], "pending_review")
        self.approve(self.ids["news"])

    def test_1_update_reaches_a_subscriber_on_another_instance(self):
        sub = self.session(self.a)
        self.assertEqual(self.rpc(self.a, sub, "resources/subscribe",
                                  {"uri": "news://today"})["result"], {})
        quiet = self.session(self.a)
        self.rpc(self.a, quiet, "resources/subscribe", {"uri": "news://today"})
        self.rpc(self.a, quiet, "resources/unsubscribe",
                 {"uri": "news://today"})

        def updated(h):
            return any(e.get("method") == "notifications/resources/updated"
                       for e in h)
        r1, t1, heard, stop1 = self.listen(sub, updated)
        r2, t2, heard_quiet, stop2 = self.listen(quiet, lambda h: len(h) >= 3)
        time.sleep(0.5)     # both GET streams are open on B
        self.change_text("v2")
        t1.join(15)
        t2.join(15)
        stop1.set()
        stop2.set()
        r1.close()
        r2.close()
        methods = [e.get("method") for e in heard]
        self.assertIn("notifications/resources/updated", methods, heard)
        up = [e for e in heard
              if e.get("method") == "notifications/resources/updated"][0]
        self.assertEqual(up["params"], {"uri": "news://today"})
        self.assertIn("notifications/resources/list_changed", methods)
        self.assertIn("notifications/prompts/list_changed", methods)
        # The unsubscribed session hears the lists change, not the update.
        quiet_methods = [e.get("method") for e in heard_quiet]
        self.assertIn("notifications/resources/list_changed", quiet_methods)
        self.assertNotIn("notifications/resources/updated", quiet_methods,
                         heard_quiet)
        # And what the subscriber reads now is the new approved version.
        body = self.rpc(self.b, sub, "resources/read", {"uri": "news://today"})
        self.assertEqual(body["result"]["contents"][0]["text"], "v2")

    def test_2_another_servers_change_is_not_an_update(self):
        sub = self.session(self.a)
        self.rpc(self.a, sub, "resources/subscribe", {"uri": "news://today"})
        r, t, heard, stop = self.listen(sub, lambda h: False)
        time.sleep(0.5)
        # The other server's resource changes: the lists changed, but
        # nothing the subscriber reads did.
        st, _, body = self.rest("PATCH", f"/api/tools/{self.ids['other']}",
                                {"definition": {"uri": "news://today",
                                                "text": "elsewhere"}})
        self.assertEqual(st, 200, body)
        self.approve(self.ids["other"])
        time.sleep(2)
        stop.set()
        r.close()
        t.join(5)
        methods = [e.get("method") for e in heard]
        self.assertIn("notifications/resources/list_changed", methods, heard)
        self.assertNotIn("notifications/resources/updated", methods, heard)

    def test_3_subscribing_needs_a_session_and_a_uri(self):
        st, _, body = self.a.json("POST", "/mcp/news", {
            "jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
            "params": {}}, {"Accept": "application/json, text/event-stream",
                            "Mcp-Session-Id": self.session(self.a)})
        self.assertEqual(body["error"]["code"], -32602, body)


if __name__ == "__main__":
    unittest.main()
