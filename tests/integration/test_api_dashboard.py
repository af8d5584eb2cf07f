"""Dashboard: shape for each period, buckets, counts from the logs."""
import unittest

import apiclient
import harness


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        s = apiclient.make_server(cls.c, "dash")
        cls.tool = apiclient.make_tool(cls.c, s["id"], prefix="dashtool")
        harness.SHARED["pg"].psql(
            "INSERT INTO tool_execution_logs (tool_id, server_id, tool_name, "
            "duration_ms, success, error) SELECT '%s', '%s', '%s', 10 * g, "
            "g %% 3 <> 0, CASE WHEN g %% 3 = 0 THEN 'boom' END "
            "FROM generate_series(1, 6) g" % (cls.tool["id"], s["id"],
                                                cls.tool["name"]))

    def test_shape(self):
        for period, buckets in (("24h", 24), ("7d", 7), ("30d", 30)):
            st, _, d = self.c.get(f"/api/dashboard?period={period}")
            self.assertEqual(st, 200)
            self.assertEqual(len(d["timeline"]), buckets)
            for k in ("servers", "tools", "requests", "totals", "top_tools",
                      "recent_errors"):
                self.assertIn(k, d)
            self.assertGreaterEqual(d["totals"]["calls"], 6)
            self.assertGreaterEqual(d["totals"]["errors"], 2)
            self.assertGreaterEqual(d["totals"]["tool_calls"], 6)
            self.assertLessEqual(d["totals"]["tool_calls"], d["totals"]["calls"])
            t = d["tools"]
            self.assertEqual(t["tools"] + t["resources"] + t["prompts"], t["total"])
            self.assertEqual(sum(b["calls"] for b in d["timeline"]),
                             d["totals"]["calls"])
            top = {t["tool_name"]: t for t in d["top_tools"]}
            self.assertEqual(top[self.tool["name"]]["calls"], 6)
            self.assertEqual(top[self.tool["name"]]["errors"], 2)
            self.assertLessEqual(len(d["recent_errors"]), 10)
            self.assertEqual(d["recent_errors"][0]["error"], "boom")

    def test_default_and_bad_period(self):
        st, _, d = self.c.get("/api/dashboard")
        self.assertEqual((st, d["period"]), (200, "24h"))
        st, _, _ = self.c.get("/api/dashboard?period=1y")
        self.assertEqual(st, 400)

    def test_auth_required(self):
        apiclient.assert_auth_required(self, "GET", "/api/dashboard")


if __name__ == "__main__":
    unittest.main()
