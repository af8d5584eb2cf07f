"""The retention job (worker 1, MCPBOX_RETENTION_INTERVAL_S): activity and
execution logs older than the policy's log_retention_days go, each tool
keeps its newest 100 execution logs, and the job records what it did."""
import time
import unittest

import apiclient
import harness
import opshelp

INTERVAL_S = 2


class RetentionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="ops-retention", env={
            "MCPBOX_RETENTION_INTERVAL_S": str(INTERVAL_S),
            "MCPBOX_SESSION_IDLE_S": "60",
            "MCPBOX_LOG_MAX_ROWS": "1000"}).start()
        cls.addClassCleanup(cls.srv.stop)
        cls.admin = apiclient.Client(cls.srv).setup()

    def count(self, sql):
        return int(self.pg.psql(sql))

    def test_retention(self):
        st, _, body = self.admin.patch("/api/settings/security-policy",
                                       {"log_retention_days": 7})
        self.assertEqual(st, 200, body)
        srv = apiclient.make_server(self.admin, "ret")
        busy = apiclient.make_tool(self.admin, srv["id"], prefix="busy")
        quiet = apiclient.make_tool(self.admin, srv["id"], prefix="quiet")
        row = ("INSERT INTO tool_execution_logs (tool_id, server_id, "
               "tool_name, success, created_at) SELECT '{tid}', '{sid}', "
               "'t', true, now() - {age} FROM generate_series(1, {n}) g")
        # One transaction, so one run of the job sees all of it.
        self.pg.psql(
            "BEGIN;"
            "INSERT INTO activity_logs (log_type, message, created_at) "
            "SELECT 'system', 'old-entry', now() - interval '10 days' "
            "FROM generate_series(1, 3);"
            "INSERT INTO activity_logs (log_type, message, created_at) "
            "SELECT 'system', 'young-entry', now() - interval '3 days' "
            "FROM generate_series(1, 2);" +
            row.format(tid=busy["id"], sid=srv["id"], n=3,
                       age="interval '10 days'") + ";" +
            row.format(tid=busy["id"], sid=srv["id"], n=105,
                       age="g * interval '1 minute'") + ";" +
            row.format(tid=quiet["id"], sid=srv["id"], n=4,
                       age="interval '1 day'") + ";"
            "COMMIT;")

        def done():
            return self.count("SELECT count(*) FROM activity_logs WHERE "
                              "details->>'job' = 'retention'") > 0
        self.assertTrue(opshelp.wait_until(done, timeout=INTERVAL_S * 8),
                        "the retention job did not run")
        self.assertEqual(self.count(
            "SELECT count(*) FROM activity_logs WHERE message = 'old-entry'"), 0)
        self.assertEqual(self.count(
            "SELECT count(*) FROM activity_logs WHERE message = 'young-entry'"),
            2)
        self.assertEqual(self.count(
            f"SELECT count(*) FROM tool_execution_logs WHERE tool_id = "
            f"'{busy['id']}'"), 100)
        # The newest 100 are the ones kept.
        self.assertEqual(self.count(
            f"SELECT count(*) FROM tool_execution_logs WHERE tool_id = "
            f"'{busy['id']}' AND created_at < now() - interval '100 minutes' "
            f"- interval '30 seconds'"), 0)
        self.assertEqual(self.count(
            f"SELECT count(*) FROM tool_execution_logs WHERE tool_id = "
            f"'{quiet['id']}'"), 4)
        st, _, logs = self.admin.get("/api/activity/logs?log_type=system")
        entries = [e for e in logs["items"]
                   if e["details"].get("job") == "retention"]
        self.assertEqual(len(entries), 1, entries)
        d = entries[0]["details"]
        self.assertEqual((d["activity_deleted"], d["execution_logs_deleted"],
                          d["execution_logs_capped"], d["retention_days"],
                          d["keep_per_tool"]), (3, 3, 5, 7, 100))
        # Later runs with nothing to delete write no entry.
        time.sleep(INTERVAL_S * 2 + 0.5)
        self.assertEqual(self.count("SELECT count(*) FROM activity_logs WHERE "
                                    "details->>'job' = 'retention'"), 1)

    def test_sessions_and_outbox_expire(self):
        """Sessions used to live forever (SDK clients do not DELETE them)
        and outbox rows of vanished /sse streams too."""
        live = opshelp.Mcp(self.srv).open()
        gone = opshelp.Mcp(self.srv).open()
        self.pg.psql("BEGIN;"
                     "UPDATE mcp_sessions SET last_seen_at = now() - "
                     f"interval '2 minutes' WHERE id = '{gone.sid}';"
                     "INSERT INTO mcp_outbox (session_id, body, created_at) "
                     "VALUES ('x', 'old', now() - interval '10 minutes'), "
                     "('y', 'new', now());"
                     "COMMIT;")
        self.assertTrue(opshelp.wait_until(lambda: self.count(
            f"SELECT count(*) FROM mcp_sessions WHERE id = '{gone.sid}'") == 0,
            timeout=INTERVAL_S * 8), "the idle session was not expired")
        self.assertEqual(self.count(
            f"SELECT count(*) FROM mcp_sessions WHERE id = '{live.sid}'"), 1)
        self.assertEqual(self.pg.psql("SELECT string_agg(body, ',') FROM mcp_outbox"),
                         "new")
        # The client of the expired session is told so: 404, start anew.
        time.sleep(2.5)  # past the workers' 2 s session cache
        st, _, _ = gone.post({"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
        self.assertEqual(st, 404)
        st, _, _ = live.post({"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
        self.assertEqual(st, 200)
        st, _, logs = self.admin.get("/api/activity/logs?log_type=system")
        d = [e["details"] for e in logs["items"]
             if e["details"].get("sessions_expired")]
        self.assertTrue(d and d[0]["outbox_deleted"] >= 1, d)

    def test_size_cap(self):
        """Age alone bounded nothing on a busy instance."""
        self.pg.psql("INSERT INTO activity_logs (log_type, message, created_at) "
                     "SELECT 'system', 'bulk-' || g, now() - g * interval '1 "
                     "second' FROM generate_series(1, 1500) g")
        self.assertTrue(opshelp.wait_until(lambda: self.count(
            "SELECT count(*) FROM activity_logs") <= 1010,
            timeout=INTERVAL_S * 8), self.count("SELECT count(*) FROM activity_logs"))
        # The newest stay.
        self.assertEqual(self.count(
            "SELECT count(*) FROM activity_logs WHERE message = 'bulk-1'"), 1)
        self.assertEqual(self.count(
            "SELECT count(*) FROM activity_logs WHERE message = 'bulk-1500'"), 0)


if __name__ == "__main__":
    unittest.main()
