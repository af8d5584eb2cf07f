"""Package installation for approved module requests: a pure-Python wheel
the test builds is resolved to a version as soon as it is requested (the
review shows it), installed from MCPBOX_PIP_FIND_LINKS pinned to exactly
that version once an admin approves, the sandbox is reloaded with it
activated, and a tool importing it runs; a package that ships only an sdist
cannot be resolved, so it cannot be approved (its setup.py never runs).
Auto-approve covers the standard library only, and a package's import-time
code runs as the sandbox uid under seccomp, never before the approval."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

import apiclient
import harness
from test_mcp import Probe

sys.path.insert(0, os.path.join(harness.ROOT, "tests", "sandbox"))
from wheels import PROOF_INIT, build_sdist, build_wheel  # noqa: E402


CODE = ("import mcpboxdemo\n\n"
        "def main(who: str) -> str:\n"
        "    return mcpboxdemo.greet(who)\n")


class PackagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.tmp = tempfile.mkdtemp(prefix="wheels-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        os.chmod(cls.tmp, 0o755)
        cls.marker = os.path.join(cls.tmp, "SETUP_PY_RAN")
        build_wheel(cls.tmp)
        build_sdist(cls.tmp, cls.marker)
        cls.proofdir = tempfile.mkdtemp(prefix="proof-")
        cls.addClassCleanup(shutil.rmtree, cls.proofdir, ignore_errors=True)
        os.chmod(cls.proofdir, 0o777)
        build_wheel(cls.tmp, "mcpboxproof", "1.0",
                    init=PROOF_INIT.replace("PROOF", cls.proofdir))
        cls.pg, cls.srv = apiclient.fresh_stack(
            workers=1, env={"MCPBOX_PIP_FIND_LINKS": cls.tmp}, name="packages")
        cls.addClassCleanup(apiclient.stop_stack, cls.pg, cls.srv)
        cls.c = apiclient.Client(cls.srv).setup()
        cls.probe = Probe(f"http://localhost:{cls.srv.port}/mcp")
        cls.pkgdir = os.path.join(cls.srv.run_dir, "sandbox", "packages")

    def request(self, tool_id, module):
        rc, res, err = self.probe.call("mcpbox_request_module", {
            "tool_id": tool_id, "module_name": module,
            "justification": "the tool needs it"})
        self.assertEqual(rc, 0, (res, err))
        return self.wait_resolved(tool_id, module)

    def wait_resolved(self, tool_id, module, timeout=60):
        """The pending request once its version is resolved (or not)."""
        deadline = time.time() + timeout
        while True:
            st, _, body = self.c.get("/api/approvals/modules?status=all")
            self.assertEqual(st, 200, body)
            req = [r for r in body["items"] if r["module_name"] == module
                   and r["tool_id"] == tool_id][0]
            if req["resolve_status"] not in ("pending", "resolving") or \
                    time.time() > deadline:
                return req
            time.sleep(0.3)

    def request_and_approve(self, tool_id, module):
        req = self.request(tool_id, module)
        st, _, body = self.c.post(f"/api/approvals/modules/{req['id']}/action",
                                  {"action": "approve"})
        self.assertEqual(st, 200, body)
        self.assertIn(body["install_status"], ("not_required", "pending", "installing",
                                               "installed", "failed"))
        return body

    def wait_install(self, module, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, _, body = self.c.get("/api/approvals/modules?status=approved")
            r = [x for x in body["items"] if x["module_name"] == module][0]
            if r["install_status"] in ("installed", "failed"):
                return r
            time.sleep(0.5)
        self.fail(f"{module} never finished installing: {r}")

    def call_until_served(self, name, args):
        # The reload restarts the supervisor: retry until it serves again.
        deadline = time.time() + 30
        while True:
            rc, res, err = self.probe.call(name, args)
            if rc == 0 or time.time() > deadline:
                return rc, res, err
            time.sleep(0.5)

    def test_01_wheel_installs_pinned_and_tool_imports_it(self):
        s = apiclient.make_server(self.c, "pkg")
        st, _, tool = self.c.post(f"/api/servers/{s['id']}/tools",
                                  {"name": "greet", "python_code": CODE})
        self.assertEqual(st, 201, tool)
        req = self.request(tool["id"], "mcpboxdemo")
        # The review shows the exact distribution and version, before
        # anything is installed.
        self.assertEqual((req["resolve_status"], req["install_package"],
                          req["resolved_version"], req["install_status"]),
                         ("resolved", "mcpboxdemo", "1.0", None), req)
        # A newer wheel appears between review and approval: the approval
        # still installs what was reviewed.
        newer = build_wheel(self.tmp, version="2.0")
        try:
            st, _, body = self.c.post(
                f"/api/approvals/modules/{req['id']}/action", {"action": "approve"})
            self.assertEqual(st, 200, body)
            r = self.wait_install("mcpboxdemo")
        finally:
            os.unlink(newer)
        self.assertEqual(r["install_status"], "installed", r)
        self.assertEqual(r["installed_version"], "1.0")
        self.assertIn("installed mcpboxdemo-1.0", r["install_message"])
        self.c.post(f"/api/approvals/tools/{tool['id']}/action", {
            "action": "approve",
            "version": harness.reviewed_version(self.c.get, tool["id"])})
        self.c.post(f"/api/servers/{s['id']}/start")
        rc, res, err = self.call_until_served(f"{s['name']}__greet", {"who": "box"})
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("hello box", res["content"][0]["text"])

    def test_02_sdist_only_cannot_be_approved(self):
        before = set(os.listdir(self.pkgdir))
        s = apiclient.make_server(self.c, "pkg")
        tool = apiclient.make_tool(self.c, s["id"])
        req = self.request(tool["id"], "evilpkg")
        self.assertEqual(req["resolve_status"], "failed", req)
        self.assertIn("evilpkg cannot be installed", req["resolve_message"])
        self.assertIn("binary wheels", req["resolve_message"])
        st, _, body = self.c.post(f"/api/approvals/modules/{req['id']}/action",
                                  {"action": "approve"})
        self.assertEqual(st, 409, body)
        self.assertEqual(body["error"]["code"], "not_resolved", body)
        self.assertIn("binary wheels", body["error"]["message"])
        self.assertFalse(os.path.exists(self.marker), "setup.py ran")
        self.assertEqual(set(os.listdir(self.pkgdir)), before)

    def refused_at_request(self, tool_id, module):
        rc, res, err = self.probe.call("mcpbox_request_module", {
            "tool_id": tool_id, "module_name": module,
            "justification": "the tool needs it"})
        self.assertNotEqual(rc, 0, (res, err))
        st, _, body = self.c.get(f"/api/approvals/modules?status=all&search={module}")
        self.assertFalse([r for r in body["items"] if r["tool_id"] == tool_id],
                         body)
        return res["content"][0]["text"]

    def test_03_stdlib_needs_no_install(self):
        # An offered module the admin took off the global list can be
        # asked for again; one the sandbox does not load cannot.
        st, _, body = self.c.patch("/api/settings/modules",
                                   {"remove": ["random"]})
        self.assertEqual(st, 200, body)
        try:
            s = apiclient.make_server(self.c, "pkg")
            tool = apiclient.make_tool(self.c, s["id"])
            body = self.request_and_approve(tool["id"], "random")
            self.assertEqual(body["install_status"], "not_required", body)
            why = self.refused_at_request(tool["id"], "fnmatch")
            self.assertIn("does not offer this standard-library module", why)
            self.assertIn("json", why)
        finally:
            self.c.patch("/api/settings/modules", {"add": ["random"]})

    def test_04_auto_approve_covers_the_standard_library_only(self):
        st, _, body = self.c.patch("/api/settings/security-policy",
                                   {"module_approval_mode": "auto_approve"})
        self.assertEqual(st, 200, body)
        self.c.patch("/api/settings/modules", {"remove": ["random"]})
        try:
            s = apiclient.make_server(self.c, "pkg")
            tool = apiclient.make_tool(self.c, s["id"])
            std = self.request(tool["id"], "random")
            self.assertEqual(std["status"], "approved", std)
            pkg = self.request(tool["id"], "mcpboxdemo")
            self.assertEqual((pkg["status"], pkg["install_status"]),
                             ("pending", None), pkg)
            self.assertEqual(pkg["resolved_version"], "1.0", pkg)
            # Never approved, not even automatically: refused outright.
            why = self.refused_at_request(tool["id"], "subprocess")
            self.assertIn("can never be allowed", why)
        finally:
            self.c.patch("/api/settings/security-policy",
                         {"module_approval_mode": "require_approval"})
            self.c.patch("/api/settings/modules", {"add": ["random"]})

    def test_05_package_code_runs_as_the_sandbox_uid_after_approval(self):
        proof = os.path.join(self.proofdir, "proof.txt")
        s = apiclient.make_server(self.c, "pkg")
        st, _, tool = self.c.post(f"/api/servers/{s['id']}/tools", {
            "name": "ping", "python_code": "import mcpboxproof\n\n"
            "def main() -> str:\n    return mcpboxproof.ping()\n"})
        self.assertEqual(st, 201, tool)
        req = self.request(tool["id"], "mcpboxproof")
        self.assertEqual((req["resolve_status"], req["resolved_version"]),
                         ("resolved", "1.0"), req)
        # Resolving ran none of the package's code.
        self.assertFalse(os.path.exists(proof), "package code ran before approval")
        st, _, body = self.c.post(f"/api/approvals/modules/{req['id']}/action",
                                  {"action": "approve"})
        self.assertEqual(st, 200, body)
        r = self.wait_install("mcpboxproof")
        self.assertEqual((r["install_status"], r["installed_version"]),
                         ("installed", "1.0"), r)
        self.c.post(f"/api/approvals/tools/{tool['id']}/action", {
            "action": "approve",
            "version": harness.reviewed_version(self.c.get, tool["id"])})
        self.c.post(f"/api/servers/{s['id']}/start")
        rc, res, err = self.call_until_served(f"{s['name']}__ping", {})
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("pong", res["content"][0]["text"])
        with open(proof) as f:
            lines = f.read().split("\n")
        if os.geteuid() == 0:
            self.assertIn("uid=65534", lines)
        self.assertIn("can_read_shadow=False", lines)
        self.assertIn("Seccomp:2", lines)
        self.assertIn("NoNewPrivs:1", lines)
        self.assertIn("subprocess=refused", lines)

    def test_06_code_is_checked_against_the_modules_it_will_get(self):
        """Validation through MCP uses the list a call gets. It used the
        sandbox's built-in defaults: code importing a package approved for
        its tool could not be saved (import of 'mcpboxdemo' is not
        allowed), and a module the admin took off the allowlist passed."""
        s = apiclient.make_server(self.c, "pkg")
        tool = apiclient.make_tool(self.c, s["id"])
        self.request_and_approve(tool["id"], "mcpboxdemo")
        self.assertEqual(self.wait_install("mcpboxdemo")["install_status"],
                         "installed")
        new = CODE + "\n# second version\n"
        rc, res, err = self.call_until_served("mcpbox_validate_code", {
            "code": new, "tool_id": tool["id"]})
        self.assertEqual(rc, 0, (res, err))
        self.assertTrue(res["structuredContent"]["valid"], res)
        # The same code for no tool: the package is not allowed there.
        rc, res, err = self.probe.call("mcpbox_validate_code", {"code": new})
        self.assertEqual(rc, 0, (res, err))
        self.assertFalse(res["structuredContent"]["valid"], res)
        self.assertIn("mcpbox_request_module", json.dumps(res))
        rc, res, err = self.probe.call("mcpbox_update_tool", {
            "tool_id": tool["id"], "python_code": new})
        self.assertEqual(rc, 0, (res, err))
        self.assertFalse(res.get("isError"), res)
        st, _, got = self.c.get(f"/api/tools/{tool['id']}")
        self.assertEqual(got["python_code"], new)
        # A module the admin removed is refused, for a new tool too.
        code = "import random\n\ndef main() -> int:\n    return 4\n"
        st, _, body = self.c.patch("/api/settings/modules",
                                   {"remove": ["random"]})
        self.assertEqual(st, 200, body)
        try:
            rc, res, err = self.probe.call("mcpbox_validate_code", {
                "code": code, "server_id": s["id"]})
            self.assertEqual(rc, 0, (res, err))
            self.assertFalse(res["structuredContent"]["valid"], res)
            rc, res, err = self.probe.call("mcpbox_create_tool", {
                "server_id": s["id"], "name": "dice", "python_code": code,
                "description": "rolls"})
            self.assertTrue(res.get("isError"), res)
            self.assertIn("random", res["content"][0]["text"])
        finally:
            self.c.patch("/api/settings/modules", {"add": ["random"]})


if __name__ == "__main__":
    unittest.main()
