#!/usr/bin/env python3
"""make bench: PostgreSQL + the server with 2 workers, and beside it the
peer (bench/peer.py: the official MCP SDK example server, unsandboxed),
then wrk against both. Prints one line per figure, `BENCH name value unit`:

  raw Kore ceiling (GET /health); tools/call of a trivial approved echo
  tool in MCPbox's sandbox (tool_call_*) and of the peer's own `echo`
  (peer_tool_call_*), both with bench/mcp_call.lua at 1 and 16
  connections (req/s, p50, p99 from wrk --latency, errors across all of
  wrk's threads), MCPbox's rate over the peer's at 16 connections;
  mcpbox_list_servers at 16 connections; the RSS summed over the server's
  processes (parent, workers, keeper, sandbox supervisor and its pool) at
  idle and after the load, with their PSS beside it; the CPU per request
  of the server, the sandbox and PostgreSQL, and of the peer's node
  process, under the 16-connection loads; how the workers split their CPU.

    python3 bench/run.py            # BENCH_SECONDS per figure (default 10)
    BENCH_ECHO_TOOL=nope python3 bench/run.py   # wrong tool name on both
                                                # sides: errors must show
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

sys.path.insert(0, HERE)
import gateway  # noqa: E402
import peer as peerlib  # noqa: E402
from procstat import (cpu_by_role, cpu_report, memory,  # noqa: E402
                      spread_report, worker_cpu)
from wrkrun import SECONDS, bench, report, wrk  # noqa: E402

# The tool wrk calls on each side; another name shows how errors count.
WRONG = os.environ.get("BENCH_ECHO_TOOL")
ECHO_ARGS = '{"message":"hi"}'


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


def check_echo(server, conn, sid):
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "bench__echo", "arguments": {"message": "hi"}}}
    _, out = gateway.rpc(conn, server.port, call, sid)
    assert out["result"]["content"][0]["text"] == "Echo: hi", out


def loads(name, url, args, sample, roles):
    """The echo tool at 1 and 16 connections (each after 2 s of warm-up),
    and the CPU per call of `roles` under the 16-connection load."""
    wrk(url, 1, args, seconds=2)
    report(f"{name}_c1", wrk(url, 1, args))
    before = sample()
    r = wrk(url, 16, args)
    report(f"{name}_c16", r)
    cpu_report(f"{name}_c16", before, sample(), r["requests"], roles)
    return r


def mcpbox_loads(server, pg, peer, sid):
    url = f"http://127.0.0.1:{server.port}"
    wrk(url + "/health", 4, seconds=2)
    workers_before = worker_cpu(server)
    report("kore_health_c16", wrk(url + "/health", 16))
    spread_report("kore_health_c16", workers_before, worker_cpu(server))

    def sample():
        return cpu_by_role(server, pg, peer)
    host = f"localhost:{server.port}"
    workers_before = worker_cpu(server)
    tool = [sid, host, WRONG or "bench__echo", ECHO_ARGS]
    r = loads("tool_call", url + "/mcp", tool, sample,
              ("server", "sandbox", "postgres"))
    spread_report("tool_call_c16", workers_before, worker_cpu(server))
    mgmt = [sid, host, "mcpbox_list_servers", "{}"]
    before = sample()
    m = wrk(url + "/mcp", 16, mgmt)
    report("list_servers_c16", m)
    cpu_report("list_servers_c16", before, sample(), m["requests"],
               ("server", "postgres"))
    return r


def peer_loads(server, pg, peer, psid):
    def sample():
        return cpu_by_role(server, pg, peer)
    tool = [psid, peer.host, WRONG or "echo", ECHO_ARGS]
    return loads("peer_tool_call", peer.url + "/mcp", tool, sample, ("node",))


def main():
    peerlib.install()
    pg = harness.Postgres()
    server = peer = None
    try:
        server = harness.Server(pg.start(), workers=2, name="bench").start()
        gateway.prepare(server)
        peer = peerlib.Peer(name="bench-peer").start()
        psid = peer.session()
        bench("peer_version", peerlib.version(), peerlib.PACKAGE)
        conn, sid = session(server)
        check_echo(server, conn, sid)
        conn.close()
        time.sleep(2)
        memory(server, "idle")
        ours = mcpbox_loads(server, pg, peer, sid)
        theirs = peer_loads(server, pg, peer, psid)
        bench("tool_call_c16_vs_peer",
              f"{ours['rps'] / max(theirs['rps'], 1e-9):.3f}", "ratio")
        memory(server, "after_load")
    finally:
        if peer:
            peer.stop()
        if server:
            server.stop()
        pg.destroy()


if __name__ == "__main__":
    if SECONDS < 1:
        raise SystemExit("BENCH_SECONDS must be at least 1")
    main()
