#!/usr/bin/env python3
"""Nothing to steal, at the sandbox's own socket: a tool holding an explicit
read-any-byte primitive (test builds: sbx_test_scan over /proc/self/mem)
scans every readable page of its process for the inputs of other calls --
finished ones and one still running -- and for a canary the supervisor was
started with in its environment.  It must find none, with the test binary
and with the ASan build.  The environments of the supervisor, the zygote and
a running child (read as root) hold no MCPBOX_ variable, and the child is in
a PID namespace of its own."""
import argparse, os, secrets, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbxclient import FAILS, Supervisor, check, process_tree


SCAN = "def main(needles):\n    return sbx_test_scan(needles)\n"


def tree(root):
    """pid -> ppid for root and every descendant."""
    return {p: pp for p, (pp, _) in process_tree(root).items()}


def run(binary, asan):
    env_canary = "env-canary-" + secrets.token_hex(12)
    env = {"MCPBOX_ENCRYPTION_KEY": env_canary, "MCPBOX_DATABASE_URL": env_canary}
    if asan:
        env["ASAN_OPTIONS"] = "detect_leaks=0:allocator_may_return_null=1:abort_on_error=1"
    with Supervisor(binary, ["--concurrency", "4"], env=env) as sup:
        c = sup.client()
        secret = "secret-canary-" + secrets.token_hex(12)
        arg = "arg-canary-" + secrets.token_hex(12)
        marker = "code-canary-" + secrets.token_hex(12)
        running = "running-canary-" + secrets.token_hex(12)
        code = (f"import time\nNOTE = '{marker}'\n"
                "def main(x, wait=0):\n    time.sleep(wait)\n"
                "    return len(x + NOTE + secrets['K'])\n")
        for _ in range(3):
            r = c.execute(code, {"x": arg}, secrets={"K": secret})
            check("victim call", r.get("ok"), r)
        r = c.call({"op": "validate", "code": code})
        check("victim validate", r.get("ok") and r.get("valid"), r)
        box = {}
        slow = threading.Thread(target=lambda: box.update(r=sup.client().execute(
            code, {"x": running, "wait": 3}, secrets={"K": secret})))
        slow.start()
        time.sleep(1.0)
        procs = tree(sup.proc.pid)
        leaky = []
        for pid in procs:
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if b"MCPBOX_" in f.read():
                        leaky.append(pid)
            except OSError:
                pass
        check("supervisor, zygote and children hold no MCPBOX_ variable",
              not leaky and len(procs) >= 3, (leaky, procs))
        # libcurl and what it pulls in is the supervisor's and the broker
        # helper's: in the zygote every fork would copy its mappings.
        def maps_curl(pid):
            try:
                with open(f"/proc/{pid}/maps") as f:
                    return "libcurl" in f.read()
            except OSError:
                return None
        check("the supervisor has libcurl loaded", maps_curl(sup.proc.pid))
        curled = [p for p in procs if p != sup.proc.pid and maps_curl(p)]
        check("the zygote and children map no libcurl", not curled, curled)
        if os.geteuid() == 0:
            kids = [p for p, pp in procs.items() if pp in procs and procs[pp] == sup.proc.pid]
            nspid = []
            for p in kids:
                with open(f"/proc/{p}/status") as f:
                    nspid += [l.split()[1:] for l in f if l.startswith("NSpid:")]
            check("children are in a PID namespace of their own",
                  kids and all(len(n) == 2 for n in nspid), nspid)
        names = ["environment", "secret", "argument", "code", "running call"]
        needles = [v.encode().hex() for v in (env_canary, secret, arg, marker, running)]
        r = c.execute(SCAN, {"needles": needles}, timeout=150, timeout_ms=120000)
        found = [(names[i], m) for i, _, m in r.get("result") or []]
        check("the scan ran", r.get("ok"), r)
        check("the scan finds no other call's data", r.get("ok") and not found, found)
        r = c.execute(SCAN + f"\nMINE = 'own-marker-{marker[-8:]}'\n",
                      {"needles": [f"own-marker-{marker[-8:]}".encode().hex()]})
        check("the scan finds what the call itself holds", r.get("ok") and r["result"], r)
        slow.join()
        check("the running call answered", box.get("r", {}).get("ok"), box)
        logs = sup.logs()
        if asan:
            check("no sanitizer report", "AddressSanitizer" not in logs and
                  "runtime error" not in logs, logs[-2000:])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--asan", action="store_true")
    a = ap.parse_args()
    run(a.binary, a.asan)
    print(f"MEMSCAN {'(asan) ' if a.asan else ''}" + ("all passed" if not FAILS else f"FAILED {len(FAILS)}"))
    sys.exit(1 if FAILS else 0)
