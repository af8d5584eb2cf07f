"""`make run` as root drops the workers to an unprivileged user and still
works end to end: scripts/run with MCPBOX_RUNAS=nobody, its own local
PostgreSQL and state directory, then a tool call through /mcp. It used to
start "healthy" while every MCP call failed: the workers could reach
neither the cluster's socket nor the sandbox's."""
import json
import os
import pwd
import signal
import subprocess
import tempfile
import time
import unittest

import apiclient
import harness
import opshelp
from test_mcp import Probe


class RunScript:
    """scripts/run in its own session, on a free port, in a state dir."""
    request = harness.Server.request
    json = harness.Server.json
    public_ip = None

    def __init__(self, runas, **extra):
        self.port = harness.free_port()
        self.state = tempfile.mkdtemp(prefix=harness.TMP_PREFIX + "state-",
                                      dir="/tmp")
        os.chmod(self.state, 0o711)
        self.log_path = os.path.join(harness.OUT, f"run-as-{self.port}.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCPBOX_")}
        env.update({"MCPBOX_STATE_DIR": self.state, "MCPBOX_RUNAS": runas,
                    "MCPBOX_LISTEN": f"127.0.0.1:{self.port}",
                    "MCPBOX_WORKERS": "2"}, **extra)
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [os.path.join(harness.ROOT, "scripts", "run")], env=env,
            stdout=self.logf, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scripts/run exited; see {self.log_path}")
            try:
                if self.request("GET", "/health/ready", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"not ready; see {self.log_path}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Whatever happened, the cluster goes too.
        subprocess.call([harness.DEV_PG, "stop", os.path.join(self.state, "pg")],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.logf.close()
        subprocess.call(["rm", "-rf", self.state])


@unittest.skipIf(os.getuid() != 0, "the privilege drop needs root")
class RunAsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.script = RunScript("nobody")
        cls.addClassCleanup(cls.script.stop)
        cls.script.wait_ready()
        cls.admin = apiclient.Client(cls.script).setup()

    def test_tool_call_with_workers_as_nobody(self):
        name, _ = opshelp.approved_tool(
            self.admin, "def main(x: int) -> int:\n    return x * 7\n", "runas")
        rc, res, err = Probe(f"http://127.0.0.1:{self.script.port}/mcp").call(
            name, {"x": 6})
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("42", str(res["content"]), res)
        # Every worker runs as nobody; the parent and keeper stay root.
        uids = {}
        for pid in opshelp.worker_pids(self.script):
            with open(f"/proc/{pid}/status") as f:
                uids[pid] = [l.split()[1] for l in f if l.startswith("Uid:")][0]
        self.assertTrue(uids, "no worker found")
        self.assertEqual(set(uids.values()), {"65534"}, uids)
        with open(self.script.log_path, "rb") as f:
            log = f.read()
        self.assertIn(b"workers run as nobody (uid 65534); sandboxed calls as uid 65533", log)
        self.assertNotIn(b"will not change user", log)
        self.assertNotIn(b"will not chroot", log)
        self.assertNotIn(b"cannot reach", log)
        _assert_supervisor_dropped(self, self.script, log, "65534")


@unittest.skipIf(os.getuid() != 0, "the privilege drop needs root")
class DefaultDropTest(unittest.TestCase):
    def test_started_as_root_without_runas_the_workers_drop(self):
        """No MCPBOX_RUNAS at all: the binary itself drops the workers,
        to the system user mcpbox when there is one, else nobody, and
        Kore's "will not change user / chroot" lines are not in its log."""
        s = harness.Server(harness.SHARED["url"], workers=1, name="default")
        del s.env["MCPBOX_RUNAS"]
        self.addCleanup(s.stop)
        s.start()
        try:
            want = str(pwd.getpwnam("mcpbox").pw_uid)
        except KeyError:
            want = "65534"
        uids = set()
        for pid in opshelp.worker_pids(s):
            with open(f"/proc/{pid}/status") as f:
                uids.add([l.split()[1] for l in f
                          if l.startswith("Uid:")][0])
        self.assertEqual(uids, {want})
        log = open(s.log_path, "rb").read()
        self.assertNotIn(b"will not change user", log)
        self.assertNotIn(b"will not chroot", log)
        _assert_supervisor_dropped(self, s, log, want)


def _status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def _assert_supervisor_dropped(test, server, log, worker_uid):
    """The sandbox supervisor is neither root nor the workers' uid, and
    keeps only the capabilities it forks broker helpers with (it stayed
    root before: Uid 0 and every capability)."""
    sup, _ = opshelp.supervisor_and_keeper(server)
    st = _status(sup)
    test.assertEqual(st["Uid"].split(), ["65532"] * 4)
    test.assertNotEqual("65532", worker_uid)
    test.assertEqual(st["Groups"].strip(), "")
    kept = (1 << 5) | (1 << 6) | (1 << 7)     # KILL, SETGID, SETUID
    test.assertEqual(int(st["CapEff"], 16), kept)
    test.assertEqual(int(st["CapPrm"], 16), kept)
    test.assertEqual(int(st["CapBnd"], 16), kept)
    test.assertEqual(st["NoNewPrivs"], "1")
    test.assertIn(b'"event":"privileges"', log)


@unittest.skipIf(os.getuid() != 0, "the privilege drop needs root")
class UnreachableTest(unittest.TestCase):
    def test_workers_that_cannot_reach_the_database_say_so(self):
        """The parent (root) migrates the shared cluster; the workers, as
        nobody, cannot open its socket: an error line says so at start."""
        script = RunScript("nobody", MCPBOX_DATABASE_URL=harness.SHARED["url"])
        self.addCleanup(script.stop)
        line = opshelp.wait_until(lambda: [
            l for l in open(script.log_path, "rb").read().splitlines()
            if b"cannot reach the database" in l], timeout=30)
        self.assertTrue(line, "no error line")
        self.assertIn(b'"level":"error"', line[0])
        self.assertIn(b"Permission denied", line[0])
