"""Event streams whose clients leave at the worst moment: right before a
NOTIFY is pushed to them and right before their keep-alive. Kore detaches
a request from its connection one loop iteration before it frees it; a
write in between used to crash the worker (SIGSEGV in net_send_queue) for
every stream kind: /mcp GET, /sse and the activity feed. Then the stream
gauge after workers are killed with streams open: their slots used to
stay taken until a restart, and every stream route answered 503."""
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

import apiclient
import harness
import opshelp
from test_mcp import Probe


class StreamChurnTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="churn")
        cls.addClassCleanup(cls.srv.stop)
        cls.srv.start()
        cls.admin = apiclient.Client(cls.srv).setup()
        cls.sid = opshelp.Mcp(cls.srv).open().sid
        cls.tool, _ = opshelp.approved_tool(
            cls.admin, "def main(x: int) -> int:\n    return x * 2\n", "churn")
        # One psql that stays connected: a NOTIFY goes out within a
        # millisecond of the client's close, inside Kore's window.
        bindir = sorted(os.listdir("/usr/lib/postgresql"))[-1]
        cmd = [f"/usr/lib/postgresql/{bindir}/bin/psql", "-X", "-q", url]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        cls.psql = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, text=True)
        cls.addClassCleanup(cls.psql.kill)

    def notify(self):
        self.psql.stdin.write("NOTIFY mcpbox_tools_changed, 'churn'; "
                              "SELECT audit('test', 'churn', 'churn', NULL, NULL);\n")
        self.psql.stdin.flush()

    def stream(self, kind, source="127.0.0.1", expect=200):
        """A raw stream connection, its response head read."""
        paths = {
            "mcp": ("/mcp", {"Accept": "text/event-stream",
                             "Mcp-Session-Id": self.sid,
                             "MCP-Protocol-Version": "2025-06-18"}),
            "sse": ("/sse", {"Accept": "text/event-stream"}),
            "activity": ("/api/activity/stream", {
                "Accept": "text/event-stream",
                "Authorization": "Bearer " + self.admin.access}),
        }
        path, hdrs = paths[kind]
        s = socket.create_connection(("127.0.0.1", self.srv.port), 15,
                                     source_address=(source, 0))
        head = f"GET {path} HTTP/1.1\r\nHost: localhost:{self.srv.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        s.sendall(head.encode())
        got = s.recv(4096)
        if expect is None:
            return s, got
        self.assertTrue(got.startswith(b"HTTP/1.1 %d" % expect), (kind, got[:200]))
        return s

    @staticmethod
    def slam(s):
        """Close with a reset: the server learns at once, mid-stream."""
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    def crashes(self):
        return [l for l in self.srv.log_lines()
                if b"worker crashed" in l or b"exited with status" in l]

    def gauge(self):
        st, _, text = self.srv.request("GET", "/metrics")
        for line in text.decode().splitlines():
            if line.startswith("mcpbox_sse_streams_open "):
                return int(line.split()[1])
        raise AssertionError("no stream gauge")

    def test_1_close_then_notify(self):
        # Under a tools/call load, and with the server stopped and started
        # in a loop (each a tools_changed NOTIFY to every stream).
        stop = threading.Event()
        bad = []

        def calls():
            m = opshelp.Mcp(self.srv).open()
            x = 0
            while not stop.is_set():
                x += 1
                try:
                    m.call(self.tool, {"x": x})
                except Exception as e:  # a dropped connection, a 5xx
                    bad.append(repr(e))

        def flip():
            st, _, srv = self.admin.get("/api/servers")
            sid = [s["id"] for s in srv["items"] if self.tool.startswith(s["name"] + "__")][0]
            while not stop.is_set():
                for action in ("stop", "start"):
                    self.admin.post(f"/api/servers/{sid}/{action}")
                time.sleep(0.05)
        load = [threading.Thread(target=calls) for _ in range(2)]
        load.append(threading.Thread(target=flip))
        for t in load:
            t.start()
        # Official SDK clients watching for 0.1 to 10 s, on both
        # transports; every other one killed mid-stream.
        watchers = []
        for i, secs in enumerate((0.1, 0.5, 1, 2, 3, 5, 8, 10)):
            path, tr = (("/mcp", "streamable"), ("/sse", "sse"))[i % 2]
            cmd = Probe(f"http://localhost:{self.srv.port}{path}", tr).base
            watchers.append(subprocess.Popen(
                cmd + ["watch", str(secs)], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        self.addCleanup(lambda: [w.kill() for w in watchers])
        try:
            for i in range(40):
                streams = [self.stream(k) for k in ("mcp", "sse", "activity")]
                for s in streams:
                    self.slam(s)
                self.notify()
                time.sleep(0.002 * (i % 10))
                if i == 10:
                    for w in watchers[1::2]:
                        w.kill()
        finally:
            stop.set()
            for t in load:
                t.join(30)
            for w in watchers:
                try:
                    w.wait(30)
                except subprocess.TimeoutExpired:
                    w.kill()
        self.assertEqual(bad, [])
        time.sleep(1)
        self.assertEqual(self.crashes(), [])
        self.assertTrue(opshelp.wait_until(lambda: self.gauge() == 0), self.gauge())

    def test_2_close_before_keepalive(self):
        # The keep-alive fires 15 s after a stream opens.
        streams = [self.stream(k) for k in ("mcp", "sse", "activity") for _ in range(3)]
        time.sleep(14.9)
        for s in streams:
            self.slam(s)
        time.sleep(1.5)
        self.assertEqual(self.crashes(), [])
        self.assertTrue(opshelp.wait_until(lambda: self.gauge() == 0), self.gauge())

    def test_4_one_client_cannot_take_every_slot(self):
        """One client (a stalled one, say) used to be able to hold all of
        the instance's stream slots and lock everyone else out."""
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        refused = None
        for _ in range(60):
            s, got = self.stream("sse", expect=None)
            held.append(s)
            if not got.startswith(b"HTTP/1.1 200"):
                refused = got
                break
        self.assertIsNotNone(refused, "one client took 60 streams")
        self.assertTrue(refused.startswith(b"HTTP/1.1 503"), refused[:100])
        self.assertIn(b"its share", refused)
        self.assertIn(b'"jsonrpc"', refused)  # MCP clients read JSON-RPC
        # Another client still gets one.
        self.slam(self.stream("sse", source="127.0.0.2"))

    def test_5_a_burst_of_notifications_arrives_whole(self):
        """One transaction's worth of activity (NOTIFYs in a burst) stayed
        mostly unread: the LISTEN socket is edge-triggered and one
        PQconsumeInput reads one buffer. 21 of 3,000 entries reached the
        feed before the fix."""
        s = self.stream("activity")
        self.addCleanup(s.close)
        self.pg.psql("SELECT audit('test', 'burst', 'burst entry ' || g, NULL, "
                     "NULL) FROM generate_series(1, 2000) g")
        s.settimeout(3)
        data = b""
        try:
            while data.count(b"burst entry ") < 2000:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        self.assertEqual(data.count(b"burst entry "), 2000)

    def test_6_a_client_that_stops_reading_loses_its_stream(self):
        """A stalled client kept its slot for as long as it liked: output
        queued for it now cuts the stream at the second keep-alive."""
        self.assertTrue(opshelp.wait_until(lambda: self.gauge() == 0))
        crashed = len(self.crashes())  # test_3 kills workers on purpose
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", self.srv.port))
        self.addCleanup(s.close)
        s.sendall((f"GET /api/activity/stream HTTP/1.1\r\nHost: localhost:"
                   f"{self.srv.port}\r\nAccept: text/event-stream\r\n"
                   f"Authorization: Bearer {self.admin.access}\r\n\r\n").encode())
        self.assertTrue(s.recv(300).startswith(b"HTTP/1.1 200"))
        self.assertEqual(self.gauge(), 1)
        # Several MB of entries this client never reads.
        self.pg.psql("SELECT audit('test', 'flood', repeat('x', 480), NULL, "
                     "NULL) FROM generate_series(1, 12000)")
        self.assertTrue(opshelp.wait_until(lambda: self.gauge() == 0,
                                           timeout=50), self.gauge())
        self.assertEqual(len(self.crashes()), crashed)

    def test_3_killed_workers_give_their_slots_back(self):
        held = [self.stream("activity") for _ in range(6)]
        self.addCleanup(lambda: [s.close() for s in held])
        self.assertEqual(self.gauge(), 6)
        for pid in opshelp.worker_pids(self.srv):
            os.kill(pid, signal.SIGKILL)
        # The restarted workers hold nothing: the gauge says so, and new
        # streams are served.
        self.assertTrue(opshelp.wait_until(lambda: self.gauge() == 0, timeout=20),
                        self.gauge())
        self.slam(self.stream("activity"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class LargeBodiesTest(unittest.TestCase):
    """Kore allocates a body's whole Content-Length before any handler or
    authentication: 60 connections announcing 8 MB took a worker from 19
    MB to 488 MB. Bodies over 1 MiB now spool to a file."""

    def test_60_connections_with_8_mb_bodies(self):
        srv = harness.SHARED["server"]
        workers = opshelp.worker_pids(srv)
        self.assertTrue(workers)
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        chunk = b"x" * (1 << 20)
        for _ in range(60):
            s = socket.create_connection(("127.0.0.1", srv.port), 10)
            s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 8388607\r\n\r\n")
            for _ in range(4):
                s.sendall(chunk)
            socks.append(s)
        time.sleep(1)
        peak = max(rss_kb(p) for p in workers)
        print(f"\n  60 bodies of 8 MB announced, 4 MB sent each: worker RSS "
              f"{peak // 1024} MB")
        self.assertLess(peak, 100 * 1024, peak)
        for s in socks:
            s.close()
        # The server still serves, and a body over 1 MiB is refused.
        st, _, body = srv.json("POST", "/api/auth/login",
                               {"username": "a" * (1100 * 1024), "password": "x"})
        self.assertEqual((st, body["error"]["code"]), (413, "payload_too_large"), body)
        self.assertEqual(srv.request("GET", "/health")[0], 200)
