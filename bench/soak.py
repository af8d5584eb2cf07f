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

TABLES = ("mcp_sessions", "activity_logs", "tool_execution_logs", "mcp_outbox")
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

def read_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def processes(server):
    """[(role, pid or count, rss kB, fds)] of the server's process group,
    each process named by its place in the tree and its cmdline; the
    zygote's children (spares and running calls) summed in one row."""
    app = os.path.realpath(harness.APP)
    sbx = os.path.realpath(harness.SANDBOX)
    # A rebuild while the soak runs leaves the running binaries "(deleted)".
    procs = {pid: (ppid, os.path.realpath(exe[:-len(" (deleted)")]
                   if exe.endswith(" (deleted)") else exe))
             for pid, (ppid, exe) in opshelp.group_processes(server).items()}
    parent = server.proc.pid
    roles = {}
    for pid, (ppid, exe) in procs.items():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").strip().decode(
                    errors="replace")
        except OSError:
            continue
        if pid == parent:
            roles[pid] = "parent"
        elif exe == app and ppid == parent and "[wrk" in cmd:
            roles[pid] = "worker " + cmd.split("[wrk", 1)[1].strip(" ]")
        elif exe == sbx and ppid in procs and procs[ppid][1] != sbx:
            roles[pid] = "sandbox supervisor"
            roles.setdefault(ppid, "keeper")
    for pid, (ppid, exe) in procs.items():
        if pid in roles:
            continue
        if exe == sbx and roles.get(ppid) == "sandbox supervisor":
            roles[pid] = "zygote"
    for pid, (ppid, exe) in procs.items():
        if pid in roles:
            continue
        if exe == sbx and roles.get(ppid) == "zygote":
            roles[pid] = "zygote children"
        elif exe == app and ppid == parent:
            try:
                out = os.readlink(f"/proc/{pid}/fd/1")
            except OSError:
                out = ""
            roles[pid] = "log relay" if out == os.path.realpath(
                server.log_path) else "alerter"
        else:
            roles[pid] = "other " + os.path.basename(exe)
    rows = {}
    order = []
    for pid in sorted(roles):
        role = roles[pid]
        try:
            rss, fds = read_kb(pid, "VmRSS"), fd_count(pid)
        except OSError:
            continue    # gone since the listing
        if rss == 0 and fds == 0:
            continue    # exiting: its memory is already gone
        if role == "zygote children":
            if role in rows:
                r = rows[role]
                rows[role] = (role, r[1] + 1, r[2] + rss, r[3] + fds)
                continue
            rows[role] = (role, 1, rss, fds)
        else:
            if role in rows:    # a second one: name them apart
                role = f"{role} ({pid})"
            rows[role] = (role, pid, rss, fds)
        order.append(role)
    rank = ("parent", "log relay", "alerter", "worker", "keeper",
            "sandbox supervisor", "zygote", "zygote children", "other")

    def key(role):
        for i, r in enumerate(rank):
            if role.startswith(r):
                return (i, role)
        return (len(rank), role)
    return [rows[r] for r in sorted(order, key=key)]


def tables(pg):
    sql = " UNION ALL ".join(
        f"SELECT '{t}', (SELECT count(*) FROM {t}), "
        f"pg_total_relation_size('{t}')" for t in TABLES)
    out = {}
    for line in pg.psql(sql).splitlines():
        name, rows, size = line.split("|")
        out[name] = (int(rows), int(size))
    return out


def crashes(server):
    return [l.decode(errors="replace") for l in server.log_lines()
            if b"worker crashed" in l or b"exited with status" in l]


def mb(kb):
    return f"{kb / 1024:.1f}"


def print_sample(t, procs, tabs, stats):
    reqs, errs, _ = stats.snapshot()
    total = sum(reqs.values())
    print(f"\n=== t={t / 60:5.1f} min  requests={total}  "
          f"tools/call={reqs.get('tools/call', 0)}  "
          f"errors={sum(errs.values())}", flush=False)
    print(f"  {'process':<22}{'pid':>8}{'RSS MB':>9}{'RSS kB':>10}{'fds':>6}")
    for role, pid, rss, fds in procs:
        label = f"{pid}x" if role == "zygote children" else pid
        print(f"  {role:<22}{label:>8}{mb(rss):>9}{rss:>10}{fds:>6}")
    print(f"  {'table':<22}{'rows':>10}{'size kB':>10}")
    for name in TABLES:
        rows, size = tabs.get(name, (0, 0))
        print(f"  {name:<22}{rows:>10}{size // 1024:>10}")
    if errs:
        print("  errors by kind:")
        for k in sorted(errs):
            print(f"    {errs[k]:>6}  {k}")
    else:
        print("  errors by kind: none")
    sys.stdout.flush()


def nearest(samples, t):
    return min(samples, key=lambda s: abs(s["t"] - t))


def summary(args, samples, stats, server, load_start_tabs, settled):
    minutes = args.minutes
    end_t = samples[-1]["t"]
    warm_t = 2 * 60 if minutes >= 4 else minutes * 30
    window = 5 * 60 if minutes >= 10 else minutes * 30
    win_start_t = end_t - window
    win_mid_t = end_t - window / 2
    reqs, errs, samp = stats.snapshot()
    crash_lines = crashes(server)

    print("\n=== summary")
    print(f"  duration: {end_t / 60:.1f} min of load; samples every "
          f"{args.interval} s")
    points = [("warm-up end", warm_t), ("window start", win_start_t),
              ("window mid", win_mid_t), ("end", end_t)]
    picked = [(name, nearest(samples, t)) for name, t in points]
    print("  worker RSS (MB) at " + ", ".join(
        f"{name} t={s['t'] / 60:.1f}" for name, s in picked))
    workers = sorted({r for s in samples for r in s["rss"]
                      if r.startswith("worker")})
    flat = True
    for w in workers:
        vals = [s["rss"].get(w) for _, s in picked]
        growth = None
        if vals[1] is not None and vals[3] is not None:
            growth = vals[3] - vals[1]
            flat = flat and growth < 1024
        pids = sorted({s["pids"].get(w) for s in samples
                       if s["pids"].get(w)})
        print(f"    {w:<10} " + "  ".join(
            f"{mb(v) if v is not None else '-':>7}" for v in vals) +
            (f"   growth over the last {window / 60:g} min: "
             f"{growth:+d} kB" if growth is not None else "") +
            (f"   (pids {pids}: restarted)" if len(pids) > 1 else ""))
    print(f"  worker RSS flat (< 1 MB growth over the last "
          f"{window / 60:g} min): {'yes' if flat else 'NO'}")

    # Other processes: fds and RSS first sample vs last, for leaks.
    first, last = samples[0], samples[-1]
    print("  per process, load start -> end: RSS MB, fds")
    for role in last["rss"]:
        a_rss, b_rss = first["rss"].get(role), last["rss"][role]
        a_fd, b_fd = first["fds"].get(role), last["fds"][role]
        print(f"    {role:<22} "
              f"{mb(a_rss) if a_rss is not None else '-':>7} -> "
              f"{mb(b_rss):>7}   "
              f"{a_fd if a_fd is not None else '-':>4} -> {b_fd:>4}")

    calls = reqs.get("tools/call", 0)
    print(f"  requests: {sum(reqs.values())} in all")
    for k in sorted(reqs):
        print(f"    {reqs[k]:>8}  {k}")
    print(f"  rate: {sum(reqs.values()) / max(end_t, 1):.0f} requests/s, "
          f"{calls / max(end_t, 1):.0f} tools/call per s")
    # The retention job runs 10 s after start (then hourly) and caps the
    # execution logs per tool: growth after the warm-up is the steady one.
    warm = picked[0][1]
    spans = [("load start", load_start_tabs, 0), ("warm-up end",
             warm["tables"], warm["calls"])]
    for label, tabs0, calls0 in spans:
        n = calls - calls0
        per = 1000 / n if n else 0
        print(f"  tables, {label} -> settled end ({n} tools/call; "
              f"growth per 1,000 tools/call):")
        for name in TABLES:
            r0, s0 = tabs0.get(name, (0, 0))
            r1, s1 = settled.get(name, (0, 0))
            print(f"    {name:<22} rows {r0} -> {r1} ({(r1 - r0) * per:+.0f})"
                  f", {s0 // 1024} -> {s1 // 1024} kB "
                  f"({(s1 - s0) * per / 1024:+.1f} kB)")
    nerr = sum(errs.values())
    print(f"  errors: {nerr}")
    for k in sorted(errs):
        print(f"    {errs[k]:>6}  {k}    first: {samp.get(k, '')}")
    print(f"  worker crashes (server log): {len(crash_lines)}")
    for l in crash_lines[:10]:
        print(f"    {l[:300]}")
    print(f"  server log: {server.log_path}")
    # Growth of a worker is a failure too: the point of the soak.
    return nerr, len(crash_lines) + (0 if flat else 1)


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
