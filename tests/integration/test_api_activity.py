"""Activity: log filters and paging, the live SSE feed (an entry written
by another request reaches every open stream, filters apply), and the
execution logs."""
import json
import socket
import time
import unittest
import uuid

import apiclient
import harness


class Stream:
    """A raw-socket reader of GET /api/activity/stream."""

    def __init__(self, srv, token, query=""):
        self.sock = socket.create_connection(("127.0.0.1", srv.port),
                                             timeout=5)
        self.sock.sendall(
            f"GET /api/activity/stream{query} HTTP/1.1\r\n"
            f"Host: localhost:{srv.port}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode())
        self.buf = b""
        self.read_until(b": connected", 5)
        self.head = self.buf.split(b"\r\n\r\n", 1)[0]

    def read_until(self, needle, timeout):
        deadline = time.time() + timeout
        while needle not in self.buf and time.time() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        return needle in self.buf

    def events(self):
        out = []
        for line in self.buf.split(b"\n"):
            if line.startswith(b"data: "):
                out.append(json.loads(line[6:]))
        return out

    def close(self):
        self.sock.close()


class ActivityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()

    def test_logs_filters_and_paging(self):
        s = apiclient.make_server(self.c, "act")
        st, _, logs = self.c.get(f"/api/activity/logs?server_id={s['id']}")
        self.assertEqual(st, 200)
        self.assertEqual(logs["items"][0]["log_type"], "audit")
        self.assertEqual(logs["items"][0]["actor"], apiclient.USERNAME)
        self.assertEqual(logs["items"][0]["details"]["name"], s["name"])
        st, _, logs = self.c.get("/api/activity/logs?log_type=audit&level="
                                 "info&q=SERVER+CREATED&page_size=2&page=1")
        self.assertEqual(len(logs["items"]), 2)
        self.assertGreaterEqual(logs["total"], 2)
        self.assertTrue(all("server created" in x["message"]
                            for x in logs["items"]))
        st, _, logs = self.c.get("/api/activity/logs?since=2999-01-01T00:00:00Z")
        self.assertEqual((st, logs["total"]), (200, 0))
        for q in ("log_type=nope", "level=loud", "server_id=x",
                  "since=yesterday-ish", "page_size=1000"):
            st, _, b = self.c.get(f"/api/activity/logs?{q}")
            self.assertEqual(st, 400, q)

    def test_stream_receives_entries_from_other_requests(self):
        srv = self.c.server
        # Several streams on separate connections: both workers hold some.
        streams = [Stream(srv, self.c.access, "?log_type=audit")
                   for _ in range(4)]
        quiet = Stream(srv, self.c.access, "?log_type=error")
        other_server = Stream(srv, self.c.access,
                              f"?server_id={uuid.uuid4()}")
        try:
            self.assertIn(b"text/event-stream", streams[0].head.lower())
            self.assertIn(b"chunked", streams[0].head.lower())
            s = apiclient.make_server(self.c, "live")
            for st in streams:
                self.assertTrue(st.read_until(s["name"].encode(), 5),
                                st.buf[-500:])
                ev = [e for e in st.events() if e.get("server_id") == s["id"]]
                self.assertEqual(ev[0]["log_type"], "audit")
                self.assertIn(b"event: activity", st.buf)
            self.assertFalse(quiet.read_until(s["name"].encode(), 0.5))
            self.assertFalse(other_server.read_until(s["name"].encode(), 0.3))
        finally:
            for st in streams + [quiet, other_server]:
                st.close()

    def test_stream_needs_token_and_valid_filters(self):
        srv = self.c.server
        st, _, _ = srv.request("GET", "/api/activity/stream")
        self.assertEqual(st, 401)
        st, _, _ = self.c.get("/api/activity/stream?level=loud", raw=True)
        self.assertEqual(st, 400)

    def test_execution_logs(self):
        s = apiclient.make_server(self.c, "exec")
        t = apiclient.make_tool(self.c, s["id"])
        harness.SHARED["pg"].psql(
            "INSERT INTO tool_execution_logs (tool_id, server_id, tool_name, "
            "success, duration_ms, error) VALUES ('%s', '%s', '%s', true, 5, "
            "NULL), ('%s', '%s', '%s', false, 7, 'bad')" %
            ((t["id"], s["id"], t["name"]) * 2))
        st, _, logs = self.c.get(f"/api/execution-logs?tool_id={t['id']}")
        self.assertEqual((st, logs["total"]), (200, 2))
        st, _, logs = self.c.get(f"/api/execution-logs?server_id={s['id']}"
                                 "&success=false")
        self.assertEqual((logs["total"], logs["items"][0]["error"]),
                         (1, "bad"))
        st, _, logs = self.c.get(f"/api/servers/{s['id']}/execution-logs"
                                 "?success=true")
        self.assertEqual((st, logs["total"]), (200, 1))
        st, _, logs = self.c.get(f"/api/tools/{t['id']}/logs")
        self.assertEqual(logs["total"], 2)
        st, _, _ = self.c.get(f"/api/servers/{uuid.uuid4()}/execution-logs")
        self.assertEqual(st, 404)
        st, _, _ = self.c.get("/api/execution-logs?success=maybe")
        self.assertEqual(st, 400)
        st, _, _ = self.c.get("/api/execution-logs?tool_id=zz")
        self.assertEqual(st, 400)

    def test_auth_required(self):
        for p in ("/api/activity/logs", "/api/execution-logs",
                  f"/api/servers/{uuid.uuid4()}/execution-logs"):
            apiclient.assert_auth_required(self, "GET", p)


if __name__ == "__main__":
    unittest.main()
