"""Package installation for approved module requests: a pure-Python wheel
the test builds is installed from MCPBOX_PIP_FIND_LINKS, the sandbox is
reloaded with it activated, and a tool importing it runs; a package that
ships only an sdist fails with a clear message and nothing installed (its
setup.py never runs)."""
import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import time
import unittest
import zipfile

import apiclient
import harness
from test_mcp import Probe


# The same fixtures as tests/sandbox/test_install.py (which runs on import,
# so it cannot be imported): a pure-Python wheel and an sdist whose
# setup.py would leave a marker file if it ever ran.
def build_wheel(d, name="mcpboxdemo", version="1.0"):
    files = {
        f"{name}/__init__.py": "def greet(who):\n    return 'hello ' + who\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for p, t in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{p},sha256={h},{len(t.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(d, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as z:
        for p, t in files.items():
            z.writestr(p, t)
    return path


def build_sdist(d, marker):
    path = os.path.join(d, "evilpkg-1.0.tar.gz")
    setup = f"open({marker!r}, 'w').write('setup.py ran')\nfrom setuptools import setup\nsetup(name='evilpkg', version='1.0')\n"
    with tarfile.open(path, "w:gz") as t:
        for name, text in (("evilpkg-1.0/setup.py", setup),
                           ("evilpkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")):
            data = text.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return path

CODE = ("import mcpboxdemo\n\n"
        "def main(who: str) -> str:\n"
        "    return mcpboxdemo.greet(who)\n")


class PackagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wheels-")
        os.chmod(cls.tmp, 0o755)
        cls.marker = os.path.join(cls.tmp, "SETUP_PY_RAN")
        build_wheel(cls.tmp)
        build_sdist(cls.tmp, cls.marker)
        cls.pg, cls.srv = apiclient.fresh_stack(
            workers=1, env={"MCPBOX_PIP_FIND_LINKS": cls.tmp}, name="packages")
        cls.c = apiclient.Client(cls.srv).setup()
        cls.probe = Probe(f"http://localhost:{cls.srv.port}/mcp")
        cls.pkgdir = os.path.join(cls.srv.run_dir, "sandbox", "packages")

    @classmethod
    def tearDownClass(cls):
        apiclient.stop_stack(cls.pg, cls.srv)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def request_and_approve(self, tool_id, module):
        rc, res, err = self.probe.call("mcpbox_request_module", {
            "tool_id": tool_id, "module_name": module,
            "justification": "the tool needs it"})
        self.assertEqual(rc, 0, (res, err))
        st, _, body = self.c.get("/api/approvals/modules?status=pending")
        self.assertEqual(st, 200, body)
        req = [r for r in body["items"] if r["module_name"] == module][0]
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

    def test_01_wheel_installs_and_tool_imports_it(self):
        s = apiclient.make_server(self.c, "pkg")
        st, _, tool = self.c.post(f"/api/servers/{s['id']}/tools",
                                  {"name": "greet", "python_code": CODE})
        self.assertEqual(st, 201, tool)
        self.request_and_approve(tool["id"], "mcpboxdemo")
        r = self.wait_install("mcpboxdemo")
        self.assertEqual(r["install_status"], "installed", r)
        self.assertEqual(r["installed_version"], "1.0")
        self.assertIn("installed mcpboxdemo-1.0", r["install_message"])
        self.c.post(f"/api/approvals/tools/{tool['id']}/action", {"action": "approve"})
        self.c.post(f"/api/servers/{s['id']}/start")
        # The reload restarts the supervisor: retry until it serves again.
        deadline = time.time() + 30
        while True:
            rc, res, err = self.probe.call(f"{s['name']}__greet", {"who": "box"})
            if rc == 0 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("hello box", res["content"][0]["text"])

    def test_02_sdist_only_fails_clearly(self):
        before = set(os.listdir(self.pkgdir))
        s = apiclient.make_server(self.c, "pkg")
        tool = apiclient.make_tool(self.c, s["id"])
        self.request_and_approve(tool["id"], "evilpkg")
        r = self.wait_install("evilpkg")
        self.assertEqual(r["install_status"], "failed", r)
        self.assertIn("installing evilpkg failed", r["install_message"])
        self.assertIn("binary wheels", r["install_message"])
        self.assertFalse(os.path.exists(self.marker), "setup.py ran")
        self.assertEqual(set(os.listdir(self.pkgdir)), before)

    def test_03_stdlib_needs_no_install(self):
        s = apiclient.make_server(self.c, "pkg")
        tool = apiclient.make_tool(self.c, s["id"])
        body = self.request_and_approve(tool["id"], "fnmatch")
        self.assertEqual(body["install_status"], "not_required", body)
    def test_04_auto_approved_request_is_installed_too(self):
        st, _, body = self.c.patch("/api/settings/security-policy",
                                   {"module_approval_mode": "auto_approve"})
        self.assertEqual(st, 200, body)
        try:
            s = apiclient.make_server(self.c, "pkg")
            tool = apiclient.make_tool(self.c, s["id"])
            rc, res, err = self.probe.call("mcpbox_request_module", {
                "tool_id": tool["id"], "module_name": "mcpboxdemo",
                "justification": "the tool needs it"})
            self.assertEqual(rc, 0, (res, err))
            st, _, body = self.c.get("/api/approvals/modules?status=approved")
            r = [x for x in body["items"] if x["tool_id"] == tool["id"]][0]
            self.assertEqual(r["install_status"], "installed", r)
        finally:
            self.c.patch("/api/settings/security-policy",
                         {"module_approval_mode": "require_approval"})


if __name__ == "__main__":
    unittest.main()
