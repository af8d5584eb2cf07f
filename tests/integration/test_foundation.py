"""Foundation: health, readiness with database loss and recovery, security
headers, request ids, JSON logs, configuration errors, migrations."""
import json
import os
import subprocess
import time
import unittest

import harness

SECURITY_HEADERS = {
    "content-security-policy", "permissions-policy", "x-content-type-options",
    "x-frame-options", "referrer-policy", "cache-control",
}


def shared():
    return harness.SHARED["server"]


class HealthTest(unittest.TestCase):
    def test_health_is_json(self):
        st, h, body = shared().json("GET", "/health")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("application/json"))
        self.assertEqual(body["status"], "ok")

    def test_ready_checks_database(self):
        st, _, body = shared().json("GET", "/health/ready")
        self.assertEqual(st, 200)
        self.assertEqual(body["status"], "ready")
        self.assertTrue(body["checks"]["database"]["ok"])

    def test_wrong_method_is_json_405(self):
        st, h, body = shared().json("POST", "/health", body={})
        self.assertEqual(st, 405)
        self.assertEqual(h.get("allow"), "GET")
        self.assertEqual(body["error"]["code"], "method_not_allowed")

    def test_unknown_path_is_json_404(self):
        st, h, body = shared().json("GET", "/no/such/thing")
        self.assertEqual(st, 404)
        self.assertEqual(body["error"]["code"], "not_found")


class SecurityHeadersTest(unittest.TestCase):
    def check(self, path, method="GET"):
        st, h, _ = shared().request(method, path)
        missing = SECURITY_HEADERS - set(h)
        self.assertFalse(missing, f"{path} lacks {missing}")
        csp = h["content-security-policy"]
        self.assertNotIn("unsafe-inline", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(h["x-frame-options"], "DENY")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertIn("camera=()", h["permissions-policy"])
        # HSTS only when asked for (plain http on loopback here).
        self.assertNotIn("strict-transport-security", h)
        return st

    def test_on_every_kind_of_response(self):
        self.assertEqual(self.check("/health"), 200)
        self.assertEqual(self.check("/health/ready"), 200)
        self.assertEqual(self.check("/"), 200)
        self.assertEqual(self.check("/missing"), 404)
        self.assertEqual(self.check("/health", "DELETE"), 405)

    def test_panel_page_has_no_inline_script(self):
        st, h, body = shared().request("GET", "/")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/html"))
        self.assertNotRegex(body.decode(), r"<script(?![^>]*\bsrc=)[^>]*>")


class RequestIdTest(unittest.TestCase):
    def test_sane_id_is_echoed(self):
        _, h, _ = shared().request("GET", "/health",
                                   headers={"X-Request-ID": "trace-77.a:b"})
        self.assertEqual(h["x-request-id"], "trace-77.a:b")

    def test_unsafe_id_is_replaced(self):
        for bad in ("has space", "x" * 65, "semi;colon", "<b>"):
            _, h, _ = shared().request("GET", "/health",
                                       headers={"X-Request-ID": bad})
            self.assertNotEqual(h["x-request-id"], bad)
            self.assertRegex(h["x-request-id"],
                             r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                             r"[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

    def test_generated_ids_differ(self):
        ids = {shared().request("GET", "/health")[1]["x-request-id"]
               for _ in range(5)}
        self.assertEqual(len(ids), 5)


class JsonLogTest(unittest.TestCase):
    def test_every_stdout_line_is_json(self):
        s = shared()
        # Hostile bytes in the path and the request id header.
        s.request("GET", "/a%22b%0Ac\\d%ff%fe?q=\"x\"")
        s.raw(b"GET /quote\"and\x7fdel\xc3\x28\x01 HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n")
        s.request("GET", "/health", headers={"X-Request-ID": "log-check-1"})
        time.sleep(0.5)
        lines = s.log_lines()
        self.assertGreater(len(lines), 5)
        seen = False
        for raw in lines:
            obj = json.loads(raw.decode("utf-8"))
            self.assertIsInstance(obj, dict)
            for k in ("time", "level", "msg"):
                self.assertIn(k, obj)
            if obj.get("request_id") == "log-check-1":
                seen = True
                self.assertEqual(obj["status"], 200)
                self.assertEqual(obj["route"], "health")
                self.assertIsInstance(obj["duration_ms"], (int, float))
        self.assertTrue(seen, "no access log line for the request")


class ConfigErrorTest(unittest.TestCase):
    def run_with(self, **env):
        base = {k: v for k, v in os.environ.items() if not k.startswith("MCPBOX_")}
        base.update({"MCPBOX_DATABASE_URL": harness.SHARED["url"],
                     "MCPBOX_ENCRYPTION_KEY": "ab" * 32,
                     "MCPBOX_LISTEN": f"127.0.0.1:{harness.free_port()}"})
        base.update(env)
        p = subprocess.run([harness.APP, "-f"], env=base, capture_output=True,
                           text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def test_short_key(self):
        key = "c" * 63
        rc, out = self.run_with(MCPBOX_ENCRYPTION_KEY=key)
        self.assertNotEqual(rc, 0)
        self.assertIn("MCPBOX_ENCRYPTION_KEY", out)
        self.assertNotIn(key, out)
        self.assertEqual(len(out.strip().splitlines()), 1)

    def test_zero_key(self):
        rc, out = self.run_with(MCPBOX_ENCRYPTION_KEY="0" * 64)
        self.assertNotEqual(rc, 0)
        self.assertIn("MCPBOX_ENCRYPTION_KEY", out)

    def test_bad_port(self):
        rc, out = self.run_with(MCPBOX_LISTEN="127.0.0.1:70000")
        self.assertNotEqual(rc, 0)
        self.assertIn("MCPBOX_LISTEN", out)

    def test_bad_workers(self):
        rc, out = self.run_with(MCPBOX_WORKERS="lots")
        self.assertNotEqual(rc, 0)
        self.assertIn("MCPBOX_WORKERS", out)


class MigrationTest(unittest.TestCase):
    def test_schema_recorded_and_idempotent(self):
        pg = harness.SHARED["pg"]
        before = pg.psql("SELECT string_agg(version::text, ',' ORDER BY version)"
                         " FROM schema_migrations")
        self.assertTrue(before.startswith("1"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCPBOX_")}
        env.update({"MCPBOX_DATABASE_URL": harness.SHARED["url"],
                    "MCPBOX_ENCRYPTION_KEY": "ab" * 32})
        for _ in range(2):
            p = subprocess.run([harness.APP, "migrate"], env=env,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("0 migrations applied now", p.stdout)
        after = pg.psql("SELECT string_agg(version::text, ',' ORDER BY version)"
                        " FROM schema_migrations")
        self.assertEqual(before, after)
        tables = pg.psql("SELECT string_agg(table_name, ',' ORDER BY table_name)"
                         " FROM information_schema.tables"
                         " WHERE table_schema = 'public'").split(",")
        for t in ("admin_users", "token_blacklist", "servers", "tools",
                  "tool_versions", "server_secrets", "module_requests",
                  "network_access_requests", "settings", "tool_execution_logs",
                  "activity_logs", "mcp_sessions", "schema_migrations"):
            self.assertIn(t, tables)

    def test_runner_contract(self):
        p = subprocess.run([os.path.join(harness.ROOT, "build", "integration",
                                         "migrate_check"), harness.SHARED["url"]],
                           capture_output=True, text=True, timeout=60)
        print(p.stdout)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 failure(s)", p.stdout)


class ReconnectTest(unittest.TestCase):
    """Own PostgreSQL, so stopping it does not disturb the other tests."""

    def test_ready_follows_database(self):
        pg = harness.Postgres()
        server = None
        try:
            server = harness.Server(pg.start(), workers=2, name="reconnect").start()

            def ready_codes(n):
                return [server.request("GET", "/health/ready")[0] for _ in range(n)]

            self.assertEqual(set(ready_codes(4)), {200})
            pg.stop()
            codes = ready_codes(6)
            self.assertEqual(set(codes), {503}, codes)
            # Liveness does not depend on the database.
            self.assertEqual(server.request("GET", "/health")[0], 200)
            st, _, body = server.json("GET", "/health/ready")
            self.assertEqual(body["status"], "not_ready")
            self.assertFalse(body["checks"]["database"]["ok"])
            pg.start()
            deadline = time.time() + 20
            while time.time() < deadline:
                if set(ready_codes(6)) == {200}:
                    break
                time.sleep(0.2)
            self.assertEqual(set(ready_codes(8)), {200})
            self.assertIsNone(server.proc.poll(), "server died")
        finally:
            if server:
                server.stop()
            pg.destroy()


if __name__ == "__main__":
    unittest.main()
