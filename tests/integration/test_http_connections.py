"""Connections as the workers see them. A burst of keep-alive connections
is spread over the workers (Kore's accept lock used to give nearly all of
them to one worker while the other idled), a worker whose connections
went away takes new ones again, and `Expect: 100-continue` is answered
with 100 Continue before the body, on every request of a connection
(clients used to wait a second for it, then send the body anyway). A
legacy SSE answer too large for a NOTIFY, posted through another worker
than the one holding the stream, still reaches the stream (by reference,
through the outbox, the background query path of db/detached.c)."""
import json
import socket
import unittest

import apiclient
import harness
import opshelp

BURST = 16


def tcp_inodes(port):
    """{client port: socket inode} of the server's side of connections
    accepted on `port` (loopback IPv4)."""
    out = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, state, inode = (fields[1], fields[2], fields[3],
                                           fields[9])
            if state != "01":     # ESTABLISHED
                continue
            if int(local.split(":")[1], 16) != port:
                continue
            out[int(remote.split(":")[1], 16)] = inode
    return out


def owners(server, socks):
    """Which worker holds the server's end of each client socket."""
    by_inode = {}
    for pid in opshelp.worker_pids(server):
        for inode in opshelp.socket_inodes(pid):
            by_inode[inode] = pid
    inodes = tcp_inodes(server.port)
    return [by_inode.get(inodes.get(s.getsockname()[1])) for s in socks]


def health(sock):
    """One keep-alive request on an open connection."""
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    return read_response(sock)


def read_response(sock):
    """(status, headers, body) of one response; 1xx heads are returned as
    they are, with an empty body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before a response head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in
               (ln.split(":", 1) for ln in lines[1:])}
    if status < 200:
        return status, headers, rest
    n = int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = sock.recv(4096)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:n]


class ConnectionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="connections")
        cls.addClassCleanup(cls.srv.stop)
        cls.srv.start()

    def burst(self, n):
        """n connections opened at once, then one request on each (so
        every one has been accepted and answered)."""
        socks = [socket.create_connection(("127.0.0.1", self.srv.port),
                                          timeout=10) for _ in range(n)]
        for s in socks:
            self.addCleanup(s.close)
        for s in socks:
            self.assertEqual(health(s)[0], 200)
        return socks

    def spread(self, socks):
        got = owners(self.srv, socks)
        self.assertNotIn(None, got)
        workers = opshelp.worker_pids(self.srv)
        self.assertEqual(len(workers), 2)
        return {w: got.count(w) for w in workers}

    def test_1_a_burst_is_spread(self):
        socks = self.burst(BURST)
        counts = self.spread(socks)
        print(f"\n  {BURST} connections over the workers: "
              f"{sorted(counts.values())}")
        # Before: [0, 16] or [1, 15] nearly every time.
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 2,
                             counts)
        for s in socks:
            s.close()

    def test_2_a_worker_that_lost_its_connections_takes_new_ones(self):
        socks = self.burst(BURST)
        got = owners(self.srv, socks)
        emptied = got[0]
        keep = [s for s, w in zip(socks, got) if w != emptied]
        self.assertTrue(keep, "all on one worker")
        for s, w in zip(socks, got):
            if w == emptied:
                s.close()
        self.assertTrue(opshelp.wait_until(
            lambda: emptied not in owners(self.srv, keep) and
            self.spread(keep).get(emptied, 0) == 0))
        new = self.burst(len(keep))
        counts = self.spread(keep + new)
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 2,
                             counts)
        for s in keep + new:
            s.close()

    def post_expecting(self, sock, body, path="/mcp"):
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: localhost:"
                      f"{self.srv.port}\r\nContent-Type: application/json\r\n"
                      "Accept: application/json, text/event-stream\r\n"
                      f"Content-Length: {len(body)}\r\n"
                      "Expect: 100-continue\r\n\r\n").encode())

    def test_3_expect_100_continue(self):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}
                          ).encode()
        sock = socket.create_connection(("127.0.0.1", self.srv.port),
                                        timeout=5)
        self.addCleanup(sock.close)
        for _ in range(3):      # every request of a keep-alive connection
            self.post_expecting(sock, body)
            # Nothing of the body is sent before the interim answer: the
            # recv times out (socket.timeout) if the server waits for it.
            st, _, rest = read_response(sock)
            self.assertEqual(st, 100)
            self.assertEqual(rest, b"")
            sock.sendall(body)
            st, _, got = read_response(sock)
            self.assertIn(st, (200, 400), got)
            self.assertIn(b"jsonrpc", got)

    def test_4_expect_with_a_body_too_large_is_refused_at_once(self):
        sock = socket.create_connection(("127.0.0.1", self.srv.port),
                                        timeout=5)
        self.addCleanup(sock.close)
        self.post_expecting(sock, b"x" * (9 * 1024 * 1024))
        st, _, _ = read_response(sock)
        self.assertEqual(st, 413)

    def test_5_no_expect_no_interim(self):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}
                          ).encode()
        sock = socket.create_connection(("127.0.0.1", self.srv.port),
                                        timeout=5)
        self.addCleanup(sock.close)
        sock.sendall((f"POST /mcp HTTP/1.1\r\nHost: localhost:"
                      f"{self.srv.port}\r\nContent-Type: application/json\r\n"
                      "Accept: application/json, text/event-stream\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        st, _, got = read_response(sock)
        self.assertNotEqual(st, 100)
        self.assertIn(b"jsonrpc", got)

    def test_6_large_legacy_answer_from_another_worker(self):
        admin = apiclient.Client(self.srv).setup()
        tool, _ = opshelp.approved_tool(
            admin, "def main() -> str:\n    return 'x' * 20000\n", "big")
        stream = socket.create_connection(("127.0.0.1", self.srv.port),
                                          timeout=10)
        self.addCleanup(stream.close)
        stream.sendall(f"GET /sse HTTP/1.1\r\nHost: localhost:"
                       f"{self.srv.port}\r\nAccept: text/event-stream"
                       "\r\n\r\n".encode())
        got = b""
        while b"session_id=" not in got:
            got += stream.recv(4096)
        sid = got.split(b"session_id=")[1].split(b"\n")[0].strip().decode()
        # POSTs on new connections until one lands on the other worker.
        holder = owners(self.srv, [stream])[0]
        posts, other = [], None
        for i in range(8):
            c = socket.create_connection(("127.0.0.1", self.srv.port),
                                         timeout=10)
            self.addCleanup(c.close)
            posts.append(c)
            if owners(self.srv, [c])[0] != holder:
                other = c
                break
        self.assertIsNotNone(other, "no connection reached the other worker")
        msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"protocolVersion": "2024-11-05",
                            "capabilities": {},
                            "clientInfo": {"name": "t", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": tool, "arguments": {}}}]
        for m in msgs:
            body = json.dumps(m).encode()
            other.sendall((f"POST /messages?session_id={sid} HTTP/1.1\r\n"
                           f"Host: localhost:{self.srv.port}\r\n"
                           "Content-Type: application/json\r\n"
                           f"Content-Length: {len(body)}\r\n\r\n"
                           ).encode() + body)
            st, _, _ = read_response(other)
            self.assertEqual(st, 202)
        # The answer (over 20 kB: by reference) arrives on the stream.
        stream.settimeout(20)
        while b"x" * 20000 not in got.replace(b"\r\n", b""):
            chunk = stream.recv(65536)
            self.assertTrue(chunk, "the stream closed")
            got += chunk
        self.assertIn(b'"id":2', got)


if __name__ == "__main__":
    unittest.main()
