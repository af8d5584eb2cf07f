"""Settings: security policy (keys and ranges of migration 0003, merge,
unknown keys refused) and the module allow-list (add, remove, reset,
names that can never be allowed)."""
import unittest

import apiclient

POLICY = "/api/settings/security-policy"
MODULES = "/api/settings/modules"


class PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()

    def test_get_and_merge(self):
        st, _, p = self.c.get(POLICY)
        self.assertEqual(st, 200)
        self.assertEqual(set(p), {"tool_approval_mode", "module_approval_mode",
                                  "remote_tool_editing", "mcp_rate_limit_rpm",
                                  "log_retention_days",
                                  "local_requires_token"})
        st, _, p2 = self.c.patch(POLICY, {"log_retention_days": 45})
        self.assertEqual(st, 200)
        self.assertEqual(p2["log_retention_days"], 45)
        self.assertEqual(p2["tool_approval_mode"], p["tool_approval_mode"])
        self.assertEqual(self.c.get(POLICY)[2], p2)
        st, _, logs = self.c.get("/api/activity/logs?log_type=audit&q="
                                 "security+policy&page_size=1")
        d = logs["items"][0]["details"]
        self.assertEqual(d["changes"], {"log_retention_days": 45})
        self.assertEqual(d["previous"],
                         {"log_retention_days": p["log_retention_days"]})
        self.c.patch(POLICY, {"log_retention_days":
                              p["log_retention_days"]})

    def test_validation(self):
        for body, field in (({"tool_approval_mode": "sometimes"},
                             "tool_approval_mode"),
                            ({"remote_tool_editing": True},
                             "remote_tool_editing"),
                            ({"mcp_rate_limit_rpm": 9}, "mcp_rate_limit_rpm"),
                            ({"mcp_rate_limit_rpm": 10001},
                             "mcp_rate_limit_rpm"),
                            ({"log_retention_days": 0}, "log_retention_days"),
                            ({"log_retention_days": "30"},
                             "log_retention_days"),
                            ({"network_access_policy": "allow_all_public"},
                             "network_access_policy"),
                            ({}, "body")):
            st, _, b = self.c.patch(POLICY, body)
            self.assertEqual(st, 422, body)
            self.assertIn(field, b["error"]["fields"])
        st, _, p = self.c.patch(POLICY, {"mcp_rate_limit_rpm": 10000,
                                         "module_approval_mode":
                                         "auto_approve"})
        self.assertEqual(st, 200)
        self.c.patch(POLICY, {"mcp_rate_limit_rpm": 300,
                              "module_approval_mode": "require_approval"})

    def test_auth_required(self):
        for m, p in (("GET", POLICY), ("PATCH", POLICY), ("GET", MODULES),
                     ("PATCH", MODULES)):
            apiclient.assert_auth_required(self, m, p)


class ModulesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()

    def test_add_remove_reset(self):
        st, _, m = self.c.get(MODULES)
        self.assertEqual(st, 200)
        self.assertEqual(sorted(m["allowed_modules"]), sorted(m["defaults"]))
        self.assertNotIn("asyncio", m["defaults"])
        self.assertNotIn("operator", m["defaults"])
        st, _, m2 = self.c.patch(MODULES, {"add": ["yaml", "dateutil.parser"],
                                           "remove": ["json"]})
        self.assertEqual(st, 200)
        self.assertIn("yaml", m2["allowed_modules"])
        self.assertIn("dateutil.parser", m2["allowed_modules"])
        self.assertNotIn("json", m2["allowed_modules"])
        st, _, m3 = self.c.patch(MODULES, {"reset": True})
        self.assertEqual(sorted(m3["allowed_modules"]), sorted(m["defaults"]))

    def test_refused_modules(self):
        for name in ("os", "sys", "subprocess", "builtins", "importlib",
                     "ctypes", "asyncio", "operator", "socket", "os.path",
                     "importlib.util"):
            st, _, b = self.c.patch(MODULES, {"add": ["yaml", name]})
            self.assertEqual(st, 422, name)
            self.assertIn(name, b["error"]["fields"]["add"])
        st, _, m = self.c.get(MODULES)
        self.assertNotIn("yaml", m["allowed_modules"])

    def test_validation(self):
        for body, field in (({"add": ["bad-name"]}, "add"),
                            ({"add": ["1abc"]}, "add"),
                            ({"add": ["a..b"]}, "add"),
                            ({"add": ["x" * 129]}, "add"),
                            ({"add": "json"}, "add"),
                            ({"remove": [5]}, "remove"),
                            ({"reset": True, "add": ["yaml"]}, "reset"),
                            ({"reset": "yes"}, "reset"),
                            ({"other": 1}, "other"),
                            ({}, "body")):
            st, _, b = self.c.patch(MODULES, body)
            self.assertEqual(st, 422, body)
            self.assertIn(field, b["error"]["fields"], body)


if __name__ == "__main__":
    unittest.main()
