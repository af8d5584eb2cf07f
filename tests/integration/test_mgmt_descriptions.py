"""The management tools teach a model to write a working tool the first
time: on /mcp every mcpbox_* tool has a description and every parameter
of every inputSchema (nested objects and object items too) has one;
mcpbox_create_tool's says what tool code gets and may not do, and names
the limits with the numbers the code enforces, read here from the
sources the server and the sandbox are built from, so made-up numbers
fail; initialize's instructions walk through the workflow to the panel.
Every mcpbox_* name the texts mention is a tool that exists."""
import json
import os
import re
import unittest

import harness

ACCEPT = {"Accept": "application/json, text/event-stream"}


def source(*path):
    with open(os.path.join(harness.ROOT, *path), encoding="utf-8") as f:
        return f.read()


def c_define(text, name):
    """A #define of a plain number, or of (Nu << S)."""
    m = re.search(r"^#define\s+" + name + r"\s+(\d+)\s*$", text, re.M)
    if m:
        return int(m.group(1))
    m = re.search(r"^#define\s+" + name + r"\s+\((\d+)u\s*<<\s*(\d+)\)",
                  text, re.M)
    assert m, f"{name} not found"
    return int(m.group(1)) << int(m.group(2))


def py_product(text, name):
    """NAME = 64 * 1024 at the top of a Python module."""
    m = re.search(r"^" + name + r"\s*=\s*([\d_ *]+)$", text, re.M)
    assert m, f"{name} not found"
    n = 1
    for f in m.group(1).split("*"):
        n *= int(f.strip().replace("_", ""))
    return n


def config_default(text, var):
    """The default config_opt_long gives an environment variable."""
    m = re.search(r'"' + var + r'",\s*(\w+),\s*(\w+),\s*(\d+)', text)
    assert m, f"{var} not found in core/config.c"
    return int(m.group(3))


def size(n):
    if n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    assert n % 1024 == 0, n
    return f"{n >> 10} KiB"


def limits():
    """What the descriptions must say, from where the code has it."""
    proto = source("src", "core", "sandbox_protocol.h")
    config = source("src", "core", "config.c")
    check = source("sandbox", "harness_check.py")
    sbx = source("sandbox", "sbx.h")
    timeout = config_default(config, "MCPBOX_SANDBOX_TIMEOUT_MS")
    return {
        "timeout default": f"{timeout} ms",
        "timeout min": str(c_define(proto, "SBX_TIMEOUT_MIN_MS")),
        "timeout max": str(c_define(proto, "SBX_TIMEOUT_MAX_MS")),
        "memory": f"{config_default(config, 'MCPBOX_SANDBOX_MEMORY_MB')} MB",
        "result": size(py_product(check, "RESULT_CAP")),
        "stdout": size(py_product(check, "STDOUT_CAP")),
        "code": f"{c_define(proto, 'SBX_CODE_MAX_KIB')} KiB",
        "http time": f"{c_define(sbx, 'SBX_HTTP_TIMEOUT_MS') // 1000} s",
        "http body": size(c_define(sbx, "SBX_HTTP_BODY_MAX")),
        "ask wait": f"{c_define(proto, 'SBX_ASK_WAIT_S')} s",
    }


def default_modules():
    """The allowed_modules setting as migration 0003 installs it."""
    sql = source("src", "db", "migrations", "0003_settings_outbox.sql")
    m = re.search(r"\('allowed_modules',\s*'(\[.*?\])'\)", sql, re.S)
    assert m, "allowed_modules not found in migration 0003"
    return json.loads(m.group(1))


def table_names():
    """The management tools the table in src/mcp defines."""
    names = set()
    for f in os.listdir(os.path.join(harness.ROOT, "src", "mcp")):
        if f.startswith("mgmt") and f.endswith(".c"):
            names |= set(re.findall(r'^\t\{ "(mcpbox_\w+)"',
                                    source("src", "mcp", f), re.M))
    assert names, "no management tool table found"
    return names


def undescribed(schema, path):
    """Paths of properties without a description, nested ones too."""
    out = []
    if not isinstance(schema, dict):
        return out
    for name, prop in (schema.get("properties") or {}).items():
        here = f"{path}.{name}"
        d = prop.get("description") if isinstance(prop, dict) else None
        if not isinstance(d, str) or not d.strip():
            out.append(here)
        out += undescribed(prop, here)
    items = schema.get("items")
    if isinstance(items, dict):
        out += undescribed(items, path + "[]")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += undescribed(extra, path + "{}")
    return out


class MgmtDescriptionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.SHARED["server"]
        h, b = cls.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"protocolVersion": "2025-06-18",
                                    "capabilities": {},
                                    "clientInfo": {"name": "t",
                                                   "version": "1"}}})
        cls.init = b["result"]
        cls.session = h["mcp-session-id"]
        cls.post({"jsonrpc": "2.0", "method": "notifications/initialized"},
                 cls.session)
        tools, cursor = [], None
        while True:
            params = {"cursor": cursor} if cursor else {}
            _, b = cls.post({"jsonrpc": "2.0", "id": 2,
                             "method": "tools/list", "params": params},
                            cls.session)
            tools += b["result"]["tools"]
            cursor = b["result"].get("nextCursor")
            if not cursor:
                break
        cls.mgmt = {t["name"]: t for t in tools
                    if t["name"].startswith("mcpbox_")}

    @classmethod
    def post(cls, msg, session=None):
        h = dict(ACCEPT)
        if session:
            h["Mcp-Session-Id"] = session
        st, hdrs, data = cls.server.request("POST", "/mcp", msg, h,
                                            timeout=30)
        assert st in (200, 202), (st, data)
        return hdrs, json.loads(data) if data else None

    def create_tool(self):
        return self.mgmt["mcpbox_create_tool"]["description"]

    def test_every_management_tool_is_listed_with_a_description(self):
        self.assertEqual(set(self.mgmt), table_names())
        for name, t in self.mgmt.items():
            self.assertIsInstance(t.get("description"), str, name)
            self.assertGreater(len(t["description"].strip()), 20, name)

    def test_every_parameter_has_a_description(self):
        missing = []
        for name, t in sorted(self.mgmt.items()):
            self.assertEqual(t["inputSchema"].get("type"), "object", name)
            missing += undescribed(t["inputSchema"], name)
        self.assertEqual(missing, [], "parameters without a description")

    def test_create_tool_says_what_code_gets(self):
        d = self.create_tool()
        for word in ("def main(", "main(**arguments)", "http.get",
                     "http.request(", ".status", ".json()", "HttpError",
                     "mcpbox_request_network_access", "https", "secrets",
                     "read-only", "mcpbox_create_server_secret", "panel",
                     "structuredContent", "str", "dict", "list", "None",
                     "isError", "mcp.image(", "mcp.content(",
                     "mcpbox_request_module", "mcpbox_get_server_modules",
                     "print()", "mcpbox_get_tool_logs", "open()",
                     "subprocess", "socket", "requests", "Optional[X]",
                     "Literal[", "TypedDict", "total=False", "NotRequired",
                     "default", "**kwargs", "docstring"):
            self.assertIn(word, d)
        for m in default_modules():
            self.assertRegex(d, r"\b" + re.escape(m) + r"\b", m)

    def test_create_tool_gives_the_limits_the_code_enforces(self):
        d = self.create_tool()
        for what, text in limits().items():
            self.assertRegex(d, r"(?<![\d.])" + re.escape(text), what)
        self.assertIn("MCPBOX_SANDBOX_TIMEOUT_MS", d)
        # One solid paragraph, not a manual: it is read on every list.
        self.assertLess(len(d), 4500)

    def test_timeout_parameter_matches_its_bounds(self):
        lim = limits()
        p = self.mgmt["mcpbox_update_tool"]["inputSchema"]["properties"][
            "timeout_ms"]
        self.assertEqual((str(p["minimum"]), str(p["maximum"])),
                         (lim["timeout min"], lim["timeout max"]))
        for key in ("timeout default", "timeout max"):
            self.assertIn(lim[key], p["description"])
        code = self.mgmt["mcpbox_create_tool"]["inputSchema"]["properties"][
            "python_code"]["description"]
        self.assertIn(lim["code"], code)

    def test_instructions_walk_through_the_workflow(self):
        ins = self.init.get("instructions", "")
        for word in ("mcpbox_create_server", "mcpbox_create_tool",
                     "mcpbox_validate_code", "mcpbox_request_publish",
                     "panel", "mcpbox_start_server", "{server}__{tool}",
                     "mcpbox_request_module", "mcpbox_request_network_access",
                     "mcpbox_create_server_secret", "placeholder"):
            self.assertIn(word, ins)
        # In that order: publish, the admin's approval, then the call.
        self.assertLess(ins.index("mcpbox_create_tool"),
                        ins.index("mcpbox_request_publish"))
        self.assertLess(ins.index("mcpbox_request_publish"),
                        ins.index("{server}__{tool}"))

    def test_every_tool_named_exists(self):
        texts = [self.init.get("instructions", "")]
        for t in self.mgmt.values():
            texts.append(t["description"])
            texts.append(json.dumps(t["inputSchema"]))
        named = set(re.findall(r"mcpbox_[a-z_]*[a-z]", " ".join(texts)))
        self.assertEqual(named - set(self.mgmt), set())


if __name__ == "__main__":
    unittest.main()
