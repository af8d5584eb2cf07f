"""What the OAuth tests (test_oauth.py) share: keys and a JWKS server,
the public door, and the flows of a client (register, authorize,
exchange, tokens and Cloudflare Access assertions) as a mixin."""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import harness

PUBLIC_IP = "127.0.0.2"
PASSWORD = "correct horse battery staple"
SERVICE_TOKEN = "st-" + "r" * 40
AUD = "4714c1358e65fe4b408ad6d432a5f878"
REDIRECT = "http://127.0.0.1:9/callback"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def s256(v):
    return b64u(hashlib.sha256(v.encode()).digest())


class RsaKey:
    """An RSA key generated with openssl, as JWK and as a signer."""

    def __init__(self, kid):
        self.kid = kid
        pem = subprocess.check_output(
            ["openssl", "genpkey", "-algorithm", "RSA",
             "-pkeyopt", "rsa_keygen_bits:2048"], stderr=subprocess.DEVNULL)
        self.key = serialization.load_pem_private_key(pem, password=None)
        nums = self.key.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                    "n": b64u(nums.n.to_bytes(256, "big")),
                    "e": b64u(nums.e.to_bytes(3, "big"))}

    def sign(self, claims, kid=None):
        head = b64u(json.dumps({"alg": "RS256", "kid": kid or self.kid,
                                "typ": "JWT"}).encode())
        body = b64u(json.dumps(claims).encode())
        sig = self.key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(),
                            hashes.SHA256())
        return f"{head}.{body}.{b64u(sig)}"


class Jwks:
    """The team's certs endpoint on loopback; `keys` may change any time."""

    def __init__(self):
        self.keys = []
        self.hits = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                if self.path != "/cdn-cgi/access/certs":
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps({"keys": [k.jwk for k in outer.keys]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


class PublicServer(harness.Server):
    """The local door on 127.0.0.1, the public door on 127.0.0.2 (named by
    MCPBOX_PUBLIC_URL); request(door=...) picks the listener, host= the
    Host header."""

    def __init__(self, pg_url, env):
        super().__init__(pg_url, workers=2, env=env, name="oauth",
                         public_ip=PUBLIC_IP)

    def request(self, method, path, body=None, headers=None, timeout=10,
                host=None, door="local"):
        hdrs = dict(headers or {})
        if host:
            hdrs["Host"] = host
        return super().request(method, path, body, hdrs, timeout, door)


def body_token(srv, password):
    st, _, body = srv.json("POST", "/api/auth/login",
                           {"username": "admin", "password": password})
    assert st == 200, body
    return body["access_token"]


def probe_dir():
    return subprocess.check_output(
        [os.path.join(harness.ROOT, "scripts", "node-tools")], text=True).strip()


class OAuthFlows:
    """Requests and flows; the test class sets srv, pub and the keys."""

    def pub_req(self, method, path, body=None, headers=None, host=None):
        return self.s.request(method, path, body, headers,
                              host=host or self.pub, door="public")

    def form(self, path, fields):
        return self.pub_req("POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type":
                             "application/x-www-form-urlencoded"})

    def mcp_init(self, headers):
        return self.pub_req("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}},
            dict({"Accept": "application/json, text/event-stream"},
                 **headers))

    def register(self, uris=(REDIRECT,), fresh=False):
        # Registration is limited per IP: the negatives share one client.
        if not fresh and getattr(type(self), "shared_client", None):
            return type(self).shared_client
        st, _, body = self.pub_req("POST", "/oauth/register",
                                   {"client_name": "neg", "redirect_uris":
                                    list(uris)})
        self.assertEqual(st, 201, body)
        cid = json.loads(body)["client_id"]
        if not fresh:
            type(self).shared_client = cid
        return cid

    def authorize(self, client, verifier, redirect=REDIRECT, extra=None):
        q = {"response_type": "code", "client_id": client,
             "redirect_uri": redirect, "code_challenge": s256(verifier),
             "code_challenge_method": "S256", "state": "xyz"}
        q.update(extra or {})
        return self.pub_req("GET", "/oauth/authorize?" +
                            urllib.parse.urlencode(q))

    def code_for(self, client, verifier):
        st, h, page = self.authorize(client, verifier)
        self.assertEqual(st, 200, page)
        self.assertNotIn(b"<script", page)
        self.assertIn("form-action", h["content-security-policy"])
        tok = re.search(rb'name="request" value="([^"]+)"', page).group(1)
        st, h, _ = self.form("/oauth/authorize", {
            "request": tok.decode(), "username": "admin",
            "password": PASSWORD, "action": "approve"})
        self.assertEqual(st, 302)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(h["location"]).query)
        self.assertEqual(q["state"], ["xyz"])
        self.assertEqual(q["iss"], [self.s.public])
        return q["code"][0]

    def exchange(self, client, code, verifier, redirect=REDIRECT, **extra):
        f = {"grant_type": "authorization_code", "client_id": client,
             "code": code, "redirect_uri": redirect,
             "code_verifier": verifier}
        f.update(extra)
        st, _, body = self.form("/oauth/token", f)
        return st, json.loads(body)

    def signing_key(self):
        """Open the sealed key the way the server does (test only)."""
        row = self.pg.psql("SELECT encode(ciphertext, 'hex') || ',' || "
                           "encode(nonce, 'hex') FROM oauth_signing_key")
        ct, nonce = (bytes.fromhex(x) for x in row.split(","))
        return AESGCM(bytes.fromhex(self.s.key)).decrypt(
            nonce, ct, b"oauth_signing_key")

    def hs256(self, claims):
        head = b64u(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64u(json.dumps(claims).encode())
        sig = hmac.new(self.signing_key(), f"{head}.{body}".encode(),
                       hashlib.sha256).digest()
        return f"{head}.{body}.{b64u(sig)}"

    def claims(self, **over):
        now = int(time.time())
        pv = int(self.pg.psql("SELECT password_version FROM admin_users"))
        c = {"iss": self.s.public, "sub": "admin",
             "aud": self.s.public + "/mcp", "client_id": "x", "scope": "",
             "typ": "mcp+access", "jti": "j", "iat": now, "exp": now + 300,
             "pv": pv}
        c.update(over)
        return c

    def cf_claims(self, **over):
        now = int(time.time())
        c = {"aud": [AUD], "iss": self.jwks.issuer,
             "email": "alice@example.com", "iat": now, "nbf": now,
             "exp": now + 300, "sub": "u1"}
        c.update(over)
        return c

    def cf_init(self, token, tries=40):
        """initialize with an Access JWT; waits out 503 (keys loading)."""
        for _ in range(tries):
            st, h, body = self.mcp_init({"Cf-Access-Jwt-Assertion": token})
            if st != 503:
                return st, body
            self.assertEqual(h.get("retry-after"), "1")
            time.sleep(0.25)
        return st, body

    # -- discovery and the public host ----------------------------------
