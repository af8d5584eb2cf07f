#!/usr/bin/env python3
"""make bench: PostgreSQL + the server with 2 workers, then wrk against
it. Prints one line per figure, `BENCH name value unit`:

  raw Kore ceiling (GET /health), tools/call of a trivial approved Python
  tool at 1 and 16 connections, mcpbox_list_servers at 16 connections
  (req/s, p50, p99 from wrk --latency), and the RSS summed over the
  server's processes (parent, workers, keeper, sandbox supervisor and its
  pool) at idle and after the load, with their PSS beside it, and the
  CPU per request of the server, the sandbox and PostgreSQL under load,
  and how the workers split their CPU.

    python3 bench/run.py            # BENCH_SECONDS per figure (default 10)
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import opshelp  # noqa: E402

sys.path.insert(0, HERE)
import gateway  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
LUA = os.path.join(HERE, "mcp_call.lua")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def bench(name, value, unit):
    print(f"BENCH {name} {value} {unit}", flush=True)


def mem_kb(server, path, field):
    """`field` (kB) summed over every live process in the server's group."""
    total = 0
    for pid in opshelp.group_processes(server):
        try:
            with open(f"/proc/{pid}/{path}") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def memory(server, when):
    # VmRSS counts the pages the pool children share with the zygote once
    # per child; PSS splits them, so it is what the processes really cost.
    bench(f"rss_{when}", f"{mem_kb(server, 'status', 'VmRSS') / 1024:.1f}",
          "MB")
    bench(f"pss_{when}",
          f"{mem_kb(server, 'smaps_rollup', 'Pss') / 1024:.1f}", "MB")
    bench(f"processes_{when}", len(opshelp.group_processes(server)),
          "processes")


def postmaster(pg):
    for root, _, files in os.walk(pg.dir):
        if "postmaster.pid" in files:
            with open(os.path.join(root, "postmaster.pid")) as f:
                return int(f.readline())
    return None


def cpu_by_role(server, pg):
    """CPU seconds so far of the server (parent, workers, keeper), the
    sandbox (supervisor with the children it reaped) and PostgreSQL."""
    tick = os.sysconf("SC_CLK_TCK")
    sandbox = os.path.realpath(harness.SANDBOX)
    pm = postmaster(pg)
    out = {"server": 0.0, "sandbox": 0.0, "postgres": 0.0}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            exe = os.path.realpath(f"/proc/{pid}/exe")
        except OSError:
            continue
        ppid, pgrp = int(st[1]), int(st[2])
        used = sum(int(x) for x in st[11:15]) / tick
        if pgrp == server.proc.pid:
            out["sandbox" if exe == sandbox else "server"] += used
        elif pid == pm or ppid == pm:
            out["postgres"] += used
    return out


def worker_cpu(server):
    """CPU seconds so far of each Kore worker, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in opshelp.worker_pids(server):
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = sum(int(x) for x in st[11:13]) / tick
    return out


def spread_report(name, before, after):
    # How evenly the workers shared the load: each worker's part of their
    # CPU, busiest first (Kore's accept lock used to give one nearly all).
    used = sorted((after[p] - before.get(p, 0.0) for p in after),
                  reverse=True)
    total = sum(used) or 1.0
    bench(f"{name}_worker_cpu_split",
          "/".join(f"{100 * u / total:.0f}" for u in used), "%")


def cpu_report(name, before, after, requests):
    # Where a request's CPU goes: the 2 cores are shared by all three.
    for role in ("server", "sandbox", "postgres"):
        ms = (after[role] - before[role]) * 1000 / max(requests, 1)
        bench(f"{name}_cpu_{role}", f"{ms:.3f}", "ms/request")


def wrk(url, conns, script_args=None, seconds=SECONDS):
    cmd = ["wrk", "--latency", "-t", str(min(conns, 2)), "-c", str(conns),
           "-d", f"{seconds}s", "--timeout", "10s"]
    if script_args is not None:
        cmd += ["-s", LUA, url, "--"] + script_args
    else:
        cmd += [url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        res["p" + pct] = float(m.group(1)) * UNITS[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    m = re.search(r"^rpc_errors (\d+)$", out, re.M)
    res["rpc_errors"] = int(m.group(1)) if m else 0
    return res


def report(name, r, rpc=False):
    bench(f"{name}_rps", f"{r['rps']:.0f}", "req/s")
    bench(f"{name}_p50", f"{r['p50']:.2f}", "ms")
    bench(f"{name}_p99", f"{r['p99']:.2f}", "ms")
    errors = r["non2xx"] + r["socket_errors"] + (r["rpc_errors"] if rpc else 0)
    bench(f"{name}_errors", errors, "responses")


def session(server):
    conn = gateway.http.client.HTTPConnection("127.0.0.1", server.port)
    r, _ = gateway.rpc(conn, server.port, {
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}})
    sid = r.getheader("mcp-session-id")
    gateway.rpc(conn, server.port, {"jsonrpc": "2.0",
                                    "method": "notifications/initialized"},
                sid)
    return conn, sid


def main():
    pg = harness.Postgres()
    server = None
    try:
        server = harness.Server(pg.start(), workers=2, name="bench").start()
        gateway.prepare(server)
        conn, sid = session(server)
        host = f"localhost:{server.port}"
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "bench__inc", "arguments": {"x": 41}}}
        _, out = gateway.rpc(conn, server.port, call, sid)
        assert out["result"]["content"][0]["text"] == "42", out
        conn.close()
        time.sleep(2)
        memory(server, "idle")

        url = f"http://127.0.0.1:{server.port}"
        wrk(url + "/health", 4, seconds=2)
        workers_before = worker_cpu(server)
        report("kore_health_c16", wrk(url + "/health", 16))
        spread_report("kore_health_c16", workers_before, worker_cpu(server))
        tool = [sid, host, "bench__inc", '{"x":41}']
        wrk(url + "/mcp", 1, tool, seconds=2)
        report("tool_call_c1", wrk(url + "/mcp", 1, tool), rpc=True)
        before = cpu_by_role(server, pg)
        workers_before = worker_cpu(server)
        r = wrk(url + "/mcp", 16, tool)
        report("tool_call_c16", r, rpc=True)
        cpu_report("tool_call_c16", before, cpu_by_role(server, pg),
                   r["rps"] * SECONDS)
        spread_report("tool_call_c16", workers_before, worker_cpu(server))
        mgmt = [sid, host, "mcpbox_list_servers", "{}"]
        before = cpu_by_role(server, pg)
        r = wrk(url + "/mcp", 16, mgmt)
        report("list_servers_c16", r, rpc=True)
        cpu_report("list_servers_c16", before, cpu_by_role(server, pg),
                   r["rps"] * SECONDS)
        memory(server, "after_load")
    finally:
        if server:
            server.stop()
        pg.destroy()


if __name__ == "__main__":
    main()
