"""The sandbox circuit breaker: opens after N consecutive sandbox failures
(shared by all workers), fails calls fast with a clear SandboxError, goes
half-open after T seconds and closes on a good probe; the reset is
admin-only and goes through the REST router's token check. Tool errors do
not count. The circuit_open alert reaches the webhook."""
import os
import signal
import threading
import time
import unittest

import apiclient
import harness
import opshelp

THRESHOLD = 3
RESET_S = 2
FAIL = "def main():\n    raise ValueError('tool says no')\n"
OK = "def main():\n    return 'fine'\n"


class CircuitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.rx = opshelp.Receiver()
        cls.addClassCleanup(cls.rx.close)
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="ops-circuit", env={
            "MCPBOX_ALERT_WEBHOOK_URL": cls.rx.url,
            "MCPBOX_CIRCUIT_THRESHOLD": str(THRESHOLD),
            "MCPBOX_CIRCUIT_RESET_S": str(RESET_S)},
            # A public door of its own, on a loopback address of its own.
            public_ip="127.0.0.5").start()
        cls.addClassCleanup(cls.srv.stop)
        cls.admin = apiclient.Client(cls.srv).setup()
        cls.ok_tool, _ = opshelp.approved_tool(cls.admin, OK, "cok")
        cls.bad_tool, _ = opshelp.approved_tool(cls.admin, FAIL, "cbad")
        cls.mcp = opshelp.Mcp(cls.srv).open()
        cls.stopped = None

    @classmethod
    def tearDownClass(cls):
        # Before the class cleanups stop the server.
        if cls.stopped:
            os.kill(cls.stopped, signal.SIGCONT)

    def state(self):
        st, _, body = self.srv.json("GET", "/health/circuits")
        self.assertEqual(st, 200)
        return body["circuits"]["sandbox"]

    def break_sandbox(self):
        """Freeze the keeper, then kill its supervisor: nothing listens."""
        sup, keeper = opshelp.supervisor_and_keeper(self.srv)
        # The keeper may still be about to say its last supervisor is up
        # (readiness can see it listen first): stopped before that, it
        # would leave a restart under way, and failures uncounted.
        self.assertTrue(opshelp.wait_until(
            lambda: not self.state()["supervisor_restarting"]))
        type(self).generation = self.state()["supervisor_generation"]
        os.kill(keeper, signal.SIGSTOP)
        type(self).stopped = keeper
        os.kill(sup, signal.SIGKILL)
        time.sleep(0.3)

    def heal_sandbox(self):
        os.kill(self.stopped, signal.SIGCONT)
        type(self).stopped = None
        opshelp.supervisor_and_keeper(self.srv)
        # Until the new supervisor listens and the keeper said so.
        self.assertTrue(opshelp.wait_until(
            lambda: self.srv.request("GET", "/health/ready")[0] == 200))
        self.assertTrue(opshelp.wait_until(
            lambda: not self.state()["supervisor_restarting"] and
            self.state()["supervisor_generation"] > self.generation),
            self.state())

    def fail_until_open(self):
        # Tool calls with no supervisor wait for one (SBX_WAIT_MS), then
        # fail and count; readiness asks past the breaker and says so.
        threads = [threading.Thread(target=self.mcp_call_quietly)
                   for _ in range(THRESHOLD + 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(self.state()["state"], "open")
        st, _, body = self.srv.json("GET", "/health/ready")
        self.assertEqual((st, body["checks"]["sandbox"]["ok"]), (503, False), body)

    def mcp_call_quietly(self):
        opshelp.Mcp(self.srv).open().call(self.ok_tool)

    def test_1_tool_errors_do_not_open(self):
        for _ in range(THRESHOLD + 2):
            res = self.mcp.call(self.bad_tool)
            self.assertTrue(res["isError"])
            self.assertIn("tool says no", res["content"][0]["text"])
            self.assertEqual(res["_meta"]["mcpbox/error"]["category"],
                             "tool_error")
        s = self.state()
        self.assertEqual(s["state"], "closed")
        self.assertEqual(s["consecutive_failures"], 0)
        self.assertEqual(s["failure_threshold"], THRESHOLD)
        self.assertEqual(s["reset_timeout_s"], RESET_S)

    def test_2_open_fail_fast_half_open_close(self):
        self.break_sandbox()
        self.fail_until_open()
        s = self.state()
        self.assertIsNotNone(s["opened_at"])
        self.assertGreater(s["retry_in_s"], 0)
        # Fail fast with the breaker's own message, from any worker.
        for _ in range(4):
            t0 = time.time()
            res = self.mcp.call(self.ok_tool)
            self.assertLess(time.time() - t0, 1.0)
            self.assertTrue(res["isError"])
            self.assertIn("the sandbox is unavailable (circuit open)",
                          res["content"][0]["text"])
            self.assertEqual(res["_meta"]["mcpbox/error"]["category"],
                             "sandbox")
            self.assertIn("not the code's fault", res["content"][0]["text"])
        got = self.rx.wait_for(lambda j: j.get("alert") == "circuit_open")
        self.assertIsNotNone(got, "no circuit_open alert arrived")
        self.assertEqual(got["json"]["details"]["threshold"], THRESHOLD)
        st, _, text = self.srv.request("GET", "/metrics")
        self.assertIn(b'mcpbox_circuit_state{circuit="sandbox"} 1\n', text)
        self.assertIn(b"mcpbox_sandbox_up 0\n", text)
        # The keeper starts a new supervisor: that closes the breaker at
        # once (it used to stay open for the reset time), readiness says
        # ready, and calls succeed.
        self.heal_sandbox()
        self.assertTrue(opshelp.wait_until(
            lambda: self.state()["state"] == "closed"), self.state())
        self.assertTrue(opshelp.wait_until(
            lambda: self.srv.request("GET", "/health/ready")[0] == 200))
        res = self.mcp.call(self.ok_tool)
        self.assertFalse(res.get("isError"), res)
        self.assertEqual(res["content"][0]["text"], "fine")
        s = self.state()
        self.assertGreaterEqual(s["opens_total"], 1)
        self.assertGreater(s["rejected_total"], 0)

    def test_3_failed_probe_reopens(self):
        self.break_sandbox()
        try:
            self.fail_until_open()
            opens = self.state()["opens_total"]
            time.sleep(RESET_S + 0.2)
            self.mcp.call(self.ok_tool)     # the probe fails
            s = self.state()
            self.assertEqual(s["state"], "open")
            self.assertEqual(s["opens_total"], opens + 1)
        finally:
            self.heal_sandbox()
        self.admin.post("/health/circuits/reset")

    def test_4_reset_is_admin_only(self):
        self.break_sandbox()
        try:
            self.fail_until_open()
            self.reset_checks()
        finally:
            self.heal_sandbox()
        res = self.mcp.call(self.ok_tool)
        self.assertFalse(res.get("isError"), res)
        # Audited.
        st, _, logs = self.admin.get("/api/activity/logs?log_type=audit")
        self.assertTrue(any(e["details"].get("action") == "circuit_reset"
                            for e in logs["items"]))

    def reset_checks(self):
        """While the breaker is open (a new supervisor would close it)."""
        st, h, body = self.srv.json("POST", "/health/circuits/reset", {})
        self.assertEqual(st, 401)
        self.assertEqual(h.get("www-authenticate"), "Bearer")
        st, _, _ = self.srv.json("POST", "/health/circuits/reset", {},
                                 headers={"Authorization": "Bearer x.y.z"})
        self.assertEqual(st, 401)
        self.assertEqual(self.state()["state"], "open")
        # A revoked token is refused too: the same check as /api.
        other = apiclient.Client(self.srv).login()
        st, _, _ = other.post("/api/auth/logout", {"refresh_token": other.refresh})
        self.assertIn(st, (200, 204))
        st, _, _ = other.post("/health/circuits/reset")
        self.assertEqual(st, 401)
        st, _, body = self.admin.post("/health/circuits/reset")
        self.assertEqual(st, 200, body)
        self.assertEqual(body["circuits"]["sandbox"]["state"], "closed")

    def test_5_methods(self):
        st, _, _ = self.srv.json("POST", "/health/circuits", {})
        self.assertEqual(st, 405)
        st, _, _ = self.srv.json("GET", "/health/circuits/reset")
        self.assertIn(st, (401, 405))

    def test_6_not_on_the_public_door(self):
        paths = (("GET", "/metrics"), ("GET", "/health/circuits"),
                 ("POST", "/health/circuits/reset"))
        for host in (None, "localhost", f"127.0.0.1:{self.srv.port}"):
            for method, path in paths:
                st, _, body = self.srv.json(method, path, {} if method ==
                                            "POST" else None, headers={
                                                "Host": host} if host else
                                            None, door="public")
                self.assertEqual(st, 404, (host, path, body))
        # The local door refuses a foreign Host (DNS rebinding) ...
        for method, path in paths:
            st, _, body = self.srv.json(method, path, {} if method == "POST"
                                        else None,
                                        headers={"Host": "127.0.0.5"})
            self.assertEqual(st, 403, (path, body))
        # ... and serves its own.
        st, _, _ = self.srv.request("GET", "/metrics")
        self.assertEqual(st, 200)


if __name__ == "__main__":
    unittest.main()
