"""Test harness: a throwaway PostgreSQL and MCPbox server on loopback.

Everything a test starts is stopped again, also when the test fails:
a class registers each stop with addClassCleanup right after the start
(unittest runs class cleanups even when setUpClass raises halfway), a
start that fails stops what it started, and run.py stops whatever is
still running (stop_all) in a finally block. The temporary directories
carry the prefix TMP_PREFIX, by which scripts/check-leftovers (the last
step of `make test`) tells a test's PostgreSQL from any other.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APP = os.path.join(ROOT, "build", "mcpbox", "mcpbox")
SANDBOX = os.path.join(ROOT, "sandbox", "build", "mcpbox-sandbox")
DEV_PG = os.path.join(ROOT, "scripts", "dev-postgres")
OUT = os.path.join(ROOT, "tests", "out")
# /tmp/mcpbox-test-pg-*, /tmp/mcpbox-test-run-*: see scripts/check-leftovers.
TMP_PREFIX = "mcpbox-test-"

# Started and not yet stopped, for stop_all().
_live = []


def stop_all():
    """Stop every Server and Postgres of this process still running: the
    runner's last resort when a class could not tear down (an interrupt
    in the middle of a class)."""
    while _live:
        obj = _live.pop()
        try:
            obj.destroy() if isinstance(obj, Postgres) else obj.stop()
        except Exception as e:  # keep stopping the others
            print(f"harness: stopping {obj!r}: {e}")


def reviewed_version(get, tool_id):
    """The version a reviewer is shown, which an approve or reject must
    name: get(path) -> (status, headers, parsed body)."""
    st, _, body = get(f"/api/tools/{tool_id}")
    assert st == 200, (st, body)
    return body["current_version"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A private cluster in a temporary directory, Unix socket only.
    wrap: a command prefix to start it under (test_lan_hosts.py: `ip netns
    exec NS`, so it runs in the test's network namespace)."""

    def __init__(self, wrap=None):
        self.wrap = list(wrap or [])
        os.makedirs(OUT, exist_ok=True)
        # Short path: the socket path must stay under 108 bytes.
        self.dir = tempfile.mkdtemp(prefix=TMP_PREFIX + "pg-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        # PostgreSQL detaches: whose cluster it is, for check-leftovers.
        with open(os.path.join(self.dir, "owner"), "w") as f:
            f.write(f"{os.getpid()}\n")
        self.url = None

    def start(self):
        env = dict(os.environ, MCPBOX_PG_FSYNC="off")
        if self not in _live:
            _live.append(self)
        try:
            self.url = subprocess.check_output(
                self.wrap + [DEV_PG, "start", self.dir], env=env,
                text=True).strip()
        except BaseException:
            self.stop()     # it may have started before createdb failed
            raise
        return self.url

    def stop(self):
        subprocess.call([DEV_PG, "stop", self.dir])

    def destroy(self):
        if self in _live:
            _live.remove(self)
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql):
        bindir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        cmd = [f"/usr/lib/postgresql/{bindir}/bin/psql", "-X", "-q", "-tA",
               "-v", "ON_ERROR_STOP=1", self.url, "-c", sql]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.check_output(cmd, text=True).strip()


class Server:
    """One mcpbox process (parent + workers) on a free loopback port."""

    def __init__(self, pg_url, workers=2, env=None, name="server",
                 public_ip=None, app=None, wrap=None):
        """public_ip: also open the public door (MCPBOX_PUBLIC_LISTEN) on
        that loopback address, named by MCPBOX_PUBLIC_URL. app: another
        build of the server than APP (tests/leaks: the sanitizer build).
        wrap: a command prefix that execs the server (`ip netns exec NS`);
        the process, its group and its stop stay the same."""
        self.app = app or APP
        self.wrap = list(wrap or [])
        self.port = free_port()
        self.key = secrets.token_hex(32)
        self.run_dir = tempfile.mkdtemp(prefix=TMP_PREFIX + "run-", dir="/tmp")
        os.chmod(self.run_dir, 0o700)
        self.log_path = os.path.join(OUT, f"{name}-{self.port}.log")
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("MCPBOX_"):
                del self.env[k]
        self.env.update({
            "MCPBOX_DATABASE_URL": pg_url,
            "MCPBOX_LISTEN": f"127.0.0.1:{self.port}",
            "MCPBOX_WORKERS": str(workers),
            "MCPBOX_ENCRYPTION_KEY": self.key,
            "MCPBOX_RUN_DIR": self.run_dir,
            "MCPBOX_SANDBOX_BIN": SANDBOX,
            # The suite inspects its servers' workers (memory scans, crash
            # tests), so they keep the test's uid; test_run_as.py starts
            # `make run`'s script with the default drop instead.
            "MCPBOX_RUNAS": "root",
        })
        self.public_ip = public_ip
        if public_ip:
            self.public_port = free_port()
            self.public = f"http://{public_ip}:{self.public_port}"
            self.env["MCPBOX_PUBLIC_LISTEN"] = f"{public_ip}:{self.public_port}"
            self.env["MCPBOX_PUBLIC_URL"] = self.public
        if env:
            self.env.update(env)
        self.proc = None

    def start(self, wait=True):
        os.makedirs(OUT, exist_ok=True)
        self.logf = open(self.log_path, "wb")
        # Own process group: stop() reaches the workers and the sandbox too.
        # In run_dir, not the checkout: Kore writes kore.pid into its cwd
        # (and a `make run` server's kore.pid in the checkout stays). A
        # start after stop() finds it removed.
        os.makedirs(self.run_dir, mode=0o700, exist_ok=True)
        try:
            self.proc = subprocess.Popen(self.wrap + [self.app, "-f"],
                                         cwd=self.run_dir,
                                         env=self.env, stdout=self.logf,
                                         stderr=subprocess.STDOUT,
                                         start_new_session=True)
        except BaseException:   # no process: no stop() either
            self.logf.close()
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise
        if self not in _live:
            _live.append(self)
        if wait:
            try:
                self.wait_healthy()
            except BaseException:
                self.stop()     # not healthy: nothing of it stays behind
                raise
        return self

    def wait_healthy(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                st, _, _ = self.request("GET", "/health")
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy; see {self.log_path}")

    def request(self, method, path, body=None, headers=None, timeout=10,
                door="local"):
        """door="public": the public door; a Host header in headers wins."""
        if door == "public":
            conn = http.client.HTTPConnection(self.public_ip, self.public_port,
                                              timeout=timeout)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        try:
            hdrs = dict(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def raw(self, data, timeout=5):
        """Send raw bytes (for requests no client library would build)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as c:
            c.sendall(data)
            out = b""
            try:
                while True:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                    if b"\r\n\r\n" in out:
                        head, _, rest = out.partition(b"\r\n\r\n")
                        for line in head.split(b"\r\n"):
                            if line.lower().startswith(b"content-length:"):
                                if len(rest) >= int(line.split(b":")[1]):
                                    return out
            except socket.timeout:
                pass
            return out

    def twin(self, workers=1, name="twin", env=None):
        """Another instance on the same database with the same key (a
        second machine), not started yet."""
        pg_url = self.env["MCPBOX_DATABASE_URL"]
        t = Server(pg_url, workers=workers, env=env, name=name)
        t.key = self.key
        t.env["MCPBOX_ENCRYPTION_KEY"] = self.key
        return t

    def admin(self, password):
        """Set up the admin account and log in: the auth header."""
        st, _, _ = self.json("POST", "/api/auth/setup",
                             {"username": "admin", "password": password})
        assert st == 201, st
        st, _, body = self.json("POST", "/api/auth/login",
                                {"username": "admin", "password": password})
        assert st == 200, body
        return {"Authorization": "Bearer " + body["access_token"]}

    def json(self, method, path, body=None, headers=None, door="local"):
        st, h, data = self.request(method, path, body, headers, door=door)
        return st, h, (json.loads(data) if data else None)

    def log_lines(self):
        self.logf.flush()
        with open(self.log_path, "rb") as f:
            return f.read().splitlines()

    def stop(self):
        if self in _live:
            _live.remove(self)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            # Nothing of this server may outlive it.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.logf.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)
