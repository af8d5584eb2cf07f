"""GET /metrics: Prometheus text format that promtool accepts, every metric
the operations docs promise, and numbers aggregated across all workers."""
import re
import subprocess
import unittest

import apiclient
import harness
import opshelp

REQUIRED = [
    "mcpbox_http_requests_total",
    "mcpbox_http_request_duration_seconds_bucket",
    "mcpbox_http_request_duration_seconds_sum",
    "mcpbox_http_request_duration_seconds_count",
    "mcpbox_tool_calls_total",
    "mcpbox_sandbox_queue_length",
    "mcpbox_sandbox_running",
    "mcpbox_sandbox_up",
    "mcpbox_sse_streams_open",
    "mcpbox_db_errors_total",
    "mcpbox_login_failures_total",
    "mcpbox_execlog_batches_total",
    "mcpbox_execlog_rows_total",
    "mcpbox_execlog_alone_total",
    "mcpbox_circuit_state",
    "mcpbox_alerts_total",
    "mcpbox_build_info",
]


def shared():
    return harness.SHARED["server"]


def scrape(server):
    st, h, body = server.request("GET", "/metrics")
    assert st == 200, st
    return h, body.decode()


def sample(text, name, **labels):
    """The value of one sample, or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-z_:]+)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-z_]+)="([^"]*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return None


class MetricsTest(unittest.TestCase):
    def test_format_and_promtool(self):
        shared().request("GET", "/health")
        h, text = scrape(shared())
        self.assertEqual(h["content-type"],
                         "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn("x-content-type-options", h)
        for name in REQUIRED:
            self.assertRegex(text, rf"(?m)^{name}[{{ ]", name)
        p = subprocess.run(["promtool", "check", "metrics"], input=text,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "")
        self.assertEqual(sample(text, "mcpbox_build_info", version="0.1.0"), 1)

    def test_tool_outcomes_all_present(self):
        _, text = scrape(shared())
        for o in ("ok", "tool_error", "timeout", "memory", "denied"):
            self.assertIsNotNone(
                sample(text, "mcpbox_tool_calls_total", outcome=o), o)

    def test_sandbox_gauges_come_from_health(self):
        _, text = scrape(shared())
        self.assertEqual(sample(text, "mcpbox_sandbox_up"), 1)
        self.assertGreaterEqual(sample(text, "mcpbox_sandbox_running"), 0)
        self.assertGreaterEqual(sample(text, "mcpbox_sandbox_queue_length"), 0)

    def test_counts_are_instance_wide(self):
        # Two workers: per-process counters would differ between scrapes
        # served by different workers. Shared ones add up exactly.
        srv = shared()
        _, before = scrape(srv)
        n0 = sample(before, "mcpbox_http_requests_total", route="health",
                    status="200") or 0
        c0 = sample(before, "mcpbox_http_request_duration_seconds_count",
                    route="health") or 0
        for _ in range(40):
            st, _, _ = srv.request("GET", "/health")
            self.assertEqual(st, 200)
        for _ in range(6):
            _, after = scrape(srv)
            self.assertEqual(sample(after, "mcpbox_http_requests_total",
                                    route="health", status="200"), n0 + 40)
            self.assertEqual(sample(
                after, "mcpbox_http_request_duration_seconds_count",
                route="health"), c0 + 40)
            inf = sample(after, "mcpbox_http_request_duration_seconds_bucket",
                         route="health", le="+Inf")
            self.assertEqual(inf, c0 + 40)

    def test_execution_logs_are_counted_in_batches(self):
        c = apiclient.shared()
        name, tool = opshelp.approved_tool(c, "def main():\n    return 1\n",
                                           apiclient.unique("mx"))
        _, before = scrape(shared())
        sid = apiclient.mcp_session(c)
        for _ in range(6):
            body, _ = apiclient.mcp_rpc(c, "tools/call", {
                "name": name, "arguments": {}}, sid)
            self.assertFalse(body["result"].get("isError"), body)
        self.assertEqual(apiclient.tool_logs_total(c, tool["id"], 6), 6)
        _, after = scrape(shared())

        def grew(name):
            return sample(after, name) - sample(before, name)
        # Every row is counted in the batch that wrote it; a batch holds
        # at least one.
        self.assertGreaterEqual(grew("mcpbox_execlog_rows_total"), 6)
        self.assertGreaterEqual(grew("mcpbox_execlog_batches_total"), 1)
        self.assertLessEqual(grew("mcpbox_execlog_batches_total"),
                             grew("mcpbox_execlog_rows_total"))
        self.assertEqual(grew("mcpbox_execlog_alone_total"), 0)

    def test_route_labels_are_route_names_not_paths(self):
        srv = shared()
        srv.request("GET", "/no/such/page-12345")
        srv.request("GET", "/api/servers")          # 401, route servers_list
        _, text = scrape(srv)
        self.assertNotIn("page-12345", text)
        self.assertIsNotNone(sample(text, "mcpbox_http_requests_total",
                                    route="not_found", status="404"))
        self.assertIsNotNone(sample(text, "mcpbox_http_requests_total",
                                    route="servers_list", status="401"))

    def test_method_not_allowed(self):
        st, h, _ = shared().request("POST", "/metrics", body=b"{}",
                                    headers={"Content-Type": "application/json"})
        self.assertEqual(st, 405)
        self.assertEqual(h.get("allow"), "GET")
