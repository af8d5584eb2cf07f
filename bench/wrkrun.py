"""One wrk run and its figures: rate, p50 and p99 from --latency, and the
errors (socket errors, and the answers bench/mcp_call.lua found wrong
across all of wrk's threads). Prints `BENCH name value unit` lines."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
LUA = os.path.join(HERE, "mcp_call.lua")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def bench(name, value, unit):
    print(f"BENCH {name} {value} {unit}", flush=True)


def _count(pattern, out):
    m = re.search(pattern, out, re.M)
    return int(m.group(1)) if m else 0


def wrk(url, conns, script_args=None, seconds=SECONDS):
    """wrk against url with conns connections (2 threads at most: the
    machine has 2 cores); script_args: the arguments of mcp_call.lua."""
    cmd = ["wrk", "--latency", "-t", str(min(conns, 2)), "-c", str(conns),
           "-d", f"{seconds}s", "--timeout", "10s"]
    if script_args is not None:
        cmd += ["-s", LUA, url, "--"] + script_args
    else:
        cmd += [url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "requests": _count(r"^\s+(\d+) requests in ", out),
           "lua": script_args is not None}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        res["p" + pct] = float(m.group(1)) * UNITS[m.group(2)]
    res["non2xx"] = _count(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    res["rpc_errors"] = _count(r"^rpc_errors (\d+)$", out)
    res["rpc_checked"] = _count(r"^rpc_checked (\d+)$", out)
    if res["lua"] and res["rpc_checked"] != res["requests"]:
        print(f"bench: {url}: the script checked {res['rpc_checked']} of "
              f"{res['requests']} answers", file=sys.stderr)
    return res


def errors(r):
    """Requests that failed: every answer the script judged wrong (which
    includes each non-200), or each non-2xx without the script, plus the
    requests that got no answer at all (socket errors)."""
    bad = r["rpc_errors"] if r["lua"] else r["non2xx"]
    if r["lua"]:
        bad += max(r["requests"] - r["rpc_checked"], 0)
    return bad + r["socket_errors"]


def report(name, r):
    bench(f"{name}_rps", f"{r['rps']:.0f}", "req/s")
    bench(f"{name}_p50", f"{r['p50']:.2f}", "ms")
    bench(f"{name}_p99", f"{r['p99']:.2f}", "ms")
    bench(f"{name}_errors", errors(r), "responses")
