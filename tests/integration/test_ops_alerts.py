"""Webhook alerts arrive at a real (loopback) receiver: repeated login
failures, the sandbox supervisor killed and restarted, de-duplication
across workers, the Slack shape, and the activity entry of type alert."""
import json
import os
import re
import signal
import time
import unittest

import apiclient
import harness
import opshelp

GENERIC_KEYS = {"source", "alert", "severity", "message", "details", "time"}


class AlertsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.rx = opshelp.Receiver()
        cls.addClassCleanup(cls.rx.close)
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="ops-alerts", env={
            "MCPBOX_ALERT_WEBHOOK_URL": cls.rx.url}).start()
        cls.addClassCleanup(cls.srv.stop)
        cls.admin = apiclient.Client(cls.srv).setup()

    def alert_entries(self, name):
        st, _, body = self.admin.get("/api/activity/logs?log_type=alert")
        self.assertEqual(st, 200, body)
        return [e for e in body["items"] if e["details"].get("alert") == name]

    def test_login_failures(self):
        for _ in range(5):
            st, _, _ = self.srv.json("POST", "/api/auth/login", {
                "username": "admin", "password": "wrong password here"})
            self.assertEqual(st, 401)
        got = self.rx.wait_for(lambda j: j.get("alert") == "login_failures")
        self.assertIsNotNone(got, "no login_failures alert arrived")
        self.assertEqual(got["path"], "/hook")
        self.assertEqual(got["content_type"], "application/json")
        a = got["json"]
        self.assertEqual(set(a), GENERIC_KEYS)
        self.assertEqual(a["source"], "mcpbox")
        self.assertEqual(a["severity"], "warning")
        self.assertEqual(a["details"]["ip"], "127.0.0.1")
        self.assertRegex(a["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        # The sixth attempt is rate limited; no second alert for the IP.
        self.srv.json("POST", "/api/auth/login", {
            "username": "admin", "password": "wrong password here"})
        time.sleep(1)
        self.assertEqual(len(self.rx.matching(
            lambda j: j.get("alert") == "login_failures")), 1)
        self.assertTrue(opshelp.wait_until(
            lambda: self.alert_entries("login_failures")))
        st, _, text = self.srv.request("GET", "/metrics")
        self.assertIn(b"mcpbox_login_failures_total 5\n", text)
        self.assertIn(b'mcpbox_alerts_total{alert="login_failures"} 1\n', text)

    def test_sandbox_restart(self):
        sup, keeper = opshelp.supervisor_and_keeper(self.srv)
        os.kill(sup, signal.SIGKILL)
        got = self.rx.wait_for(lambda j: j.get("alert") == "sandbox_restarted")
        self.assertIsNotNone(got, "no sandbox_restarted alert arrived")
        a = got["json"]
        self.assertEqual(a["severity"], "critical")
        self.assertEqual(a["details"]["signal"], 9)
        self.assertIn("restart", a["message"])
        # A new supervisor under the same keeper, and the sandbox answers.
        new, k2 = opshelp.supervisor_and_keeper(self.srv)
        self.assertNotEqual(new, sup)
        self.assertEqual(k2, keeper)
        self.assertTrue(opshelp.wait_until(
            lambda: self.srv.request("GET", "/health/ready")[0] == 200))
        # Killed again within the de-duplication window: no second POST.
        os.kill(new, signal.SIGKILL)
        opshelp.supervisor_and_keeper(self.srv)
        time.sleep(2)
        self.assertEqual(len(self.rx.matching(
            lambda j: j.get("alert") == "sandbox_restarted")), 1)
        entries = opshelp.wait_until(
            lambda: self.alert_entries("sandbox_restarted"))
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["level"], "error")
        self.assertEqual(entries[0]["log_type"], "alert")

    def test_worker_crash(self):
        """A worker that dies of a signal used to show only as Kore's
        info-level "exited with status 11": now an error line that names
        the signal, and the worker_restarted alert from its successor."""
        workers = opshelp.worker_pids(self.srv)
        self.assertTrue(workers, "no worker found")
        os.kill(workers[0], signal.SIGSEGV)
        got = self.rx.wait_for(lambda j: j.get("alert") == "worker_restarted")
        self.assertIsNotNone(got, "no worker_restarted alert arrived")
        self.assertEqual(got["json"]["severity"], "critical")
        line = opshelp.wait_until(lambda: [
            j for j in map(json.loads, self.srv.log_lines())
            if j.get("msg", "").startswith("worker crashed")])
        self.assertTrue(line, "no error line for the crash")
        self.assertEqual((line[0]["level"], line[0]["signal"], line[0]["pid"]),
                         ("error", "SIGSEGV", workers[0]), line[0])
        # The server still answers, with a new worker in its place.
        self.assertTrue(opshelp.wait_until(
            lambda: self.srv.request("GET", "/health/ready")[0] == 200))

    def test_tool_error_rate(self):
        name, _ = opshelp.approved_tool(
            self.admin, "def main():\n    raise RuntimeError('down')\n", "rate")
        mcp = opshelp.Mcp(self.srv).open()
        for i in range(19):
            self.assertTrue(mcp.call(name)["isError"])
        time.sleep(0.5)
        self.assertFalse(self.rx.matching(
            lambda j: j.get("alert") == "tool_error_rate"), "below 20 calls")
        self.assertTrue(mcp.call(name)["isError"])
        got = self.rx.wait_for(lambda j: j.get("alert") == "tool_error_rate")
        self.assertIsNotNone(got, "no tool_error_rate alert arrived")
        d = got["json"]["details"]
        self.assertGreaterEqual(d["calls"], 20)
        self.assertGreaterEqual(d["errors"] * 2, d["calls"])
        st, _, text = self.srv.request("GET", "/metrics")
        m = re.search(rb'mcpbox_tool_calls_total\{outcome="tool_error"\} (\d+)',
                      text)
        self.assertGreaterEqual(int(m.group(1)), 20)

    def test_slack_shape(self):
        # A second instance on the same database, asking for Slack's shape
        # (a hooks.slack.com URL selects it by itself).
        srv = harness.Server(self.pg.url, workers=1, name="ops-alerts-slack",
                             env={"MCPBOX_ALERT_WEBHOOK_URL": self.rx.url,
                                  "MCPBOX_ALERT_WEBHOOK_FORMAT": "slack"})
        srv.key = self.srv.key
        srv.env["MCPBOX_ENCRYPTION_KEY"] = self.srv.key
        srv.start()
        try:
            sup, _ = opshelp.supervisor_and_keeper(srv)
            os.kill(sup, signal.SIGKILL)
            got = self.rx.wait_for(lambda j: "text" in j and
                                   "sandbox_restarted" in j["text"])
            self.assertIsNotNone(got, "no Slack-shaped alert arrived")
            self.assertEqual(set(got["json"]), {"text"})
            self.assertTrue(got["json"]["text"].startswith(
                "[MCPbox critical] sandbox_restarted: "))
        finally:
            srv.stop()

    def test_bad_format_refused(self):
        srv = harness.Server(self.pg.url, workers=1, name="ops-alerts-bad",
                             env={"MCPBOX_ALERT_WEBHOOK_FORMAT": "teams"})
        srv.start(wait=False)
        try:
            rc = srv.proc.wait(timeout=20)
        finally:
            srv.stop()
        self.assertNotEqual(rc, 0)
        with open(srv.log_path, "rb") as f:
            log = f.read()
        self.assertIn(b"MCPBOX_ALERT_WEBHOOK_FORMAT", log)


if __name__ == "__main__":
    unittest.main()
