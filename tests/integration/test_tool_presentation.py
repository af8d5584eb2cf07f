"""A tool's title, annotations, icons and outputSchema: checked when an
author gives them, reviewed like code, served by tools/list from the
approved version only, derived from main's return annotation when not
given, and held against every result."""
import json
import unittest

import apiclient
import harness
from test_mcp import Probe

ACCEPT = {"Accept": "application/json, text/event-stream"}
ICON = {"src": "https://example.com/icon.png", "mimeType": "image/png",
        "sizes": ["48x48", "any"]}
DATA_ICON = {"src": "data:image/png;base64,iVBORw0KGgo="}
COUNT_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}},
                "required": ["n"], "additionalProperties": False}
WEATHER = ("from typing import TypedDict\n"
           "class Weather(TypedDict):\n    city: str\n    temp: float\n"
           "def main(city: str) -> Weather:\n"
           "    return Weather(city=city, temp=21.5)\n")
POINT = ("from dataclasses import dataclass\n"
         "@dataclass\nclass Point:\n    x: int\n    label: str = ''\n"
         "def main() -> Point:\n    return Point(1)\n")


class ToolPresentationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = apiclient.make_server(cls.c, "pres")
        st, _, b = cls.c.post(f"/api/servers/{cls.srv['id']}/start")
        assert st == 200, b
        cls.base = f"http://localhost:{cls.c.server.port}"
        cls.endpoint = "/mcp/" + cls.srv["name"]

    # -- helpers ---------------------------------------------------------
    def rpc(self, path, method, params, session=None):
        h = dict(ACCEPT)
        if session:
            h["Mcp-Session-Id"] = session
        st, hdrs, data = self.c.server.request("POST", path, {
            "jsonrpc": "2.0", "id": 7, "method": method, "params": params},
            h)
        self.assertEqual(st, 200, data)
        return hdrs, json.loads(data)

    def session(self, path):
        hdrs, _ = self.rpc(path, "initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}})
        return hdrs["mcp-session-id"]

    def mgmt(self, name, args):
        """A management tool's result: (isError, structured or text)."""
        _, b = self.rpc("/mcp", "tools/call", {"name": name,
                        "arguments": args}, self.session("/mcp"))
        r = b["result"]
        return r["isError"], r.get("structuredContent",
                                   r["content"][0]["text"])

    def create(self, **body):
        body.setdefault("name", apiclient.unique("p"))
        body.setdefault("python_code", "def main():\n    return {'n': 1}\n")
        st, _, t = self.c.post(f"/api/servers/{self.srv['id']}/tools", body)
        self.assertEqual(st, 201, t)
        return t

    def approve(self, tid):
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action", {
            "action": "approve",
            "version": harness.reviewed_version(self.c.get, tid)})
        self.assertEqual((st, b["approval_status"]), (200, "approved"), b)

    def listed(self):
        rc, tools, err = Probe(self.base + self.endpoint).run("list")
        self.assertEqual(rc, 0, err)
        return {t["name"]: t for t in tools}

    def call(self, name, args=None):
        _, b = self.rpc(self.endpoint, "tools/call", {
            "name": name, "arguments": args or {}},
            self.session(self.endpoint))
        return b["result"]

    # -- tests -----------------------------------------------------------
    def test_bad_fields_are_refused_with_a_reason(self):
        sid = self.srv["id"]
        for body, field, words in (
                ({"annotations": {"readOnly": True}}, "annotations",
                 "unknown hint \"readOnly\""),
                ({"annotations": {"readOnlyHint": "yes"}}, "annotations",
                 "readOnlyHint must be true or false"),
                ({"annotations": []}, "annotations", "must be an object"),
                ({"icons": [{"src": "http://example.com/a.png"}]}, "icons",
                 "https: URL or a data: URI"),
                ({"icons": [{"src": "javascript:alert(1)"}]}, "icons",
                 "https: URL or a data: URI"),
                ({"icons": [{"src": "data:image/png;base64,@@"}]}, "icons",
                 "data:image/<type>;base64"),
                ({"icons": [{"src": "data:text/html;base64,PGI+"}]},
                 "icons", "data:image/<type>;base64"),
                ({"icons": [dict(ICON, sizes=["big"])]}, "icons",
                 "[0].sizes[0]"),
                ({"icons": [dict(ICON, onload="x")]}, "icons",
                 "unknown member \"onload\""),
                ({"icons": [ICON] * 9}, "icons", "at most 8"),
                ({"title": "t" * 201}, "title", "at most 200"),
                ({"title": 5}, "title", "must be a string"),
                ({"output_schema": {"type": "array"}}, "output_schema",
                 "\"type\": \"object\""),
                ({"output_schema": {"type": "object", "if": {}}},
                 "output_schema", "cannot check")):
            st, _, b = self.c.post(f"/api/servers/{sid}/tools", dict(
                body, name=apiclient.unique("bad"),
                python_code="def main(): pass"))
            self.assertEqual(st, 422, (body, b))
            self.assertIn(words, b["error"]["fields"][field], body)
        # The management tools say the same, naming the field.
        err, text = self.mgmt("mcpbox_create_tool", {
            "server_id": sid, "name": apiclient.unique("bad"),
            "python_code": "def main():\n    return 1\n",
            "annotations": {"readOnlyHint": True, "safe": True}})
        self.assertTrue(err)
        self.assertIn("annotations: unknown hint \"safe\"", text)
        t = self.create()
        err, text = self.mgmt("mcpbox_update_tool", {
            "tool_id": t["id"], "icons": [{"src": "ftp://x/y.png"}]})
        self.assertTrue(err)
        self.assertIn("icons: [0]: src must be an https: URL", text)

    def test_listed_with_its_fields_only_once_approved(self):
        t = self.create(title="Count things", annotations={
            "readOnlyHint": True, "openWorldHint": False},
            icons=[ICON, DATA_ICON], output_schema=COUNT_SCHEMA)
        plain = self.create()
        self.assertNotIn(t["name"], self.listed())
        got = self.c.get(f"/api/tools/{t['id']}")[2]
        self.assertEqual((got["title"], got["icons"]),
                         ("Count things", [ICON, DATA_ICON]))
        self.approve(t["id"])
        self.approve(plain["id"])
        tools = self.listed()
        one = tools[t["name"]]
        self.assertEqual(one["title"], "Count things")
        self.assertEqual(one["annotations"], {"readOnlyHint": True,
                                              "openWorldHint": False})
        self.assertEqual(one["icons"], [ICON, DATA_ICON])
        self.assertEqual(one["outputSchema"], COUNT_SCHEMA)
        # Absent fields are omitted, not null.
        for k in ("title", "annotations", "icons", "outputSchema"):
            self.assertNotIn(k, tools[plain["name"]])

    def test_a_change_of_title_or_annotations_needs_approval_again(self):
        """A hint such as readOnlyHint is a claim clients act on, so an
        approved tool whose title or annotations change goes back to
        review, and tools/list stops serving it until approved. Without
        these fields in the reviewed list of SQL_TOOLS_UPDATE_RESPOND
        this test failed: the PATCH answered approval_status "approved"
        (tools/list still served the approved annotations, since it reads
        the approved version's snapshot, not the live row)."""
        t = self.create(title="Reads", annotations={"readOnlyHint": True})
        self.approve(t["id"])
        st, _, b = self.c.patch(f"/api/tools/{t['id']}", {
            "annotations": {"readOnlyHint": True, "destructiveHint": False}})
        self.assertEqual((st, b["approval_status"]), (200, "pending_review"))
        self.assertNotIn(t["name"], self.listed())
        # The review shows what changed against the approved version.
        st, _, q = self.c.get("/api/approvals/tools?status=pending_review")
        card = [x for x in q["items"] if x["id"] == t["id"]][0]
        self.assertEqual(card["approved"]["annotations"],
                         {"readOnlyHint": True})
        self.assertEqual(card["annotations"], {"readOnlyHint": True,
                                               "destructiveHint": False})
        st, _, v = self.c.get(f"/api/tools/{t['id']}/versions/1")
        self.assertEqual((v["title"], v["annotations"]),
                         ("Reads", {"readOnlyHint": True}))
        self.approve(t["id"])
        self.assertEqual(self.listed()[t["name"]]["annotations"],
                         {"readOnlyHint": True, "destructiveHint": False})
        # The author's tool does the same, for the title; clearing it too.
        for title in ("Writes now", None):
            err, b = self.mgmt("mcpbox_update_tool", {"tool_id": t["id"],
                                                      "title": title})
            self.assertFalse(err, b)
            self.assertEqual((b["approval_status"], b["title"]),
                             ("pending_review", title))
            self.approve(t["id"])
        self.assertNotIn("title", self.listed()[t["name"]])
        # Switching it off stays the admin's and keeps the approval.
        st, _, b = self.c.patch(f"/api/tools/{t['id']}", {"enabled": False})
        self.assertEqual(b["approval_status"], "approved")

    def test_output_schema_derived_from_the_return_annotation(self):
        sid = self.srv["id"]
        err, v = self.mgmt("mcpbox_validate_code", {"code": WEATHER})
        self.assertFalse(err, v)
        want = {"type": "object", "additionalProperties": False,
                "required": ["city", "temp"], "properties": {
                    "city": {"type": "string"},
                    "temp": {"type": "number"}}}
        self.assertEqual(v["output_schema"], want)
        err, t = self.mgmt("mcpbox_create_tool", {
            "server_id": sid, "name": apiclient.unique("weather"),
            "python_code": WEATHER})
        self.assertFalse(err, t)
        self.assertEqual(t["output_schema"], want)
        err, t = self.mgmt("mcpbox_create_tool", {
            "server_id": sid, "name": apiclient.unique("point"),
            "python_code": POINT})
        self.assertFalse(err, t)
        self.assertEqual(t["output_schema"], {
            "type": "object", "additionalProperties": False,
            "required": ["x"], "properties": {
                "x": {"type": "integer"}, "label": {"type": "string"}}})
        # Created through MCP as an LLM would, approved, and run: the
        # instance returned is the structured result its schema describes.
        self.approve(t["id"])
        r = self.call(t["name"])
        self.assertFalse(r["isError"], r)
        self.assertEqual(r["structuredContent"], {"x": 1, "label": ""})
        # mcpbox_get_tool shows it; new code without one derives again.
        err, g = self.mgmt("mcpbox_get_tool", {"tool_id": t["id"]})
        self.assertEqual(g["output_schema"]["required"], ["x"])
        err, u = self.mgmt("mcpbox_update_tool", {
            "tool_id": t["id"],
            "python_code": "def main() -> int:\n    return 1\n"})
        self.assertFalse(err, u)
        self.assertIsNone(u["output_schema"])

    def test_explicit_output_schema_is_kept_verbatim(self):
        given = {"type": "object", "$comment": "as written",
                 "description": "the count", "properties": {
                     "n": {"type": "integer", "minimum": 0,
                           "default": None}},
                 "required": ["n"]}
        err, t = self.mgmt("mcpbox_create_tool", {
            "server_id": self.srv["id"], "name": apiclient.unique("exp"),
            "python_code": WEATHER, "output_schema": given})
        self.assertFalse(err, t)
        self.assertEqual(t["output_schema"], given)   # explicit beats derived
        st, _, v = self.c.get(f"/api/tools/{t['id']}/versions/1")
        self.assertEqual(v["output_schema"], given)

    def test_results_are_held_to_the_output_schema(self):
        ok = self.create(python_code="def main(n: int):\n    return {'n': n}\n",
                         output_schema=COUNT_SCHEMA)
        bad = self.create(python_code="def main():\n    return {'n': 'x'}\n",
                          output_schema=COUNT_SCHEMA)
        text = self.create(python_code="def main():\n    return 'n'\n",
                           output_schema=COUNT_SCHEMA)
        for t in (ok, bad, text):
            self.approve(t["id"])
        r = self.call(ok["name"], {"n": 3})
        self.assertFalse(r["isError"], r)
        self.assertEqual(r["structuredContent"], {"n": 3})
        self.assertEqual(json.loads(r["content"][0]["text"]), {"n": 3})
        r = self.call(bad["name"])
        self.assertTrue(r["isError"], r)
        self.assertIn("does not match the tool's outputSchema", r["content"][0]["text"])
        self.assertIn("n:", r["content"][0]["text"])
        self.assertNotIn("structuredContent", r)
        r = self.call(text["name"])
        self.assertTrue(r["isError"], r)
        self.assertIn("no structured content", r["content"][0]["text"])
        # The SDK client accepts both answers as well-formed MCP.
        probe = Probe(self.base + self.endpoint)
        rc, res, err = probe.call(ok["name"], {"n": 4})
        self.assertEqual((rc, res.get("structuredContent")), (0, {"n": 4}),
                         err)
        rc, res, err = probe.call(bad["name"])   # 2: a result with isError
        self.assertEqual((rc, res.get("isError")), (2, True), err)
        # The execution log records the failure.
        st, _, logs = self.c.get(f"/api/tools/{bad['id']}/logs")
        self.assertFalse(logs["items"][0]["success"])
        self.assertIn("outputSchema", logs["items"][0]["error"])


if __name__ == "__main__":
    unittest.main()
