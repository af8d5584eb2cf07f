"""Arguments are checked against the tool's approved input schema before
any code runs. A mismatch used to run the code anyway ({"city": 42} came
back as AttributeError: 'int' object has no attribute 'title', counted as
a tool failure and feeding the error-rate alert); now it is JSON-RPC
-32602 naming the argument and what was expected, and no run, no failure
and no execution log entry come of it."""
import unittest

import apiclient

CODE = ("def main(city: str, units: str = 'metric', days: int = 1,\n"
        "         where: dict | None = None) -> str:\n"
        "    return city.title() + ' ' + units + ' ' + str(days)\n")
# The schema an author gave (reviewed with the code): an enum, bounds, a
# nested object with its own required members, no other members.
SCHEMA = {"type": "object", "additionalProperties": False,
          "required": ["city"], "properties": {
              "city": {"type": "string"},
              "units": {"enum": ["metric", "imperial"]},
              "days": {"type": "integer", "minimum": 1, "maximum": 14},
              "where": {"type": "object", "required": ["lat", "lon"],
                        "properties": {"lat": {"type": "number"},
                                       "lon": {"type": "number"}}}}}


class ArgumentCheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = apiclient.make_server(cls.c, "args")
        cls.tool = cls.mcp_tool(cls.srv["id"])
        apiclient.approve_tool(cls.c, cls.tool["id"])
        st, _, b = cls.c.post(f"/api/servers/{cls.srv['id']}/start")
        assert st == 200, b
        cls.name = f"{cls.srv['name']}__{cls.tool['name']}"

    @classmethod
    def rpc(cls, method, params, session=None):
        b, hdrs = apiclient.mcp_rpc(cls.c, method, params, session)
        return hdrs, b

    @classmethod
    def session(cls):
        return apiclient.mcp_session(cls.c)

    @classmethod
    def mcp_tool(cls, server_id):
        st, _, t = cls.c.post(f"/api/servers/{server_id}/tools", {
            "name": apiclient.unique("w"), "python_code": CODE,
            "input_schema": SCHEMA})
        assert st == 201, t
        return t

    def call(self, args):
        _, b = self.rpc("tools/call", {"name": self.name, "arguments": args},
                        self.session())
        return b

    def logged(self, at_least=0):
        return apiclient.tool_logs_total(self.c, self.tool["id"], at_least)

    def test_valid_arguments_run(self):
        before = self.logged()
        b = self.call({"city": "oslo", "units": "imperial", "days": 2,
                       "where": {"lat": 59.9, "lon": 10.7}})
        self.assertFalse(b["result"]["isError"], b)
        self.assertEqual(b["result"]["content"][0]["text"],
                         "Oslo imperial 2")
        self.assertEqual(self.logged(before + 1), before + 1)

    def test_mismatches_are_invalid_params_and_never_run(self):
        before = self.logged()
        cases = (
            ({"city": 42}, "city: expected a string"),
            ({}, "city"),
            ({"city": "oslo", "colour": "red"}, "colour"),
            ({"city": "oslo", "units": "kelvin"}, "units"),
            ({"city": "oslo", "days": "two"}, "days"),
            ({"city": "oslo", "days": 40}, "days"),
            ({"city": "oslo", "where": {"lat": "north", "lon": 1}},
             "where"),
            ({"city": "oslo", "where": {"lat": 1}}, "lon"),
        )
        for args, names in cases:
            with self.subTest(args=args):
                apiclient.assert_refused_arguments(self, self.call(args),
                                                   names)
        # Nothing ran: no log entry, so no failure to count either.
        self.assertEqual(self.logged(), before)

    def test_test_code_checks_the_same(self):
        _, b = self.rpc("tools/call", {"name": "mcpbox_test_code",
                                       "arguments": {
                                           "tool_id": self.tool["id"],
                                           "arguments": {"city": 42}}},
                        self.session())
        self.assertTrue(b["result"]["isError"], b)
        self.assertIn("city: expected a string",
                      b["result"]["content"][0]["text"])

    def test_a_schema_silent_on_extra_members_allows_them(self):
        """A tool made through REST keeps the schema it was given; where
        that schema says nothing of other members, they are allowed, as
        JSON Schema reads it."""
        st, _, t = self.c.post(f"/api/servers/{self.srv['id']}/tools", {
            "name": apiclient.unique("r"),
            "python_code": "def main(**kw):\n    return len(kw)\n",
            "input_schema": {"type": "object", "properties": {
                "a": {"type": "integer"}}}})
        self.assertEqual(st, 201, t)
        apiclient.approve_tool(self.c, t["id"])
        name = f"{self.srv['name']}__{t['name']}"
        _, b = self.rpc("tools/call", {"name": name, "arguments": {
            "a": 1, "b": 2}}, self.session())
        self.assertEqual(b["result"]["content"][0]["text"], "2", b)
        _, b = self.rpc("tools/call", {"name": name, "arguments": {
            "a": "x"}}, self.session())
        self.assertEqual(b["error"]["code"], -32602, b)


if __name__ == "__main__":
    unittest.main()
