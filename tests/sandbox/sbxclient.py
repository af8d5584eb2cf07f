"""Test client for mcpbox-sandbox: starts a supervisor on a private socket
and speaks its framing (4-byte big-endian length + JSON object)."""
import json, os, socket, struct, subprocess, tempfile, time, itertools

# The suites' one way to report: a line per check, failures collected.
FAILS = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILS.append(name)


def process_tree(root):
    """pid -> (ppid, cmdline bytes) of root and all its descendants."""
    procs = {}
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{d}/cmdline", "rb") as f:
                procs[int(d)] = (ppid, f.read())
        except OSError:
            pass
    under, changed = {root}, True
    while changed:
        changed = False
        for pid, (ppid, _) in procs.items():
            if ppid in under and pid not in under:
                under.add(pid)
                changed = True
    return {p: procs[p] for p in under if p in procs}


SUPERVISOR_UID = 65532


class Supervisor:
    def __init__(self, binary, args=(), env=None):
        self.dir = tempfile.mkdtemp(prefix="sbx-test-")
        os.chmod(self.dir, 0o700)
        # Started as root the supervisor becomes its own uid: its socket's
        # directory is then its own, as the keeper arranges it.
        if os.geteuid() == 0:
            os.chown(self.dir, SUPERVISOR_UID, SUPERVISOR_UID)
        self.sock = os.path.join(self.dir, "sandbox.sock")
        self.log = open(os.path.join(self.dir, "stderr.log"), "w+")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([binary, "--socket", self.sock, *args],
                                     stderr=self.log, env=e)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()     # __exit__ will not run: stop it here
                raise RuntimeError("supervisor did not start:\n" + self.logs())
            time.sleep(0.01)

    def logs(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def client(self):
        return Client(self.sock)

    def alive(self):
        if self.proc.poll() is not None:
            return False
        try:
            with self.client() as c:
                return c.call({"op": "health"}, timeout=10).get("ok") is True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class Client:
    _ids = itertools.count(1)

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, obj):
        data = json.dumps(obj).encode()
        self.s.sendall(struct.pack(">I", len(data)) + data)

    def recv(self, timeout=30):
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return json.loads(body)
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("supervisor closed the connection")
            self.buf += chunk

    def call(self, req, timeout=30, on_ask=None):
        """The answer to `req`; notifications the call sent on the way
        (op "notify") are kept in self.notes, its questions (op "ask") in
        self.asks, each answered with what on_ask(question) returns (a
        dict with "result" or "error" and optionally "ask"; None: no
        answer). The supervisor's acknowledgements go to self.acks."""
        req = dict(req)
        req.setdefault("id", next(self._ids))
        self.send(req)
        self.notes, self.asks, self.acks, acks = [], [], [], set()
        while True:
            r = self.recv(timeout)
            if r.get("id") in acks:
                self.acks.append(r)
                continue
            assert r.get("id") == req["id"], (r, req["id"])
            if r.get("op") == "ask":
                self.asks.append(r)
                a = on_ask(r) if on_ask else None
                if a is not None:
                    a = {"op": "answer", "id": next(self._ids),
                         "target": req["id"], "ask": r["ask"], **a}
                    acks.add(a["id"])
                    self.send(a)
                continue
            if r.get("op") != "notify":
                return r
            self.notes.append(r)

    def execute(self, code, args=None, timeout=30, on_ask=None, **kw):
        req = {"op": "execute", "code": code, "args": args or {}}
        req.update(kw)
        return self.call(req, timeout=timeout, on_ask=on_ask)
