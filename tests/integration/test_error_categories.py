"""Every isError result of a tool call says, machine-readably, what kind
of failure it was (_meta["mcpbox/error"]["category"]: validation,
timeout, memory, output, network, tool_error, sandbox) and, in the text
the model reads and in the hint, what to change, with the numbers this
call ran under. Before, every failure was the same isError text and a
model could not tell its own bug from a limit, an unapproved host or a
broken sandbox. (The sandbox category is asserted in test_ops_circuit,
which breaks the sandbox.)"""
import time
import unittest

import apiclient

TOOLS = {
    # Arguments that fit the approved schema but not main(): the code's
    # side of validation (the schema's side is -32602, test_argument_checks).
    "sig": ("def main(a: str) -> str:\n    return a\n",
            {"input_schema": {"type": "object",
                              "properties": {"b": {"type": "string"}}}}),
    "slow": ("def main() -> int:\n    n = 0\n    while True:\n"
             "        n += 1\n", {"timeout_ms": 300}),
    "hog": ("def main() -> int:\n    x = 'a' * (1 << 34)\n"
            "    return len(x)\n", {}),
    "big": ("def main() -> str:\n    return 'a' * (2 << 20)\n", {}),
    "shape": ("def main() -> dict:\n    return {'n': 'not a number'}\n",
              {"output_schema": {"type": "object", "required": ["n"],
                                 "properties": {"n": {"type": "integer"}}}}),
    "net": ("def main() -> str:\n"
            "    return http.get('https://api.example.com:8443/x').text\n",
            {}),
    "bug": ("def main() -> str:\n    raise ValueError('no such city')\n", {}),
}


class ErrorCategoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = apiclient.make_server(cls.c, "errs")
        cls.names, cls.ids = {}, {}
        for key, (code, extra) in TOOLS.items():
            body = {"name": f"{key}_{apiclient.unique('t')}",
                    "python_code": code, **extra}
            st, _, t = cls.c.post(f"/api/servers/{cls.srv['id']}/tools", body)
            assert st == 201, t
            apiclient.approve_tool(cls.c, t["id"])
            cls.names[key] = f"{cls.srv['name']}__{t['name']}"
            cls.ids[key] = t["id"]
        st, _, b = cls.c.post(f"/api/servers/{cls.srv['id']}/start")
        assert st == 200, b
        cls.session = apiclient.mcp_session(cls.c)

    def call(self, key, args=None):
        b, _ = apiclient.mcp_rpc(self.c, "tools/call", {
            "name": self.names[key], "arguments": args or {}}, self.session)
        res = b["result"]
        self.assertTrue(res["isError"], res)
        err = res["_meta"]["mcpbox/error"]
        return err["category"], res["content"][0]["text"], err.get("hint")

    def test_validation(self):
        cat, text, hint = self.call("sig", {"b": "x"})
        self.assertEqual(cat, "validation", text)
        self.assertIn("arguments do not match main()", text)
        self.assertIn("inputSchema", hint)
        self.assertIn("What to change: " + hint, text)

    def test_timeout_names_the_limit_it_ran_under(self):
        cat, text, hint = self.call("slow")
        self.assertEqual(cat, "timeout", text)
        self.assertIn("could run 300 ms", hint)
        self.assertIn("timeout_ms", hint)

    def test_memory_names_the_limit(self):
        cat, text, hint = self.call("hog")
        self.assertEqual(cat, "memory", text)
        self.assertRegex(hint, r"\b\d+ MB of memory")

    def test_output_too_big_and_output_schema(self):
        cat, text, _ = self.call("big")
        self.assertEqual(cat, "output", text)
        self.assertIn("1 MiB", text)
        cat, text, _ = self.call("shape")
        self.assertEqual(cat, "output", text)
        self.assertIn("outputSchema", text)

    def test_network_names_the_host_to_request(self):
        cat, text, hint = self.call("net")
        self.assertEqual(cat, "network", text)
        self.assertIn("HttpError", text)
        self.assertIn("'api.example.com' port 8443", text)
        self.assertIn("mcpbox_request_network_access", hint)

    def test_tool_error(self):
        cat, text, hint = self.call("bug")
        self.assertEqual(cat, "tool_error", text)
        self.assertIn("ValueError: no such city", text)
        self.assertIn("mcpbox_update_tool", hint)

    def test_log_keeps_the_error_without_the_hint(self):
        """The execution log holds what failed, not the advice."""
        self.call("bug")
        rows = []
        for _ in range(50):
            st, _, logs = self.c.get(f"/api/tools/{self.ids['bug']}/logs")
            self.assertEqual(st, 200, logs)
            rows = logs["items"]
            if rows:
                break
            time.sleep(0.1)
        self.assertTrue(rows)
        self.assertIn("ToolError: ValueError: no such city", rows[0]["error"])
        self.assertNotIn("What to change", rows[0]["error"])

    def test_management_refusal_is_validation(self):
        b, _ = apiclient.mcp_rpc(self.c, "tools/call", {
            "name": "mcpbox_get_server", "arguments": {
                "server_id": "00000000-0000-0000-0000-000000000000"}},
            self.session)
        res = b["result"]
        self.assertTrue(res["isError"], res)
        self.assertEqual(res["_meta"]["mcpbox/error"]["category"],
                         "validation")


if __name__ == "__main__":
    unittest.main()
