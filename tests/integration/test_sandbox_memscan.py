"""Nothing to steal: a tool that reads every byte of its own process finds
no other call's secrets, arguments or code, and nothing of the server's
environment.

The server runs the test build of the sandbox, whose children hold an
explicit read-any-byte primitive (sbx_test_scan over /proc/self/mem): the
threat model assumes tool code can read its whole address space, so the
test grants it and checks what is there.  Canaries: the encryption key and
service token in the server's environment, another server's secret value,
another call's arguments, another tool's source -- including a call that is
still running while the scan runs.  The same run reads, as root, the
environment of the supervisor, the zygote and a running child."""
import json
import os
import secrets
import sys
import threading
import time
import unittest

import apiclient
import harness
from test_mcp import Probe

sys.path.insert(0, os.path.join(harness.ROOT, "tests", "sandbox"))
from sbxclient import process_tree  # noqa: E402

TEST_SANDBOX = os.path.join(harness.ROOT, "sandbox", "build", "mcpbox-sandbox-test")

SCAN = ("def main(needles: list) -> list:\n"
        "    found = sbx_test_scan(needles)\n"
        "    return sorted({(i, name) for i, addr, name in found})\n")


def victim_code(marker):
    return ("import time\n\n"
            f"NOTE = 'victim tool {marker}'\n\n"
            "def main(payload: str, wait: float = 0) -> str:\n"
            "    time.sleep(wait)\n"
            "    return str(len(payload + secrets['VICTIM_KEY'] + NOTE))\n")


def server_tree(server_pid):
    """pid -> cmdline of the server's process and all its descendants."""
    return {p: cmd for p, (_, cmd) in process_tree(server_pid).items()}


def sandbox_pids(server_pid):
    """The mcpbox-sandbox processes under the server."""
    return [p for p, cmd in server_tree(server_pid).items()
            if cmd.startswith(b"mcpbox-sandbox")]


@unittest.skipUnless(os.path.exists(TEST_SANDBOX), "sandbox test build missing")
class MemoryScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = "svc-canary-" + secrets.token_hex(16)
        cls.pg, cls.srv = apiclient.fresh_stack(workers=1, env={
            "MCPBOX_SANDBOX_BIN": TEST_SANDBOX,
            "MCPBOX_SERVICE_TOKEN": cls.token}, name="memscan")
        # Runs even when setUpClass fails after this line.
        cls.addClassCleanup(apiclient.stop_stack, cls.pg, cls.srv)
        cls.c = apiclient.Client(cls.srv).setup()
        cls.probe = Probe(f"http://localhost:{cls.srv.port}/mcp")

    def tool(self, code, name, secret=None):
        c = self.c
        s = apiclient.make_server(c, "scan")
        if secret:
            st, _, b = c.post(f"/api/servers/{s['id']}/secrets",
                              {"key": "VICTIM_KEY", "value": secret})
            self.assertEqual(st, 201, b)
        st, _, t = c.post(f"/api/servers/{s['id']}/tools",
                          {"name": name, "python_code": code})
        self.assertEqual(st, 201, t)
        st, _, b = c.post(f"/api/approvals/tools/{t['id']}/action",
                          {"action": "approve", "version":
                           harness.reviewed_version(c.get, t["id"])})
        self.assertEqual(st, 200, b)
        st, _, b = c.post(f"/api/servers/{s['id']}/start")
        self.assertEqual(st, 200, b)
        return f"{s['name']}__{name}"

    def test_scan_finds_no_canary(self):
        secret = "secret-canary-" + secrets.token_hex(12)
        arg = "arg-canary-" + secrets.token_hex(12)
        running_arg = "running-canary-" + secrets.token_hex(12)
        code_marker = "code-canary-" + secrets.token_hex(12)
        victim = self.tool(victim_code(code_marker), "victim", secret)
        scanner = self.tool(SCAN, "scanner")
        for _ in range(3):
            rc, res, err = self.probe.call(victim, {"payload": arg})
            self.assertEqual(rc, 0, (res, err))
            self.assertFalse(res.get("isError"), res)

        # One victim call stays in flight during the scan.
        done = {}

        def slow():
            done["r"] = self.probe.call(victim, {"payload": running_arg,
                                                 "wait": 4})
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(1.5)
        try:
            canaries = {"encryption key": self.srv.key,
                        "service token": self.token,
                        "other server's secret": secret,
                        "other call's argument": arg,
                        "running call's argument": running_arg,
                        "other tool's code": code_marker}
            names = list(canaries)
            hexes = [canaries[n].encode().hex() for n in names]
            rc, res, err = self.probe.call(scanner, {"needles": hexes})
            self.assertEqual(rc, 0, (res, err))
            self.assertFalse(res.get("isError"), res)
            found = json.loads(res["content"][0]["text"])
            where = [(names[i], m) for i, m in found]
            # As root: no process of the sandbox holds the server's env.
            pids = sandbox_pids(self.srv.proc.pid)
            leaky = []
            for pid in pids:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if b"MCPBOX_" in f.read():
                        leaky.append(pid)
            self.assertFalse(where, "the tool found: %r" % where)
            # The supervisor, the zygote and the running child at least.
            self.assertGreaterEqual(len(pids), 3, pids)
            self.assertEqual(leaky, [], "MCPBOX_ variables in the "
                             "environment of %r" % leaky)
            # The server's own helpers (keeper, alert sender, log relay)
            # are forks of the parent: their environment is wiped too.
            # Only the parent and its workers keep what they were given.
            helpers = {p: c for p, c in server_tree(self.srv.proc.pid).items()
                       if b"[parent]" not in c and b"[wrk" not in c and
                       p != self.srv.proc.pid and not c.startswith(
                           b"mcpbox-sandbox")}
            self.assertGreaterEqual(len(helpers), 2, helpers)
            for pid, cmd in helpers.items():
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read()
                self.assertNotIn(b"MCPBOX_", env, (pid, cmd))
                self.assertNotIn(self.srv.key.encode(), env, (pid, cmd))
        finally:
            t.join()
        self.assertEqual(done["r"][0], 0, done["r"])

    def test_scan_primitive_works(self):
        # The primitive must find what is in the process: its own
        # arguments, in the request the child received.
        scanner = self.tool(SCAN + "\nMINE = 'own-code-marker-0123456789'\n",
                            "scanner")
        rc, res, err = self.probe.call(scanner, {"needles": [
            b"own-code-marker-0123456789".hex()]})
        self.assertEqual(rc, 0, (res, err))
        found = json.loads(res["content"][0]["text"])
        self.assertTrue(found and all(i == 0 for i, _ in found), res)


if __name__ == "__main__":
    unittest.main()
