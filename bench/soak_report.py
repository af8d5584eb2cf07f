"""The soak's readings and its report (bench/soak.py): RSS and open fds
per process of the server's group, table sizes, the periodic table and
the final summary."""
import os
import sys

# tests/integration is on the path: soak.py put it there.
import harness
import opshelp

TABLES = ("mcp_sessions", "activity_logs", "tool_execution_logs", "mcp_outbox")


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
