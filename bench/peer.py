"""The peer that make bench compares MCPbox with: the official MCP SDK
"everything" example server (bench/peer/package.json pins its one
version), unsandboxed, on its Streamable HTTP transport, on a free
loopback port.

install() runs `npm ci` into bench/peer/node_modules when the lockfile
changed; Peer.start() runs `node dist/index.js streamableHttp` (the
package reads its port from PORT) in a process group of its own, with
bench/peer/loopback.cjs preloaded so it binds 127.0.0.1 only; stop()
ends the whole group. Its `echo` tool answers {"message": M} with
"Echo: M", over SSE (text/event-stream) unless told otherwise.
"""
import ctypes
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "peer")
PACKAGE = "@modelcontextprotocol/server-everything"
MODULES = os.path.join(DIR, "node_modules")
ENTRY = os.path.join(MODULES, *PACKAGE.split("/"), "dist", "index.js")
STAMP = os.path.join(MODULES, ".mcpbox-lock")
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

PROTOCOL = "2025-06-18"
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # In the child before exec: should the bench itself be killed (no
    # finally runs then), the kernel ends the peer too.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                            signal.SIGKILL, 0, 0, 0)


def install():
    """npm ci of bench/peer when node_modules is not of this lockfile."""
    with open(os.path.join(DIR, "package-lock.json"), "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()
    try:
        with open(STAMP) as f:
            if f.read().strip() == key and os.path.exists(ENTRY):
                return
    except OSError:
        pass
    subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"],
                   cwd=DIR, check=True, stdout=subprocess.DEVNULL)
    with open(STAMP, "w") as f:
        f.write(key + "\n")


def version():
    with open(os.path.join(os.path.dirname(os.path.dirname(ENTRY)),
                           "package.json")) as f:
        return json.load(f)["version"]


def decode(r, data):
    """The JSON-RPC message of an answer: plain JSON, or the data lines
    of the one event of a text/event-stream."""
    if not data:
        return None
    text = data.decode()
    if (r.getheader("content-type") or "").startswith("text/event-stream"):
        text = "\n".join(line[5:].lstrip() for line in text.splitlines()
                         if line.startswith("data:"))
    return json.loads(text)


class Peer:
    def __init__(self, name="peer"):
        self.port = harness.free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.log_path = os.path.join(harness.OUT, f"{name}-{self.port}.log")
        self.proc = None
        self.pgid = None

    def start(self, timeout=30):
        os.makedirs(harness.OUT, exist_ok=True)
        self.logf = open(self.log_path, "wb")
        env = dict(os.environ, PORT=str(self.port), NODE_ENV="production")
        try:
            # The package logs a line per request on stdout: to the log.
            self.proc = subprocess.Popen(
                ["node", "--require", os.path.join(DIR, "loopback.cjs"),
                 ENTRY, "streamableHttp"], cwd=DIR, env=env,
                stdout=self.logf, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent)
        except BaseException:
            self.logf.close()
            raise
        self.pgid = self.proc.pid
        try:
            self._wait_listening(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_listening(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"peer exited ({self.proc.returncode}); "
                                   f"see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"peer not listening after {timeout}s")

    def rpc(self, conn, body, session=None):
        h = {"Content-Type": "application/json", "Host": self.host,
             "Accept": "application/json, text/event-stream",
             "MCP-Protocol-Version": PROTOCOL}
        if session:
            h["Mcp-Session-Id"] = session
        conn.request("POST", "/mcp", json.dumps(body), h)
        r = conn.getresponse()
        return r, decode(r, r.read())

    def session(self):
        """initialize, notifications/initialized and one echo call: the
        session id wrk's script sends (Mcp-Session-Id)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            r, out = self.rpc(conn, {
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"protocolVersion": PROTOCOL, "capabilities": {},
                           "clientInfo": {"name": "bench", "version": "1"}}})
            sid = r.getheader("mcp-session-id")
            if r.status != 200 or not sid:
                raise RuntimeError(f"peer initialize: {r.status} {out}")
            self.rpc(conn, {"jsonrpc": "2.0",
                            "method": "notifications/initialized"}, sid)
            _, out = self.rpc(conn, {
                "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": "hi"}}},
                sid)
            if out["result"]["content"][0]["text"] != "Echo: hi":
                raise RuntimeError(f"peer echo: {out}")
            return sid
        finally:
            conn.close()

    def stop(self):
        """SIGTERM to the peer's group, SIGKILL to what is left of it."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.logf.close()
        self.proc = None
