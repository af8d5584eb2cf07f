"""Helpers for the operations tests: a loopback webhook receiver, the
processes of one test server (found by its process group, never by name
alone), and a minimal MCP client over plain HTTP."""
import http.server
import json
import os
import threading
import time

import harness


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POSTed JSON body."""

    def __init__(self, status=200):
        self.bodies = []
        self.status = status
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with outer.cond:
                    outer.bodies.append({
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(raw)})
                    outer.cond.notify_all()
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def wait_for(self, pred, timeout=20):
        """The first recorded body for which pred(json) is true, or None."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for b in self.bodies:
                    if pred(b["json"]):
                        return b
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def matching(self, pred):
        with self.cond:
            return [b for b in self.bodies if pred(b["json"])]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    # comm may hold spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    return {"state": rest[0], "ppid": int(rest[1]), "pgid": int(rest[2])}


def group_processes(server):
    """{pid: (ppid, exe)} of every live process in the server's group."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            st = _stat(pid)
            if st["pgid"] != server.proc.pid or st["state"] == "Z":
                continue
            exe = os.readlink(f"/proc/{pid}/exe")
        except (OSError, ValueError):
            continue
        out[pid] = (st["ppid"], exe)
    return out


def worker_pids(server):
    """The Kore workers of this server (its binary, "[wrk N]" in argv)."""
    app = os.path.realpath(harness.APP)
    pids = []
    for pid, (_, exe) in group_processes(server).items():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if exe == app and b"[wrk " in cmd:
            pids.append(pid)
    return pids


def socket_inodes(pid):
    """The inodes of the sockets a process holds open (a set of str)."""
    out = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(link[8:-1])
    return out


def process_gone(pid):
    """Exited (a zombie has closed all its files) or reaped already."""
    try:
        return _stat(pid)["state"] in ("Z", "X")
    except (OSError, ValueError):
        return True


def supervisor_and_keeper(server, timeout=10):
    """The sandbox supervisor's pid and its keeper's, of this server only."""
    sandbox = os.path.realpath(harness.SANDBOX)
    deadline = time.time() + timeout
    while time.time() < deadline:
        procs = group_processes(server)
        for pid, (ppid, exe) in procs.items():
            if exe == sandbox and ppid in procs and procs[ppid][1] != sandbox:
                return pid, ppid
        time.sleep(0.1)
    raise AssertionError("no sandbox supervisor in the server's group")


class Mcp:
    """Streamable HTTP, one JSON-RPC message per POST, JSON answers."""

    def __init__(self, server):
        self.server = server
        self.sid = None
        self.next_id = 1

    def post(self, msg):
        h = {"Content-Type": "application/json",
             "Accept": "application/json, text/event-stream",
             "Host": f"localhost:{self.server.port}",
             "MCP-Protocol-Version": "2025-06-18"}
        if self.sid:
            h["Mcp-Session-Id"] = self.sid
        st, hdrs, data = self.server.request("POST", "/mcp",
                                             json.dumps(msg).encode(), h,
                                             timeout=60)
        return st, hdrs, data

    def open(self):
        st, h, _ = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                              "params": {"protocolVersion": "2025-06-18",
                                         "capabilities": {},
                                         "clientInfo": {"name": "ops-test",
                                                        "version": "1"}}})
        assert st == 200, st
        self.sid = h["mcp-session-id"]
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return self

    def call(self, name, args=None):
        self.next_id += 1
        st, _, data = self.post({"jsonrpc": "2.0", "id": self.next_id,
                                 "method": "tools/call",
                                 "params": {"name": name,
                                            "arguments": args or {}}})
        assert st == 200, (st, data)
        return json.loads(data)["result"]


def approved_tool(client, code, server_name=None):
    """A started server with one approved tool; returns the MCP name."""
    import apiclient
    srv = apiclient.make_server(client, server_name or "ops")
    tool = apiclient.make_tool(client, srv["id"], code=code)
    st, _, b = client.post(f"/api/approvals/tools/{tool['id']}/action",
                           {"action": "approve", "version":
                            harness.reviewed_version(client.get, tool["id"])})
    assert st == 200, (st, b)
    st, _, b = client.post(f"/api/servers/{srv['id']}/start")
    assert st == 200, (st, b)
    return f"{srv['name']}__{tool['name']}", tool


def wait_until(fn, timeout=15, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()
