"""LAN hosts are a request of their own (docs/DECISIONS.md D37), end to end
in a network namespace this test creates.

The hole: mcpbox_request_network_access accepted 127.0.0.1, localhost and
private addresses alike, the panel approved them without a word, and the
broker then refused every call ("only https URLs are allowed", "host ...
resolves to a blocked address"). So a request that could never work was
filed and approved, and a homelab's LAN services (a NAS, Home Assistant,
mostly plain http) could not be reached at all. Before the change,
test_private_host_reachable got as far as an approved 192.168.77.10:8080
and then failed at the tools/call with "only https URLs are allowed";
test_refused_at_request_time got a pending request for 169.254.169.254.

The namespace (`ip netns`, as root) has only lo, with 192.168.77.10, .11
and .12 on it: plain http servers on .10:8080 and .11:8080, a TLS one on
.10:8443, and MCPbox's public door on .12. PostgreSQL, the server and so
its sandbox run inside it (`ip netns exec`; the suite's production sandbox
binary, no test loopback switch), and the test's own HTTP client joins it
per request (setns(2) in a thread of its own). /etc/netns/NS/hosts names
nas.lan (LAN), sneaky.lan (loopback) and mixed.lan (LAN and public). The
namespace and that directory are removed after the class, also when its
set-up fails halfway."""
import ctypes
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import apiclient
import harness

NS = f"mcpbox-lan-{os.getpid()}"
NS_ETC = f"/etc/netns/{NS}"
IP = shutil.which("ip") or "/usr/sbin/ip"
CLONE_NEWNET = 0x40000000
ACCEPT = {"Accept": "application/json, text/event-stream"}
HOSTS = """127.0.0.1 localhost
192.168.77.10 nas.lan
127.0.0.1 sneaky.lan
192.168.77.10 mixed.lan
93.184.216.34 mixed.lan
"""

# Plain http on .10 and .11 (port 8080), TLS on .10:8443 (a certificate
# nobody trusts: the broker's check is what is shown).
SERVE = r'''
import http.server, ssl, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        ip = self.server.server_address[0]
        if self.path == "/to-11":
            self.send_response(302)
            self.send_header("Location", "http://192.168.77.11:8080/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"x" * (3 << 20) if self.path == "/big" else \
            ("hello from " + ip).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
servers = [http.server.ThreadingHTTPServer((ip, 8080), H)
           for ip in ("192.168.77.10", "192.168.77.11")]
tls = http.server.ThreadingHTTPServer(("192.168.77.10", 8443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
for s in servers + [tls]:
    s.handle_error = lambda *a: None    # clients that hang up early
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
'''

TOOL = '''def main(url: str) -> dict:
    try:
        r = http.get(url, timeout=5)
        return {"status": r.status, "body": r.text[:200]}
    except HttpError as e:
        return {"error": str(e)}
'''

_libc = ctypes.CDLL(None, use_errno=True)


def in_netns(fn, *args, **kw):
    """fn(*args, **kw) on a thread that joined the test's network namespace
    (setns(2) moves only the calling thread)."""
    out = {}

    def run():
        try:
            fd = os.open(f"/run/netns/{NS}", os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
            finally:
                os.close(fd)
            out["r"] = fn(*args, **kw)
        except BaseException as e:  # handed to the caller
            out["e"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in out:
        raise out["e"]
    return out["r"]


class NetnsServer(harness.Server):
    """A harness server whose HTTP client runs in the namespace."""

    def request(self, *a, **kw):
        return in_netns(super().request, *a, **kw)


def ip(*args):
    subprocess.check_call([IP] + list(args))


@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(IP),
                     "needs root and iproute2 for a network namespace")
class LanHostsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.addClassCleanup(cls.remove_namespace)
        ip("netns", "add", NS)
        os.makedirs(NS_ETC, exist_ok=True)
        with open(os.path.join(NS_ETC, "hosts"), "w") as f:
            f.write(HOSTS)
        ip("-n", NS, "link", "set", "lo", "up")
        for last in (10, 11, 12):
            ip("-n", NS, "addr", "add", f"192.168.77.{last}/32", "dev", "lo")
        wrap = [IP, "netns", "exec", NS]
        cls.tmp = tempfile.mkdtemp(prefix="mcpbox-test-lan-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cert, key = (os.path.join(cls.tmp, n) for n in ("c.pem", "k.pem"))
        subprocess.check_call(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", key, "-out", cert, "-days", "1", "-subj",
             "/CN=192.168.77.10"], stderr=subprocess.DEVNULL)
        cls.web = subprocess.Popen(wrap + [sys.executable, "-c", SERVE, cert,
                                           key], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        cls.addClassCleanup(cls.stop_web)
        assert cls.web.stdout.readline().strip() == "ready"
        cls.pg = harness.Postgres(wrap=wrap)
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.public_port = harness.free_port()
        cls.srv = NetnsServer(url, workers=1, name="lan", wrap=wrap, env={
            "MCPBOX_PUBLIC_LISTEN": f"192.168.77.12:{cls.public_port}",
            "MCPBOX_PUBLIC_URL": "https://mcp.example.test"})
        cls.addClassCleanup(cls.srv.stop)
        cls.srv.start()
        cls.c = apiclient.Client(cls.srv).setup()
        st, _, cls.server = cls.c.post("/api/servers", {
            "name": "lan" + secrets.token_hex(3)})
        assert st == 201, cls.server
        st, _, cls.tool = cls.c.post(
            f"/api/servers/{cls.server['id']}/tools",
            {"name": "fetch", "description": "fetch a URL",
             "python_code": TOOL})
        assert st == 201, cls.tool
        st, _, b = cls.c.post(
            f"/api/approvals/tools/{cls.tool['id']}/action",
            {"action": "approve",
             "version": harness.reviewed_version(cls.c.get, cls.tool["id"])})
        assert st == 200, b
        st, _, b = cls.c.post(f"/api/servers/{cls.server['id']}/start")
        assert st == 200, b

    @classmethod
    def stop_web(cls):
        cls.web.kill()
        cls.web.wait()

    @staticmethod
    def remove_namespace():
        subprocess.call([IP, "netns", "del", NS], stderr=subprocess.DEVNULL)
        shutil.rmtree(NS_ETC, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(NS_ETC))   # only if nothing else is there
        except OSError:
            pass

    # -- helpers ---------------------------------------------------------
    def rpc(self, method, params, session=None):
        h = dict(ACCEPT)
        if session:
            h["Mcp-Session-Id"] = session
        st, hdrs, data = self.srv.request("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": method, "params": params},
            h, timeout=30)
        self.assertEqual(st, 200, data)
        return hdrs, json.loads(data)

    def call(self, name, args):
        hdrs, _ = self.rpc("initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "lan", "version": "1"}})
        _, b = self.rpc("tools/call", {"name": name, "arguments": args},
                        hdrs["mcp-session-id"])
        return b["result"]

    def ask(self, host, port=None):
        """mcpbox_request_network_access: (isError, structured or text)."""
        args = {"tool_id": self.tool["id"], "host": host,
                "justification": "the homelab"}
        if port is not None:
            args["port"] = port
        r = self.call("mcpbox_request_network_access", args)
        return r["isError"], r.get("structuredContent",
                                   r["content"][0]["text"])

    def fetch(self, url):
        r = self.call(f"{self.server['name']}__fetch", {"url": url})
        self.assertFalse(r["isError"], r)
        return r["structuredContent"]

    def queue(self):
        st, _, q = self.c.get("/api/approvals/network?status=all"
                              f"&server_id={self.server['id']}")
        self.assertEqual(st, 200, q)
        return q["items"]

    def approve(self, rid):
        return self.c.post(f"/api/approvals/network/{rid}/action",
                           {"action": "approve"})

    def by_hand(self, host, port, kind="public", status="pending"):
        """A row written around the management tool (psql)."""
        return self.pg.psql(
            "INSERT INTO network_access_requests (tool_id, server_id, host, "
            f"port, justification, status, kind) VALUES ('{self.tool['id']}',"
            f" '{self.server['id']}', '{host}', {port}, 'by hand', "
            f"'{status}', '{kind}') RETURNING id").splitlines()[0]

    # -- tests -----------------------------------------------------------
    def test_private_host_reachable(self):
        """An approved 192.168.77.10:8080 is reached over plain http (and
        over https at :8443, up to the certificate, which nobody trusts);
        .11 is not, nor a redirect to it, and the size cap holds."""
        err, res = self.ask("192.168.77.10", 8080)
        self.assertFalse(err, res)
        self.assertEqual((res["kind"], res["status"]), ("private", "pending"))
        self.assertIn("http or https", res["message"])
        item = [x for x in self.queue() if x["id"] == res["request_id"]][0]
        self.assertEqual((item["kind"], item["refused"]), ("private", None))
        st, _, b = self.approve(res["request_id"])
        self.assertEqual(st, 200, b)
        self.assertEqual(b["kind"], "private")
        got = self.fetch("http://192.168.77.10:8080/")
        self.assertEqual(got, {"status": 200,
                               "body": "hello from 192.168.77.10"})
        # Never approved: refused before any connection.
        got = self.fetch("http://192.168.77.11:8080/")
        self.assertIn("not on this tool's allowlist", got.get("error", ""))
        # Every redirect hop is checked again: .11 needs its own approval.
        got = self.fetch("http://192.168.77.10:8080/to-11")
        self.assertIn("'192.168.77.11' port 8080 is not on this tool's "
                      "allowlist; ask for it with "
                      "mcpbox_request_network_access", got.get("error", ""))
        got = self.fetch("http://192.168.77.10:8080/big")
        self.assertIn("larger than 2 MiB", got.get("error", ""))
        # https to a private host: past every rule, stopped by TLS only.
        err, res = self.ask("192.168.77.10", 8443)
        self.assertFalse(err, res)
        self.assertEqual(self.approve(res["request_id"])[0], 200)
        got = self.fetch("https://192.168.77.10:8443/")
        self.assertRegex(got.get("error", ""), r"(?i)certificate|SSL")
        self.assertNotIn("allowlist", got["error"])
        self.assertNotIn("blocked", got["error"])

    def test_name_on_the_lan(self):
        """A name that resolves only to LAN addresses is private, and is
        reached by name; one with a loopback answer, or public and LAN
        answers together, is refused at request time."""
        err, res = self.ask("nas.lan", 8080)
        self.assertFalse(err, res)
        self.assertEqual(res["kind"], "private")
        self.assertEqual(self.approve(res["request_id"])[0], 200)
        self.assertEqual(self.fetch("http://nas.lan:8080/")["body"],
                         "hello from 192.168.77.10")
        err, text = self.ask("sneaky.lan", 8080)
        self.assertTrue(err)
        self.assertIn("sneaky.lan resolves to 127.0.0.1, a loopback address",
                      text)
        err, text = self.ask("mixed.lan", 8080)
        self.assertTrue(err)
        self.assertIn("both public and private addresses", text)

    def test_refused_at_request_time(self):
        """Loopback, metadata, unspecified and MCPbox's own doors are
        refused by mcpbox_request_network_access, with the reason; no
        request is filed."""
        before = len(self.queue())
        for host, port, words in (
                ("169.254.169.254", None, "a cloud metadata address"),
                ("metadata.google.internal", None,
                 "a cloud metadata address"),
                ("fd00:ec2::254", None, "a cloud metadata address"),
                ("100.100.100.200", 80, "a cloud metadata address"),
                ("169.254.10.1", 80, "a link-local address"),
                ("127.0.0.1", 8080, "a loopback address"),
                ("localhost", None, "a loopback address"),
                ("::1", 80, "a loopback address"),
                ("0.0.0.0", 8080, "the unspecified address"),
                ("2130706433", 80, "another form than a.b.c.d"),
                ("192.168.77.12", self.public_port, "MCPbox's own address"),
                ("mcp.example.test", None, "MCPbox's own public address")):
            with self.subTest(host=host):
                err, text = self.ask(host, port)
                self.assertTrue(err, text)
                self.assertIn(words, text)
        self.assertEqual(len(self.queue()), before)

    def test_rows_by_hand_cannot_be_approved(self):
        """A row inserted directly in SQL for a host no tool could reach is
        refused by the REST approve (422, the reason), is marked in the
        queue, and an approved one is refused by the broker anyway."""
        for host, port, words in (
                ("127.0.0.1", 8080, "loopback"),
                ("localhost", 80, "loopback"),
                ("169.254.169.254", 80, "metadata"),
                ("0.0.0.0", 80, "unspecified"),
                ("2130706433", 80, "another form"),
                ("192.168.77.12", self.public_port, "MCPbox's own")):
            with self.subTest(host=host):
                rid = self.by_hand(host, port, kind="private")
                item = [x for x in self.queue() if x["id"] == rid][0]
                self.assertIn(words, item["refused"] or "")
                st, _, b = self.approve(rid)
                self.assertEqual(st, 422, b)
                self.assertEqual(b["error"]["code"], "refused_host")
                self.assertIn(words, b["error"]["message"])
                st, _, b = self.c.post(
                    "/api/approvals/network/bulk-action",
                    {"ids": [rid], "action": "approve"})
                self.assertEqual((st, b["failed"]), (200, 1), b)
        # An address literal carries its own kind, whatever the row said.
        rid = self.by_hand("192.168.77.11", 9, kind="public")
        self.assertEqual([x for x in self.queue() if x["id"] == rid][0]
                         ["kind"], "private")
        # Approved behind the API's back: the broker still refuses.
        self.by_hand("192.168.77.12", self.public_port, kind="private",
                     status="approved")
        got = self.fetch(f"http://192.168.77.12:{self.public_port}/")
        self.assertIn("MCPbox itself", got.get("error", ""))
        self.by_hand("127.0.0.1", 8081, kind="private", status="approved")
        got = self.fetch("http://127.0.0.1:8081/")
        self.assertIn("blocked address (loopback)", got.get("error", ""))

    def test_public_host_keeps_https_only(self):
        """A public host is a public request; approved, plain http to it is
        refused as before (checked before any connection)."""
        err, res = self.ask("93.184.216.34", 80)
        self.assertFalse(err, res)
        self.assertEqual(res["kind"], "public")
        self.assertIn("over https", res["message"])
        self.assertEqual(self.approve(res["request_id"])[0], 200)
        got = self.fetch("http://93.184.216.34:80/")
        self.assertIn("only https URLs are allowed", got.get("error", ""))

    def test_sql_knows_the_same_addresses(self):
        """network_literal_kind (the SQL side of the rules) agrees with
        src/core/netaddr.c on the addresses the unit tests pin."""
        want = {"93.184.216.34": "public", "10.0.0.1": "private",
                "172.16.5.4": "private", "172.32.0.1": "public",
                "192.168.77.10": "private", "100.64.0.1": "private",
                "100.128.0.1": "public", "fd12:3456::1": "private",
                "::ffff:192.168.1.2": "private", "127.0.0.1": "loopback",
                "::1": "loopback", "::ffff:127.0.0.1": "loopback",
                "169.254.169.254": "metadata", "169.254.170.2": "metadata",
                "100.100.100.200": "metadata", "168.63.129.16": "metadata",
                "fd00:ec2::254": "metadata", "fd20:ce::254": "metadata",
                "169.254.1.1": "link-local", "fe80::1": "link-local",
                "0.0.0.0": "unspecified", "::": "unspecified",
                "224.0.0.1": "reserved", "2001:db8::1": "reserved",
                "2002:c0a8:101::1": "reserved", "64:ff9b::c0a8:101":
                "reserved", "nas.lan": None, "010.0.0.1": None}
        rows = self.pg.psql(
            "SELECT h, coalesce(network_literal_kind(h), '-') FROM "
            "unnest(ARRAY[" + ",".join(f"'{h}'" for h in want) + "]) h")
        got = dict(r.split("|") for r in rows.splitlines())
        self.assertEqual(got, {h: k or "-" for h, k in want.items()})


if __name__ == "__main__":
    unittest.main()
