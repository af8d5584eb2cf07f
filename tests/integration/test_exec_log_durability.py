"""Execution logs survive a worker killed while it holds them and a
PostgreSQL restart under load: every tool call that got an answer has
exactly one tool_execution_logs row and one activity entry pointing at it,
no more. The rows wait in a per-worker ring in shared memory that the
worker started in the dead one's slot writes out; a batch sent again after
a kill is harmless because every row carries its own id."""
import os
import signal
import threading
import time
import unittest

import apiclient
import harness
import opshelp

TRIVIAL = "def main(x: int) -> int:\n    return x + 1\n"
THREADS = 6
BASE = 900000000
# The retention job keeps each tool's newest 100 execution logs
# (RETENTION_KEEP_PER_TOOL) and first runs 10 s after worker 1 starts: on
# one tool, a few thousand calls would be pruned to 100 if it ran while
# the rows are counted. Spread over enough tools, none reaches the cap.
TOOLS_PER_THREAD = 8


class ExecLogDurabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="execlog").start()
        cls.addClassCleanup(cls.srv.stop)
        cls.admin = apiclient.Client(cls.srv).setup()
        cls.tools = [opshelp.approved_tool(cls.admin, TRIVIAL, "elog")[0]
                     for _ in range(THREADS * TOOLS_PER_THREAD)]

    def kill_a_worker(self):
        pids = opshelp.worker_pids(self.srv)
        self.assertTrue(pids, "no worker to kill")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def test_kill_and_restart_under_load(self):
        answered, errors = [], []
        stop = threading.Event()
        lock = threading.Lock()

        def load(k):
            mine = self.tools[k * TOOLS_PER_THREAD:
                              (k + 1) * TOOLS_PER_THREAD]
            m = None
            i = 0
            while not stop.is_set():
                i += 1
                x = BASE + k * 1000000 + i
                try:
                    if m is None:
                        m = opshelp.Mcp(self.srv).open()
                    m.next_id += 1
                    st, _, data = m.post({
                        "jsonrpc": "2.0", "id": m.next_id,
                        "method": "tools/call",
                        "params": {"name": mine[i % len(mine)],
                                   "arguments": {"x": x}}})
                except Exception as e:  # a killed worker's connection
                    with lock:
                        errors.append(repr(e))
                    m = None
                    time.sleep(0.05)
                    continue
                if st == 200 and b'"result"' in data and \
                        b'"isError":false' in data.replace(b" ", b""):
                    with lock:
                        answered.append(x)
                elif st != 200:
                    time.sleep(0.05)

        threads = [threading.Thread(target=load, args=(k,))
                   for k in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        self.kill_a_worker()                  # under load, database up
        time.sleep(1.5)
        self.pg.stop()                        # rows pending, database away
        time.sleep(0.5)
        self.kill_a_worker()                  # ... and their worker dies
        time.sleep(2.0)
        self.pg.start()
        time.sleep(2.0)
        self.kill_a_worker()                  # once more, database back
        time.sleep(2.0)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertGreater(len(answered), 200, "too little load")
        self.assertEqual(len(answered), len(set(answered)))

        def counts():
            out = self.pg.psql(
                "SELECT l.input_args->>'x', count(DISTINCT l.id), "
                "  count(a.id) FROM tool_execution_logs l "
                "LEFT JOIN activity_logs a ON "
                "  a.details->>'execution_log_id' = l.id::text "
                f"WHERE (l.input_args->>'x')::bigint >= {BASE} "
                "GROUP BY 1")
            rows = {}
            for line in out.splitlines():
                x, nl, na = line.split("|")
                rows[int(x)] = (int(nl), int(na))
            return rows

        def missing():
            return sorted(set(answered) - set(counts()))
        opshelp.wait_until(lambda: not missing(), timeout=90, step=1)
        rows = counts()
        lost = sorted(set(answered) - set(rows))
        doubled = sorted(x for x, (nl, _) in rows.items() if nl != 1)
        no_entry = sorted(x for x, (nl, na) in rows.items()
                          if nl == 1 and na != 1)
        # One statement is one transaction: rows per xmin is the batch.
        nrows, nstmts, biggest = self.pg.psql(
            "SELECT count(*), count(DISTINCT xmin::text), max(n) FROM "
            "(SELECT xmin, count(*) OVER (PARTITION BY xmin::text) AS n "
            "FROM tool_execution_logs WHERE "
            f"(input_args->>'x')::bigint >= {BASE}) b").split("|")
        print(f"\n  {nrows} rows in {nstmts} statements, "
              f"at most {biggest} in one")
        print(f"  execution logs: {len(answered)} answered calls, "
              f"{len(lost)} lost, {len(doubled)} duplicated, "
              f"{len(no_entry)} without exactly one activity entry; "
              f"{len(errors)} calls cut off by a kill")
        self.assertEqual(lost, [], "an answered call's execution log is lost")
        self.assertEqual(doubled, [], "an execution log is written twice")
        self.assertEqual(no_entry, [], "an activity entry is missing or "
                         "written twice")
        # Service back to normal: a call now is logged within a moment.
        m = opshelp.Mcp(self.srv).open()
        self.assertEqual(m.call(self.tools[0], {"x": 1})["content"][0]["text"],
                         "2")


if __name__ == "__main__":
    unittest.main()
