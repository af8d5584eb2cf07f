#!/usr/bin/env python3
"""Soak: PostgreSQL + the server with 2 workers under a modest mixed load
for --minutes N (default 10), to show that nothing grows.

The load, from several threads (about 100-150 requests/s in all, well
below what 2 cores can serve, so the client does not starve the server):

  * tools/call of an approved Python tool that reads a secret, through
    /mcp over a few persistent MCP sessions;
  * new sessions opened (initialize, initialized, tools/list) and
    abandoned, never deleted;
  * tools/list on a persistent session;
  * REST reads: GET /api/servers and GET /api/dashboard;
  * activity-feed streams (GET /api/activity/stream, admin bearer) and
    GET /mcp streams, a few open at a time, read for 0.2-20 s (some across
    the 15 s keep-alive) and then closed mid-stream, mostly with a reset.

Every 30 s it prints a table: RSS (VmRSS) and open fds of each process of
the server's group (parent, log relay, alerter, workers, keeper, sandbox
supervisor, zygote, the zygote's children summed), the rows and total size
(pg_total_relation_size) of mcp_sessions, activity_logs,
tool_execution_logs and mcp_outbox, and the errors so far by kind.

At the end, a summary: each worker's RSS at the end of the warm-up (2 min;
half the run when N < 4), at the start, middle and end of the last
5 minutes (the last half when N < 10) and the growth over that window;
requests and errors; table growth per 1,000 tool calls; worker crashes
counted in the server's log ("worker crashed", "exited with status").
Exit status 1 when any request failed or a worker crashed.

    python3 bench/soak.py [--minutes N] [--interval S]
"""
import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import apiclient  # noqa: E402
import harness  # noqa: E402
import opshelp  # noqa: E402

from soak_report import (  # noqa: E402
    processes, tables, print_sample, summary)
SECRET_KEY = "SOAK_TOKEN"
TOOL_CODE = ("def main(x: int) -> int:\n"
             f"    return x + len(secrets['{SECRET_KEY}'])\n")
RENEW_EVERY = 5 * 60        # access tokens live 15 minutes


class Stats:
    """Requests and errors by kind, shared by the load threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.errors = {}
        self.samples = {}   # kind -> first message seen

    def ok(self, kind, n=1):
        with self.lock:
            self.requests[kind] = self.requests.get(kind, 0) + n

    def fail(self, kind, why, detail=""):
        key = f"{kind}: {why}"
        with self.lock:
            self.requests[kind] = self.requests.get(kind, 0) + 1
            self.errors[key] = self.errors.get(key, 0) + 1
            if key not in self.samples:
                self.samples[key] = (f"{time.strftime('%H:%M:%S')} "
                                     f"{detail}")[:300]

    def snapshot(self):
        with self.lock:
            return dict(self.requests), dict(self.errors), dict(self.samples)


class Admin:
    """The admin's bearer token, renewed before it expires with the refresh
    token: a login would run argon2 (64 MiB for half a second) inside a
    worker, which a sample could catch half-way and take for growth."""

    def __init__(self, server, stats):
        self.client = apiclient.Client(server).setup()
        self.stats = stats
        self.lock = threading.Lock()
        self.at = time.time()

    def token(self):
        with self.lock:
            if time.time() - self.at > RENEW_EVERY:
                self.at = time.time()
                st, _, body = self.client.server.json(
                    "POST", "/api/auth/refresh",
                    {"refresh_token": self.client.refresh})
                if st == 200:
                    self.client.take(body)
                    self.stats.ok("token refresh")
                else:
                    self.stats.fail("token refresh", f"HTTP {st}", str(body))
                    self.client.login()
            return self.client.access


def paced(stop, rate, fn):
    """Call fn() about `rate` times a second until stop is set; a late
    call does not make the next ones burst."""
    period = 1.0 / rate
    nxt = time.monotonic()
    while not stop.is_set():
        fn()
        nxt += period
        delay = nxt - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        elif delay < -1:
            nxt = time.monotonic()


def rpc_check(stats, kind, st, data, want=None):
    """Count one /mcp POST: HTTP status, JSON-RPC error, tool error, and
    (want) the text of the first content item."""
    if st != 200:
        stats.fail(kind, f"HTTP {st}", data[:200])
        return None
    try:
        msg = json.loads(data)
    except ValueError:
        stats.fail(kind, "not JSON", data[:200])
        return None
    if "error" in msg:
        stats.fail(kind, f"rpc error {msg['error'].get('code')}",
                   json.dumps(msg["error"])[:200])
        return None
    res = msg.get("result")
    if not isinstance(res, dict):
        stats.fail(kind, "no result", data[:200])
        return None
    if res.get("isError"):
        stats.fail(kind, "tool isError", json.dumps(res)[:200])
        return None
    if want is not None:
        try:
            text = res["content"][0]["text"]
        except (KeyError, IndexError, TypeError):
            text = None
        if text != want:
            stats.fail(kind, "wrong result", json.dumps(res)[:200])
            return None
    stats.ok(kind)
    return res


def guarded(stats, kind, fn):
    try:
        fn()
    except Exception as e:  # a failed request is counted, never fatal
        stats.fail(kind, type(e).__name__, repr(e))


class Load:
    def __init__(self, server, admin, tool, want, stop, stats):
        self.server = server
        self.admin = admin
        self.tool = tool
        self.want = want
        self.stop = stop
        self.stats = stats
        self.threads = []

    # -- the load's parts ---------------------------------------------------

    def caller(self, rate):
        mcp = opshelp.Mcp(self.server).open()
        n = [0]

        def one():
            n[0] += 1
            mcp.next_id += 1
            st, _, data = mcp.post({"jsonrpc": "2.0", "id": mcp.next_id,
                                    "method": "tools/call",
                                    "params": {"name": self.tool,
                                               "arguments": {"x": 41}}})
            rpc_check(self.stats, "tools/call", st, data, self.want)
        paced(self.stop, rate,
              lambda: guarded(self.stats, "tools/call", one))

    def lister(self, rate):
        mcp = opshelp.Mcp(self.server).open()

        def one():
            mcp.next_id += 1
            st, _, data = mcp.post({"jsonrpc": "2.0", "id": mcp.next_id,
                                    "method": "tools/list"})
            res = rpc_check(self.stats, "tools/list", st, data)
            if res is not None and not any(
                    t.get("name") == self.tool for t in res.get("tools", [])):
                self.stats.fail("tools/list", "tool missing", data[:200])
        paced(self.stop, rate,
              lambda: guarded(self.stats, "tools/list", one))

    def abandoner(self, rate):
        def one():
            mcp = opshelp.Mcp(self.server)
            st, h, data = mcp.post({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "soak-abandoned",
                                          "version": "1"}}})
            if st != 200 or "mcp-session-id" not in h:
                self.stats.fail("session open", f"HTTP {st}", data[:200])
                return
            mcp.sid = h["mcp-session-id"]
            st, _, data = mcp.post({"jsonrpc": "2.0",
                                    "method": "notifications/initialized"})
            if st not in (200, 202):
                self.stats.fail("session open", f"initialized HTTP {st}",
                                data[:200])
                return
            st, _, data = mcp.post({"jsonrpc": "2.0", "id": 1,
                                    "method": "tools/list"})
            if rpc_check(self.stats, "session open", st, data) is not None:
                self.stats.ok("session open", 2)   # initialize, initialized
        paced(self.stop, rate,
              lambda: guarded(self.stats, "session open", one))

    def rest(self, rate):
        paths = ("/api/servers", "/api/dashboard")
        i = [0]

        def one():
            path = paths[i[0] % len(paths)]
            i[0] += 1
            kind = "GET " + path
            try:
                st, _, data = self.server.request(
                    "GET", path, None,
                    {"Authorization": "Bearer " + self.admin.token()})
            except Exception as e:
                self.stats.fail(kind, type(e).__name__, repr(e))
                return
            if st != 200:
                self.stats.fail(kind, f"HTTP {st}", data[:200])
                return
            try:
                json.loads(data)
            except ValueError:
                self.stats.fail(kind, "not JSON", data[:200])
                return
            self.stats.ok(kind)
        paced(self.stop, rate, one)

    def open_stream(self, kind, sid):
        if kind == "activity stream":
            path = "/api/activity/stream"
            hdrs = {"Accept": "text/event-stream",
                    "Authorization": "Bearer " + self.admin.token()}
        else:
            path = "/mcp"
            hdrs = {"Accept": "text/event-stream", "Mcp-Session-Id": sid,
                    "MCP-Protocol-Version": "2025-06-18"}
        s = socket.create_connection(("127.0.0.1", self.server.port), 10)
        try:
            head = (f"GET {path} HTTP/1.1\r\n"
                    f"Host: localhost:{self.server.port}\r\n")
            head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
            s.sendall(head.encode())
            got = b""
            while b"\r\n\r\n" not in got and len(got) < 8192:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except BaseException:
            s.close()
            raise
        if not got.startswith(b"HTTP/1.1 200"):
            s.close()
            self.stats.fail(kind, "bad head", got[:200])
            return None
        s.setblocking(False)
        return s

    def streams(self, kind, hold, rate):
        """Keep up to `hold` streams of one kind open, open about `rate`
        a second, each for a random 0.2-20 s, reading whatever comes, then
        close it: mostly with a reset (SO_LINGER 0), sometimes a FIN."""
        sid = None
        if kind == "mcp stream":
            sid = opshelp.Mcp(self.server).open().sid
        live = []       # (socket, close at)
        period = 1.0 / rate
        nxt = time.monotonic()
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= nxt and len(live) < hold:
                    nxt = now + period
                    try:
                        s = self.open_stream(kind, sid)
                    except Exception as e:
                        self.stats.fail(kind, type(e).__name__, repr(e))
                        s = None
                    if s is not None:
                        self.stats.ok(kind)
                        life = random.choice((0.2, 0.5, 1, 2, 5, 14.9, 20))
                        live.append((s, now + life * random.uniform(0.9, 1.1)))
                socks = [s for s, _ in live]
                if socks:
                    ready, _, _ = select.select(socks, [], [], 0.1)
                else:
                    self.stop.wait(0.1)
                    ready = []
                for s in ready:
                    try:
                        if s.recv(65536) == b"":
                            self.stats.fail(kind, "closed by server")
                            self.close(s, live, reset=False)
                    except BlockingIOError:
                        pass
                    except OSError as e:
                        self.stats.fail(kind, type(e).__name__, repr(e))
                        self.close(s, live, reset=False)
                now = time.monotonic()
                for s, at in list(live):
                    if now >= at:
                        self.close(s, live, reset=random.random() < 0.8)
        finally:
            for s, _ in list(live):
                self.close(s, live, reset=True)

    @staticmethod
    def close(s, live, reset):
        live[:] = [(x, at) for x, at in live if x is not s]
        try:
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass

    # -- running ------------------------------------------------------------

    def start(self):
        parts = [(self.caller, (20,))] * 4 + [
            (self.lister, (10,)),
            (self.abandoner, (2,)),
            (self.rest, (10,)),
            (self.streams, ("activity stream", 3, 1.0)),
            (self.streams, ("mcp stream", 3, 1.0)),
        ]
        for fn, args in parts:
            t = threading.Thread(target=self.run_part, args=(fn, args),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def run_part(self, fn, args):
        name = fn.__name__ + (f" {args[0]}" if isinstance(args[0], str) else "")
        while not self.stop.is_set():
            try:
                fn(*args)
                return
            except Exception as e:  # e.g. a session that could not open
                self.stats.fail("load thread " + name, type(e).__name__,
                                traceback.format_exc(limit=2))
                self.stop.wait(1)

    def join(self):
        for t in self.threads:
            t.join(timeout=30)


# -- measuring ----------------------------------------------------------------

def on_term(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--interval", type=int, default=30,
                    help="seconds between tables (default 30)")
    args = ap.parse_args()
    # Also when started in the background, where SIGINT comes ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_term)
    stop = threading.Event()
    stats = Stats()
    pg = harness.Postgres()
    server = load = None
    rc = 1
    try:
        server = harness.Server(pg.start(), workers=2, name="soak").start()
        admin = Admin(server, stats)
        tool, tool_row = opshelp.approved_tool(admin.client, TOOL_CODE, "soak")
        token = "soak-" + os.urandom(8).hex()
        st, _, b = admin.client.post(
            f"/api/servers/{tool_row['server_id']}/secrets",
            {"key": SECRET_KEY, "value": token})
        if st != 201:
            raise RuntimeError(f"secret: {st} {b}")
        want = str(41 + len(token))
        res = opshelp.Mcp(server).open().call(tool, {"x": 41})
        if res.get("isError") or res["content"][0]["text"] != want:
            raise RuntimeError(f"tool call check failed: {res}")
        print(f"soak: server on port {server.port} (log {server.log_path}), "
              f"tool {tool}, {args.minutes:g} min, table every "
              f"{args.interval} s", flush=True)

        load = Load(server, admin, tool, want, stop, stats)
        load_start_tabs = tables(pg)
        t0 = time.monotonic()
        load.start()
        samples = []
        duration = args.minutes * 60
        nxt = 0.0
        while True:
            t = time.monotonic() - t0
            if t + 0.05 >= nxt:
                procs = processes(server)
                tabs = tables(pg)
                samples.append({
                    "t": t, "tables": tabs,
                    "calls": stats.snapshot()[0].get("tools/call", 0),
                    "rss": {r: rss for r, _, rss, _ in procs},
                    "fds": {r: fds for r, _, _, fds in procs},
                    "pids": {r: pid for r, pid, _, _ in procs}})
                print_sample(t, procs, tabs, stats)
                if t + 0.05 >= duration:
                    break
                nxt = min(nxt + args.interval, duration)
            if server.proc.poll() is not None:
                stats.fail("server", "exited",
                           f"status {server.proc.returncode}")
                break
            time.sleep(min(0.5, max(nxt - t, 0.01)))
        stop.set()
        load.join()
        time.sleep(3)   # the server's log and detached writes catch up
        settled = tables(pg)
        nerr, ncrash = summary(args, samples, stats, server, load_start_tabs,
                               settled)
        rc = 1 if nerr or ncrash else 0
        print(f"soak: {'PASS' if rc == 0 else 'FAIL'}", flush=True)
    except KeyboardInterrupt:
        print("\nsoak: interrupted", flush=True)
        rc = 130
    finally:
        stop.set()
        if load:
            load.join()
        if server:
            server.stop()
        pg.destroy()
    return rc


if __name__ == "__main__":
    sys.exit(main())
