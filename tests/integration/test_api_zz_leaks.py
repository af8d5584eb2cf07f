"""Last of the API suites: the secret value stored by the other suites
appears in no response body, no log line of any server started during the
run, and no row of the activity or execution logs."""
import glob
import os
import unittest

import apiclient
import harness


class NoSecretLeaksTest(unittest.TestCase):
    def test_secret_never_leaves(self):
        c = apiclient.shared()
        needle = apiclient.SECRET_VALUE.encode()
        # Touch every read route once more, so their bodies are checked too.
        st, _, servers = c.get("/api/servers?page_size=100")
        for s in servers["items"]:
            c.get(f"/api/servers/{s['id']}")
            c.get(f"/api/servers/{s['id']}/secrets")
        for p in ("/api/export", "/api/activity/logs?page_size=100",
                  "/api/execution-logs?page_size=100", "/api/dashboard",
                  "/api/approvals/tools?status=all&page_size=100"):
            self.assertEqual(c.get(p)[0], 200, p)
        stored = harness.SHARED["pg"].psql(
            "SELECT count(*) FROM server_secrets WHERE value_ciphertext "
            "IS NOT NULL")
        self.assertGreater(int(stored), 0, "no secret was stored")
        for i, body in enumerate(c.seen):
            self.assertNotIn(needle, body, f"response {i}")
        logs = [p for p in glob.glob(os.path.join(harness.OUT, "*.log"))
                if os.path.getmtime(p) >= apiclient.RUN_STARTED]
        self.assertIn(harness.SHARED["server"].log_path, logs)
        harness.SHARED["server"].log_lines()
        for p in logs:
            with open(p, "rb") as f:
                self.assertNotIn(needle, f.read(), p)
        leaked = harness.SHARED["pg"].psql(
            "SELECT (SELECT count(*) FROM activity_logs WHERE "
            "activity_logs::text LIKE '%%%s%%') + (SELECT count(*) FROM "
            "tool_execution_logs WHERE tool_execution_logs::text LIKE "
            "'%%%s%%')" % (apiclient.SECRET_VALUE, apiclient.SECRET_VALUE))
        self.assertEqual(leaked, "0")


if __name__ == "__main__":
    unittest.main()
