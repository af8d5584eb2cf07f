"""Type hints a tool's main declares are the schema its calls are held to.
Literal["metric", "imperial"] used to give an input schema that said
nothing of the parameter ({}), and a parameter annotated with a TypedDict
of the code was text, so the approved schema let any units through and
refused the very object the code wanted. Now the signature gives an enum
and a nested object with its own required members, stored with the tool
when mcpbox_create_tool makes it; a value outside the enum or an object
missing a member is JSON-RPC -32602 and never runs."""
import unittest

import apiclient

CODE = ("from typing import Literal, TypedDict\n"
        "class Where(TypedDict):\n    lat: float\n    lon: float\n"
        "class Stop(TypedDict, total=False):\n"
        "    kind: Literal['park', 'lake']\n    at: Where\n"
        "def main(units: Literal['metric', 'imperial'], where: Where,\n"
        "         stops: list[Stop] = [],\n"
        "         mode: Literal['fast', 'slow'] | None = None) -> str:\n"
        "    return units + ' ' + str(where['lat']) + ' ' + "
        "str(len(stops)) + ' ' + str(mode)\n")
WHERE = {"type": "object", "additionalProperties": False,
         "required": ["lat", "lon"],
         "properties": {"lat": {"type": "number"},
                        "lon": {"type": "number"}}}


class HintSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = apiclient.make_server(cls.c, "hints")
        cls.sid = apiclient.mcp_session(cls.c)
        r = cls.tool_call("mcpbox_create_tool", {
            "server_id": cls.srv["id"], "name": apiclient.unique("trip"),
            "python_code": CODE})
        assert not r["isError"], r
        cls.created = r["structuredContent"]
        apiclient.approve_tool(cls.c, cls.created["id"])
        st, _, b = cls.c.post(f"/api/servers/{cls.srv['id']}/start")
        assert st == 200, b
        cls.name = f"{cls.srv['name']}__{cls.created['name']}"

    @classmethod
    def tool_call(cls, name, args):
        """tools/call: its result, or the JSON-RPC error body."""
        b, _ = apiclient.mcp_rpc(cls.c, "tools/call", {
            "name": name, "arguments": args}, cls.sid)
        return b.get("result", b)

    def call(self, args):
        return self.tool_call(self.name, args)

    def logged(self, at_least=0):
        return apiclient.tool_logs_total(self.c, self.created["id"], at_least)

    def test_stored_schema_has_the_enum_and_the_object(self):
        st, _, t = self.c.get(f"/api/tools/{self.created['id']}")
        self.assertEqual(st, 200, t)
        for schema in (self.created["input_schema"], t["input_schema"]):
            p = schema["properties"]
            self.assertEqual(p["units"], {"enum": ["metric", "imperial"],
                                          "type": "string"})
            self.assertEqual(p["where"], WHERE)
            self.assertEqual(p["stops"]["items"], {
                "type": "object", "additionalProperties": False,
                "required": [], "properties": {
                    "kind": {"enum": ["park", "lake"], "type": "string"},
                    "at": WHERE}})
            self.assertEqual(p["mode"]["enum"], ["fast", "slow", None])
            self.assertEqual(schema["required"], ["units", "where"])

    def test_matching_arguments_run(self):
        before = self.logged()
        r = self.call({"units": "imperial", "where": {"lat": 1.5, "lon": 2},
                       "stops": [{"kind": "lake"}], "mode": None})
        self.assertFalse(r["isError"], r)
        self.assertEqual(r["content"][0]["text"], "imperial 1.5 1 None")
        self.assertEqual(self.logged(before + 1), before + 1)

    def test_values_outside_the_hints_never_run(self):
        before = self.logged()
        where = {"lat": 1, "lon": 2}
        cases = (
            ({"units": "kelvin", "where": where}, "units"),
            ({"units": "metric", "where": {"lat": 1}}, "lon"),
            ({"units": "metric", "where": dict(where, alt=3)}, "alt"),
            ({"units": "metric", "where": where,
              "stops": [{"kind": "sea"}]}, "kind"),
            ({"units": "metric", "where": where, "mode": "warp"}, "mode"),
        )
        for args, names in cases:
            with self.subTest(args=args):
                apiclient.assert_refused_arguments(self, self.call(args),
                                                   names)
        self.assertEqual(self.logged(), before)

    def test_validate_code_gives_the_same_schema(self):
        r = self.tool_call("mcpbox_validate_code", {"code": CODE})
        self.assertFalse(r["isError"], r)
        self.assertEqual(r["structuredContent"]["input_schema"],
                         self.created["input_schema"])


if __name__ == "__main__":
    unittest.main()
