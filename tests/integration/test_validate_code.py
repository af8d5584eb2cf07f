"""mcpbox_validate_code says whether a tool could run. It used to say
"valid": true for open("/etc/passwd") (a NameError when it runs) and for
code without main ("has_main": false, but valid); a refused import said
only "not allowed". Now: the checks of creation, the names that would
fail at run time, a main, each with line and column, and refusals that
name what to use instead."""
import json
import unittest

import apiclient

ACCEPT = {"Accept": "application/json, text/event-stream"}


class ValidateCodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        h = dict(ACCEPT)
        st, hd, _ = cls.c.server.request("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"}}}, h)
        assert st == 200
        cls.sid = hd["mcp-session-id"]

    def validate(self, code):
        st, _, data = self.c.server.request("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                "name": "mcpbox_validate_code", "arguments": {"code": code}}},
            dict(ACCEPT, **{"Mcp-Session-Id": self.sid}))
        self.assertEqual(st, 200, data)
        r = json.loads(data)["result"]
        self.assertFalse(r["isError"], r)
        return r["structuredContent"]

    def messages(self, v):
        return " | ".join(e["message"] for e in v["errors"])

    def test_a_tool_that_can_run_is_valid(self):
        v = self.validate("import json\n"
                          "def main(city: str) -> dict:\n"
                          "    return json.loads('{}') | {'city': city}\n")
        self.assertTrue(v["valid"], v)
        self.assertTrue(v["has_main"])
        self.assertEqual(v["errors"], [])
        self.assertEqual(v["input_schema"]["required"], ["city"])

    def test_missing_main(self):
        v = self.validate("def helper():\n    return 1\n")
        self.assertFalse(v["valid"], v)
        self.assertFalse(v["has_main"])
        self.assertIn("main()", self.messages(v))

    def test_open_fails_at_run_time(self):
        v = self.validate("def main():\n"
                          "    with open('/etc/passwd') as f:\n"
                          "        return f.read()\n")
        self.assertFalse(v["valid"], v)
        self.assertTrue(v["has_main"])
        e = [e for e in v["errors"] if "'open'" in e["message"]]
        self.assertEqual(len(e), 1, v)
        self.assertEqual((e[0]["line"], e[0]["col"]), (2, 10))
        self.assertIn("no files", e[0]["message"])
        self.assertIn("http", e[0]["message"])

    def test_a_name_the_code_binds_is_no_error(self):
        v = self.validate("def main(input: str = 'x'):\n"
                          "    def open(p):\n        return p\n"
                          "    return open(input)\n")
        self.assertTrue(v["valid"], v)

    def test_unknown_module_names_the_request_tool(self):
        v = self.validate("import numpy\ndef main():\n    return 1\n")
        self.assertFalse(v["valid"], v)
        self.assertIn("mcpbox_request_module", self.messages(v))
        self.assertEqual(v["errors"][0]["line"], 1)

    def test_http_libraries_name_the_http_object(self):
        for code in ("import requests\n", "from urllib.request import urlopen\n",
                     "import socket\n"):
            with self.subTest(code=code):
                v = self.validate(code + "def main():\n    return 1\n")
                self.assertFalse(v["valid"], v)
                m = self.messages(v)
                self.assertIn("http.get(url)", m)
                self.assertIn("mcpbox_request_network_access", m)

    def test_creation_refuses_what_validate_refuses_by_policy(self):
        srv = apiclient.make_server(self.c, "val")
        st, _, data = self.c.server.request("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
                "name": "mcpbox_create_tool", "arguments": {
                    "server_id": srv["id"], "name": "fetch",
                    "python_code": "import requests\ndef main():\n"
                                   "    return 1\n"}}},
            dict(ACCEPT, **{"Mcp-Session-Id": self.sid}))
        r = json.loads(data)["result"]
        self.assertTrue(r["isError"], r)
        self.assertIn("use the http object", r["content"][0]["text"])


if __name__ == "__main__":
    unittest.main()
