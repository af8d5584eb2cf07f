"""Debian's nginx on loopback, running docs/examples/nginx.conf in front of
the public door, with MCPbox's local door beside it.

A visitor through the proxy (or straight at the public door) is remote
whatever it writes in Host, X-Forwarded-Host or Forwarded: /mcp answers 401
with the OAuth challenge, the panel, the API and /metrics do not exist
(404). The official SDK client's OAuth flow works end to end through nginx
over TLS. The local door still serves everything to loopback clients."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import harness
from test_oauth import PASSWORD, probe_dir

EXAMPLE = os.path.join(harness.ROOT, "docs", "examples", "nginx.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

HOSTILE = [("Host", "localhost"), ("Host", "127.0.0.1:{local}"),
           ("Host", "[::1]"), ("Host", "LOCALHOST."),
           ("X-Forwarded-Host", "localhost"),
           ("Forwarded", "host=localhost;proto=http;for=127.0.0.1"),
           ("X-Forwarded-For", "127.0.0.1")]


def nginx_conf(tmp, upstream_port, listen_port, cert, key):
    """The example, with only its addresses and certificate paths swapped
    for the test's; wrapped in a main config of the test's own."""
    with open(EXAMPLE) as f:
        site = f.read()
    swaps = [("server 127.0.0.1:8001;", f"server 127.0.0.1:{upstream_port};"),
             ("listen 443 ssl;", f"listen 127.0.0.1:{listen_port} ssl;"),
             ("listen [::]:443 ssl;", ""),
             ("/etc/letsencrypt/live/mcp.example.com/fullchain.pem", cert),
             ("/etc/letsencrypt/live/mcp.example.com/privkey.pem", key)]
    for old, new in swaps:
        assert old in site, f"docs/examples/nginx.conf lost {old!r}"
        site = site.replace(old, new)
    return f"""worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
	access_log {tmp}/access.log;
	client_body_temp_path {tmp}/body;
	proxy_temp_path {tmp}/proxy;
	fastcgi_temp_path {tmp}/fastcgi;
	uwsgi_temp_path {tmp}/uwsgi;
	scgi_temp_path {tmp}/scgi;
{site}
}}
"""


@unittest.skipUnless(os.path.exists(NGINX), "nginx is not installed")
class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The prefix marks it for scripts/check-leftovers.
        cls.tmp = tempfile.mkdtemp(prefix="mcpbox-test-nginx-")
        os.chmod(cls.tmp, 0o755)
        cls.nginx = cls.pg = cls.srv = None
        cls.addClassCleanup(cls.cleanup)
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        cls.key = os.path.join(cls.tmp, "key.pem")
        subprocess.check_call(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", cls.key, "-out", cls.cert, "-days", "1", "-subj",
             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            stderr=subprocess.DEVNULL)
        cls.nport = harness.free_port()
        cls.public = f"https://127.0.0.1:{cls.nport}"
        cls.pg = harness.Postgres()
        url = cls.pg.start()
        cls.srv = harness.Server(url, workers=2, name="proxy",
                                 public_ip="127.0.0.1",
                                 env={"MCPBOX_PUBLIC_URL": cls.public})
        cls.srv.start()
        # A DNS-rebinding page cannot claim the fresh instance first: setup
        # with a foreign Host or Origin on the local door is refused.
        cls.rebound = []
        for h in ({"Host": f"rebind.evil.example:{cls.srv.port}"},
                  {"Origin": "http://rebind.evil.example:8000"},
                  {"Host": f"127.0.0.2.:{cls.srv.port}"}):
            st, _, body = cls.srv.json("POST", "/api/auth/setup", {
                "username": "admin", "password": PASSWORD}, h)
            cls.rebound.append((h, st, body))
        st, _, body = cls.srv.json("GET", "/api/auth/status")
        cls.setup_required_after_rebinding = body["setup_required"]
        st, _, _ = cls.srv.json("POST", "/api/auth/setup",
                                {"username": "admin", "password": PASSWORD})
        assert st == 201, st
        conf = os.path.join(cls.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(cls.tmp, cls.srv.public_port, cls.nport,
                               cls.cert, cls.key))
        cls.nginx = subprocess.Popen(
            [NGINX, "-p", cls.tmp, "-c", conf, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.nport), 1).close()
                break
            except OSError:
                if cls.nginx.poll() is not None or time.time() > deadline:
                    raise RuntimeError("nginx did not start: " + open(
                        os.path.join(cls.tmp, "error.log")).read())
                time.sleep(0.1)

    @classmethod
    def cleanup(cls):
        if cls.nginx is not None and cls.nginx.poll() is None:
            cls.nginx.terminate()
            try:
                cls.nginx.wait(10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
        if cls.srv is not None:
            cls.srv.stop()
        if cls.pg is not None:
            cls.pg.destroy()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def via_proxy(self, method, path, headers, body=None):
        ctx = ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection("127.0.0.1", self.nport,
                                           context=ctx, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def direct(self, method, path, headers, body=None):
        return self.srv.request(method, path, body, headers, door="public")

    def raw_no_host(self, send):
        """HTTP/1.0 without any Host header, through send(bytes)->bytes."""
        body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
        req = (b"POST /mcp HTTP/1.0\r\nContent-Type: application/json\r\n"
               b"Accept: application/json, text/event-stream\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
        return send(req)

    def tls_send(self, data):
        ctx = ssl.create_default_context(cafile=self.cert)
        with socket.create_connection(("127.0.0.1", self.nport), 5) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                t.sendall(data)
                return t.recv(65536)

    def plain_send(self, data):
        with socket.create_connection(("127.0.0.1", self.srv.public_port),
                                      5) as s:
            s.sendall(data)
            return s.recv(65536)

    def hostile_answers(self, do):
        ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        for name, value in HOSTILE:
            h = {name: value.format(local=self.srv.port)}
            with self.subTest(header=h):
                st, hdrs, _ = do("POST", "/mcp", dict(h, **{
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream"}), ping)
                self.assertEqual(st, 401)
                self.assertIn(f'resource_metadata="{self.public}/.well-known/'
                              'oauth-protected-resource/mcp"',
                              hdrs.get("www-authenticate", ""))
                for path in ("/", "/api/auth/status", "/metrics",
                             "/health/circuits", "/api/servers"):
                    st, _, body = do("GET", path, h)
                    self.assertEqual(st, 404, (path, body[:200]))

    def test_hostile_headers_through_nginx(self):
        self.hostile_answers(self.via_proxy)
        self.assertIn(b" 401 ", self.raw_no_host(self.tls_send).split(b"\r\n")[0])

    def test_hostile_headers_straight_at_the_public_door(self):
        self.hostile_answers(self.direct)
        first = self.raw_no_host(self.plain_send).split(b"\r\n")[0]
        self.assertTrue(b" 401 " in first or b" 400 " in first, first)

    def test_sdk_oauth_flow_through_nginx(self):
        p = subprocess.run(
            ["node", os.path.join(harness.ROOT, "tests", "oauth",
                                  "sdk_flow.mjs"), probe_dir(),
             self.public + "/mcp", "admin", PASSWORD],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, NODE_EXTRA_CA_CERTS=self.cert))
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        out = json.loads(p.stdout)
        self.assertIn("mcpbox_list_servers", out["tools"])

    def test_rebound_setup_was_refused(self):
        for h, st, body in self.rebound:
            self.assertEqual(st, 403, (h, body))
            self.assertEqual(body["error"]["code"], "forbidden_origin")
        self.assertTrue(self.setup_required_after_rebinding)
        # Spellings of loopback names are one name: the normal form.
        for host in ("LOCALHOST", "localhost.", f"localhost.:{self.srv.port}"):
            st, _, body = self.srv.json("GET", "/api/auth/status",
                                        headers={"Host": host})
            self.assertEqual(st, 200, (host, body))
        st, _, body = self.srv.json("POST", "/api/auth/setup", {
            "username": "admin2", "password": PASSWORD}, {"Host": "127.0.0.2."})
        self.assertEqual(st, 403, body)

    def test_local_door_serves_loopback_clients(self):
        for path in ("/", "/api/auth/status", "/metrics"):
            st, _, body = self.srv.request("GET", path)
            self.assertEqual(st, 200, (path, body[:200]))
        # ... and refuses a page that rebinds a foreign name to it.
        st, _, body = self.srv.request("POST", "/api/auth/login", {
            "username": "admin", "password": PASSWORD},
            {"Host": f"rebind.evil.example:{self.srv.port}"})
        self.assertEqual(st, 403, body)


if __name__ == "__main__":
    unittest.main()
