#!/usr/bin/env python3
"""Gateway latency: tools/call of a trivial approved Python tool through
/mcp, one keep-alive connection, sequential calls, without a credential
and then with a client token (which the gate looks up in PostgreSQL at
each request). Prints BENCH lines.

    python3 bench/gateway.py [calls]
"""
import http.client
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402

PASSWORD = "benchmark password 1"


def rpc(conn, port, body, session=None, token=None):
    h = {"Content-Type": "application/json", "Accept": "application/json",
         "Host": f"localhost:{port}"}
    if session:
        h["Mcp-Session-Id"] = session
    if token:
        h["Authorization"] = "Bearer " + token
    conn.request("POST", "/mcp", json.dumps(body), h)
    r = conn.getresponse()
    data = r.read()
    return r, json.loads(data) if data else None


def prepare(server):
    st, _, _ = server.json("POST", "/api/auth/setup",
                           {"username": "admin", "password": PASSWORD})
    st, _, tok = server.json("POST", "/api/auth/login",
                             {"username": "admin", "password": PASSWORD})
    auth = {"Authorization": "Bearer " + tok["access_token"]}
    _, _, srv = server.json("POST", "/api/servers", {"name": "bench"}, auth)
    # inc for the calls here; echo for bench/run.py, the same tool as the
    # peer's (bench/peer.py): "Echo: " and the message.
    for name, code, prop in (
            ("inc", "def main(x: int) -> int:\n    return x + 1\n",
             ("x", "integer")),
            ("echo", "def main(message: str) -> str:\n"
                     "    return 'Echo: ' + message\n",
             ("message", "string"))):
        _, _, tool = server.json("POST", f"/api/servers/{srv['id']}/tools", {
            "name": name, "python_code": code,
            "input_schema": {"type": "object",
                             "properties": {prop[0]: {"type": prop[1]}},
                             "required": [prop[0]]}}, auth)
        server.json("POST", f"/api/approvals/tools/{tool['id']}/action",
                    {"action": "approve", "version": harness.reviewed_version(
                        lambda p: server.json("GET", p, None, auth),
                        tool["id"])}, auth)
    server.json("POST", f"/api/servers/{srv['id']}/start", {}, auth)
    # A token's calls count against its rate limit: room for the run.
    server.json("PATCH", "/api/settings/security-policy",
                {"mcp_rate_limit_rpm": 10000}, auth)
    _, _, tok = server.json("POST", "/api/client-tokens", {
        "name": "bench", "servers": ["bench"], "scope": "call"}, auth)
    return tok["token"]


def measure(server, n, label, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    r, _ = rpc(conn, server.port, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                   "params": {"protocolVersion": "2025-06-18",
                                              "capabilities": {},
                                              "clientInfo": {"name": "b", "version": "1"}}},
               token=token)
    sid = r.getheader("mcp-session-id")
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "bench__inc", "arguments": {"x": 41}}}
    for _ in range(50):
        _, out = rpc(conn, server.port, call, sid, token)
    assert out["result"]["content"][0]["text"] == "42", out
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        _, out = rpc(conn, server.port, call, sid, token)
        lat.append((time.perf_counter() - t0) * 1000)
        if "result" not in out or out["result"].get("isError"):
            raise SystemExit(f"call failed: {out}")
    lat.sort()
    print(f"BENCH {label}_p50 {statistics.median(lat):.2f} ms")
    print(f"BENCH {label}_p99 {lat[int(len(lat) * 0.99) - 1]:.2f} ms")
    print(f"BENCH {label}_calls {n} calls")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    pg = harness.Postgres()
    server = None
    try:
        server = harness.Server(pg.start(), workers=2, name="bench").start()
        token = prepare(server)
        measure(server, n, "gateway_tool_call")
        measure(server, n, "gateway_tool_call_token", token)
    finally:
        if server:
            server.stop()
        pg.destroy()


if __name__ == "__main__":
    main()
