#!/usr/bin/env python3
"""The escape corpus: every case must be contained and the supervisor must
be alive afterwards.

Each case starts with header comments:
    # layer: <the layer that stops it>
    # expect: ok | <error type>        (the answer the case must get)
    # match: <regex>                   (optional, searched in the answer)
    # timeout_ms: <n>                  (optional; default 3000 for an
                                       expected Timeout, else 15000)
corpus/ runs with every layer; corpus_kernel/ runs in the test build with
the Python layers switched off ("python_layers": false), so only the
kernel layers (rlimits, uid, NO_NEW_PRIVS, seccomp) stand in the way.
All cases are pipelined on one connection, which also exercises
out-of-order answers.
"""
import argparse, glob, json, os, re, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbxclient import Supervisor

HERE = os.path.dirname(os.path.abspath(__file__))
# Text that only an escape could produce.
ESCAPE_MARKERS = [r"uid=\d+", r"root:x:0:0", r"rwx mapping ok", r"thread ran",
                  r"unix socket \d", r"netlink socket", r"wrote /tmp",
                  r"sent SIGKILL", r"uid now 0", r"HTTP/1\.", r"<module 'os'",
                  r"<module .sys.", r"f_globals.: \{", r"__builtins__.: <module",
                  r"/usr/lib/python", r"sbx_harness"]


def header(src):
    h = {}
    for line in src.splitlines():
        m = re.match(r"#\s*(layer|expect|match|timeout_ms|skip_asan):\s*(.*)", line)
        if m:
            h[m.group(1)] = m.group(2).strip()
    return h


def outcome(r):
    if r.get("ok"):
        return "ok"
    return r.get("error", {}).get("type", "?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--asan", action="store_true")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    env = {}
    if a.asan:
        env["ASAN_OPTIONS"] = "detect_leaks=0:allocator_may_return_null=1:abort_on_error=1"
        env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    cases = []
    for d, layers in (("corpus", True), ("corpus_kernel", False)):
        for path in sorted(glob.glob(os.path.join(HERE, d, "*.py"))):
            src = open(path, encoding="utf-8").read()
            h = header(src)
            if a.asan and h.get("skip_asan"):
                continue
            cases.append((d, os.path.basename(path), src, h, layers))
    failures, counts = [], {}
    t0 = time.time()
    with Supervisor(a.binary, ["--concurrency", "4", "--queue", "200"], env) as sup:
        c = sup.client()
        for i, (d, name, src, h, layers) in enumerate(cases):
            req = {"op": "execute", "id": f"{d}/{name}", "code": src,
                   "args": {"x": None},
                   # A case that expects a limit other than time must not
                   # time out: not on a loaded machine (3 s was seen to be
                   # too short for the memory bomb), not under sanitizers,
                   # which slow Python several times over.
                   "timeout_ms": int(h.get("timeout_ms", 3000 if
                   h.get("expect") == "Timeout" else 15000)) *
                   (4 if a.asan and h.get("expect") != "Timeout" else 1),
                   "memory_mb": 256,
                   "allowed_hosts": [{"host": "example.com", "port": None}]}
            if not layers:
                req["python_layers"] = False
            c.send(req)
        answers = {}
        while len(answers) < len(cases):
            r = c.recv(timeout=120)
            answers[r["id"]] = r
        for d, name, src, h, layers in cases:
            r = answers[f"{d}/{name}"]
            got = outcome(r)
            text = json.dumps(r)
            ok = got == h.get("expect")
            if ok and h.get("match") and not re.search(h["match"], text):
                ok = False
            escaped = [m for m in ESCAPE_MARKERS if re.search(m, text)]
            if escaped:
                ok = False
            counts.setdefault(d, [0, 0])
            counts[d][1] += 1
            if ok:
                counts[d][0] += 1
            else:
                failures.append(f"{d}/{name}: expected {h.get('expect')} "
                                f"({h.get('layer')}), got {got}: {text[:300]}")
            if a.show:
                print(f"{d}/{name:32s} {got:16s} {text[:160]}")
        alive = sup.alive()
        logs = sup.logs()
    bad_logs = [l for l in logs.splitlines() if l.strip() and not l.startswith("{")]
    if a.asan and ("AddressSanitizer" in logs or "runtime error" in logs):
        failures.append("sanitizer report:\n" + logs[-4000:])
    for l in logs.splitlines():
        try:
            json.loads(l)
        except ValueError:
            if not a.asan:
                failures.append("log line is not JSON: " + l[:200])
    for f in failures:
        print("FAIL", f)
    summary = ", ".join(f"{d}: {v[0]}/{v[1]} contained" for d, v in counts.items())
    print(f"CORPUS {'(asan) ' if a.asan else ''}{summary}; supervisor "
          f"{'alive' if alive else 'DEAD'}; {time.time() - t0:.1f}s")
    sys.exit(0 if not failures and alive else 1)


if __name__ == "__main__":
    main()
