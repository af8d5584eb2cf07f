"""What the processes of a bench run cost, read from /proc: memory of the
server's group, and CPU seconds by role (MCPbox server, sandbox,
PostgreSQL, the peer's node process) and by Kore worker."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import opshelp  # noqa: E402

from wrkrun import bench  # noqa: E402

ROLES = ("server", "sandbox", "postgres", "node")


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


def _stat(pid):
    """(ppid, pgrp, CPU seconds of the process and of the children it has
    reaped: utime + stime + cutime + cstime)."""
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    used = sum(int(x) for x in st[11:15]) / os.sysconf("SC_CLK_TCK")
    return int(st[1]), int(st[2]), used


def cpu_by_role(server, pg, peer=None):
    """CPU seconds so far of each role:

    server    the Kore parent, its workers and keeper (MCPbox's binary in
              the server's process group);
    sandbox   the supervisor, the zygote and the call children: the zygote
              is their reaper (pid 1 of its namespace), so its cutime and
              cstime hold every child that has exited, and the live ones
              count by themselves;
    postgres  the postmaster and its backends;
    node      the peer's node process (bench/peer.py), with its threads.
    """
    sandbox = os.path.realpath(harness.SANDBOX)
    pm = postmaster(pg)
    out = dict.fromkeys(ROLES, 0.0)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            ppid, pgrp, used = _stat(pid)
            exe = os.path.realpath(f"/proc/{pid}/exe")
        except OSError:
            continue
        if pgrp == server.proc.pid:
            out["sandbox" if exe == sandbox else "server"] += used
        elif pid == pm or ppid == pm:
            out["postgres"] += used
        elif peer is not None and pgrp == peer.pgid:
            out["node"] += used
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


def cpu_report(name, before, after, requests, roles=ROLES[:3]):
    """CPU milliseconds per request of each role between two samples of
    cpu_by_role(), and their sum. The 2 cores are shared by all of them."""
    total = 0.0
    for role in roles:
        ms = (after[role] - before[role]) * 1000 / max(requests, 1)
        total += ms
        bench(f"{name}_cpu_{role}", f"{ms:.3f}", "ms/request")
    if len(roles) > 1:
        bench(f"{name}_cpu_total", f"{total:.3f}", "ms/request")
    return total
