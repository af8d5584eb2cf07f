"""Remote access (issue 9): the built-in OAuth 2.1 authorization server,
Cloudflare Access JWTs and the public-host rules, end to end.

The public door listens on 127.0.0.2:PORT and the public URL names it
(plain http is allowed for loopback hosts only), so the official SDK
client reaches it exactly as a tunnel client would reach a public name.
The local door is 127.0.0.1 as everywhere else: requests there are the
local admin's, requests on the public door are remote whatever their
headers say.
"""
import http.client
import json
import os
import re
import secrets
import subprocess
import time
import unittest
import urllib.parse

import harness
from oauthhelp import (AUD, PASSWORD, PUBLIC_IP, REDIRECT, SERVICE_TOKEN,
                       Jwks, OAuthFlows, PublicServer, RsaKey, b64u, b64u_dec,
                       body_token, probe_dir, s256)

class OAuthTest(OAuthFlows, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails halfway.
        cls.jwks = Jwks()
        cls.addClassCleanup(cls.jwks.stop)
        cls.key_a = RsaKey("kid-a")
        cls.jwks.keys = [cls.key_a]
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        url = cls.pg.start()
        cls.s = PublicServer(url, {
            "MCPBOX_SERVICE_TOKEN": SERVICE_TOKEN,
            "MCPBOX_CF_ACCESS_TEAM_DOMAIN": cls.jwks.issuer,
            "MCPBOX_CF_ACCESS_AUD": AUD,
            "MCPBOX_REMOTE_EMAILS": "alice@example.com,@corp.example",
        }).start()
        cls.addClassCleanup(cls.s.stop)
        cls.pub = f"{PUBLIC_IP}:{cls.s.public_port}"
        st, _, _ = cls.s.json("POST", "/api/auth/setup",
                              {"username": "admin", "password": PASSWORD})
        assert st == 201, st
        st, _, body = cls.s.json("POST", "/api/auth/login",
                                 {"username": "admin", "password": PASSWORD})
        cls.admin = {"Authorization": "Bearer " + body["access_token"]}

    # -- helpers ---------------------------------------------------------

    def test_01_metadata(self):
        for path in ("/.well-known/oauth-protected-resource",
                     "/.well-known/oauth-protected-resource/mcp"):
            st, _, body = self.pub_req("GET", path)
            self.assertEqual(st, 200)
            prm = json.loads(body)
            self.assertEqual(prm["resource"], self.s.public + "/mcp")
            self.assertEqual(prm["authorization_servers"], [self.s.public])
        st, _, body = self.pub_req("GET",
                                   "/.well-known/oauth-authorization-server")
        asm = json.loads(body)
        self.assertEqual(asm["issuer"], self.s.public)
        self.assertEqual(asm["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(asm["token_endpoint"], self.s.public + "/oauth/token")

    def test_02_unauthenticated_remote_gets_401_with_metadata(self):
        st, h, _ = self.mcp_init({})
        self.assertEqual(st, 401)
        self.assertEqual(h["www-authenticate"], 'Bearer resource_metadata="%s'
                         '/.well-known/oauth-protected-resource/mcp"'
                         % self.s.public)
        # Headers never make a public-door caller local.
        for host in ("localhost", f"127.0.0.1:{self.s.port}", "[::1]",
                     "LOCALHOST."):
            for extra in ({}, {"X-Forwarded-Host": "localhost"},
                          {"Forwarded": "host=localhost;for=127.0.0.1"},
                          {"X-Forwarded-For": "127.0.0.1"}):
                st, _, _ = self.pub_req("POST", "/mcp", {
                    "jsonrpc": "2.0", "id": 1, "method": "ping"},
                    dict({"Accept": "application/json, text/event-stream"},
                         **extra), host=host or None)
                self.assertEqual(st, 401, (host, extra))
        # The same request on the local door is the admin's own.
        st, _, _ = self.s.request("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": "ping"},
            {"Accept": "application/json, text/event-stream"})
        self.assertNotEqual(st, 401)

    def test_05_server_endpoint_is_its_own_resource(self):
        """/mcp/{server} has its own metadata and audience (RFC 9728 §3.1,
        RFC 8707): a token for it works there only; one for /mcp works
        on every endpoint."""
        st, _, body = self.s.json("POST", "/api/servers", {"name": "alpha"},
                                  headers=self.admin)
        self.assertIn(st, (201, 409), body)
        st, _, body = self.pub_req(
            "GET", "/.well-known/oauth-protected-resource/mcp/alpha")
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["resource"],
                         self.s.public + "/mcp/alpha")
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18",
                           "capabilities": {},
                           "clientInfo": {"name": "t", "version": "1"}}}
        acc = {"Accept": "application/json, text/event-stream"}
        st, h, _ = self.pub_req("POST", "/mcp/alpha", init, acc)
        self.assertEqual(st, 401)
        self.assertEqual(h["www-authenticate"], 'Bearer resource_metadata="%s'
                         '/.well-known/oauth-protected-resource/mcp/alpha"'
                         % self.s.public)

        def init_with(path, aud):
            tok = self.hs256(self.claims(aud=aud))
            return self.pub_req("POST", path, init, dict(
                acc, Authorization="Bearer " + tok))[0]
        alpha = self.s.public + "/mcp/alpha"
        self.assertEqual(init_with("/mcp/alpha", alpha), 200)
        self.assertEqual(init_with("/mcp/alpha", self.s.public + "/mcp"), 200)
        self.assertEqual(init_with("/mcp", alpha), 401)
        self.assertEqual(init_with("/mcp/alpha",
                                   self.s.public + "/mcp/beta"), 401)
        # The token endpoint names only what MCPbox protects.
        client = self.register()
        st, body = self.exchange(client, "x" * 43, "v" * 43,
                                 resource=self.s.public + "/mcp/Not-A-Name")
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"], "invalid_target")

    def test_03_remote_caller_on_admin_api_and_panel(self):
        for path in ("/api/auth/status", "/api/servers", "/"):
            st, _, body = self.pub_req("GET", path, headers=self.admin)
            self.assertEqual(st, 404, path)
            self.assertEqual(json.loads(body)["error"]["code"], "not_found")
        st, _, _ = self.s.request("GET", "/api/servers", headers=self.admin)
        self.assertEqual(st, 200)

    def test_04_service_token_still_works_on_public_host(self):
        st, _, _ = self.mcp_init({"X-MCPbox-Service-Token": SERVICE_TOKEN})
        self.assertEqual(st, 200)
        st, _, _ = self.mcp_init({"X-MCPbox-Service-Token": "x" * 43})
        self.assertEqual(st, 403)

    # -- the SDK's own flow ---------------------------------------------

    def test_10_sdk_client_oauth_flow_lists_tools(self):
        p = subprocess.run(
            ["node", os.path.join(harness.ROOT, "tests", "oauth",
                                  "sdk_flow.mjs"), probe_dir(),
             self.s.public + "/mcp", "admin", PASSWORD],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        out = json.loads(p.stdout)
        self.assertIn("mcpbox_list_servers", out["tools"])
        tok = out["tokens"]
        # The access token is a JWT for exactly this resource.
        claims = json.loads(b64u_dec(tok["access_token"].split(".")[1]))
        self.assertEqual(claims["aud"], self.s.public + "/mcp")
        self.assertLessEqual(claims["exp"] - claims["iat"], 900)
        # Refresh rotates; the old refresh token is dead, and replaying it
        # kills the new one too.
        client = out["client"]["client_id"]
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": tok["refresh_token"]})
        self.assertEqual(st, 200, body)
        new = json.loads(body)
        self.assertNotEqual(new["refresh_token"], tok["refresh_token"])
        st, _, _ = self.mcp_init({"Authorization": "Bearer " +
                                  new["access_token"]})
        self.assertEqual(st, 200)
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": tok["refresh_token"]})
        self.assertEqual((st, json.loads(body)["error"]),
                         (400, "invalid_grant"))
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": new["refresh_token"]})
        self.assertEqual(st, 400, body)

    def test_11_another_mcpbox_as_an_oauth_source(self):
        """The shared MCPbox (A) uses this one (B) as an external source:
        A's OAuth client against B's authorization server, the admin of
        B consenting in the "browser", then a passthrough call A -> B."""
        import apiclient
        from test_mcp import Probe
        a = apiclient.shared()
        a_port = harness.SHARED["server"].port
        s = apiclient.make_server(a, "fromb")
        st, _, body = a.post(f"/api/servers/{s['id']}/allowed-hosts",
                             {"host": PUBLIC_IP, "port": self.s.public_port})
        self.assertIn(st, (200, 201), body)
        st, _, src = a.post(f"/api/servers/{s['id']}/external-sources", {
            "name": "mcpbox_b", "url": self.s.public + "/mcp",
            "auth_type": "oauth"})
        self.assertEqual(st, 201, src)
        redirect = f"http://127.0.0.1:{a_port}/oauth/external-callback"
        st, _, body = a.post(f"/api/external-sources/{src['id']}/oauth/start",
                             {"redirect_uri": redirect})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["issuer"], self.s.public)
        url = urllib.parse.urlparse(body["authorization_url"])
        self.assertEqual(f"{url.scheme}://{url.netloc}", self.s.public)
        # The browser: B's consent page, then approve as B's admin.
        st, _, page = self.pub_req("GET", url.path + "?" + url.query)
        self.assertEqual(st, 200, page)
        tok = re.search(rb'name="request" value="([^"]+)"', page).group(1)
        st, h, _ = self.form("/oauth/authorize", {
            "request": tok.decode(), "username": "admin",
            "password": PASSWORD, "action": "approve"})
        self.assertEqual(st, 302)
        back = urllib.parse.urlparse(h["location"])
        self.assertEqual(f"{back.scheme}://{back.netloc}{back.path}", redirect)
        q = dict(urllib.parse.parse_qsl(back.query))
        st, _, body = a.post("/api/external-sources/oauth/exchange",
                             {"state": q["state"], "code": q["code"]})
        self.assertEqual(st, 200, body)
        self.assertTrue(body["oauth_authorized"])
        st, _, body = a.post(f"/api/external-sources/{src['id']}/discover")
        self.assertEqual(st, 200, body)
        names = [t["name"] for t in body["tools"]]
        self.assertIn("mcpbox_list_servers", names)
        st, _, body = a.post(f"/api/external-sources/{src['id']}/import",
                             {"tool_names": ["mcpbox_list_servers"]})
        self.assertEqual(st, 200, body)
        tid = body["imported"][0]["tool_id"]
        st, _, body = a.post(f"/api/approvals/tools/{tid}/action",
                             {"action": "approve", "version":
                              harness.reviewed_version(a.get, tid)})
        self.assertEqual(st, 200, body)
        st, _, body = a.post(f"/api/servers/{s['id']}/start")
        self.assertEqual(st, 200, body)
        # B has a server of its own; A's gateway shows B's answer.
        st, _, _ = self.s.json("POST", "/api/servers", {
            "name": "only_on_b", "description": "lives on B"},
            headers=self.admin)
        self.assertIn(st, (200, 201))
        rc, res, err = Probe(f"http://localhost:{a_port}/mcp").call(
            f"{s['name']}__mcpbox_list_servers", {})
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("only_on_b", json.dumps(res))

    # -- negatives --------------------------------------------------------

    def test_20_pkce_plain_refused(self):
        client = self.register()
        st, _, page = self.authorize(client, "v" * 43, extra={
            "code_challenge_method": "plain", "code_challenge": "v" * 43})
        self.assertEqual(st, 400)
        self.assertIn(b"plain is refused", page)
        st, _, _ = self.authorize(client, "v" * 43, extra={
            "code_challenge_method": ""})
        self.assertEqual(st, 400)

    def test_21_wrong_verifier_burns_the_code(self):
        client = self.register()
        v = secrets.token_urlsafe(40)
        code = self.code_for(client, v)
        st, body = self.exchange(client, code, secrets.token_urlsafe(40))
        self.assertEqual((st, body["error"]), (400, "invalid_grant"))
        st, body = self.exchange(client, code, v)
        self.assertEqual((st, body["error"]), (400, "invalid_grant"))

    def test_22_reused_code_refused_and_grant_revoked(self):
        client = self.register()
        v = secrets.token_urlsafe(40)
        code = self.code_for(client, v)
        st, first = self.exchange(client, code, v)
        self.assertEqual(st, 200, first)
        st, body = self.exchange(client, code, v)
        self.assertEqual((st, body["error"]), (400, "invalid_grant"))
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": first["refresh_token"]})
        self.assertEqual(st, 400, body)

    def test_23_redirect_uri_mismatch(self):
        client = self.register()
        st, _, page = self.authorize(client, "v" * 43,
                                     redirect="https://evil.example/cb")
        self.assertEqual(st, 400)
        self.assertNotIn("location", {})
        v = secrets.token_urlsafe(40)
        code = self.code_for(client, v)
        st, body = self.exchange(client, code, v,
                                 redirect="http://127.0.0.1:9/other")
        self.assertEqual((st, body["error"]), (400, "invalid_grant"))
        for bad in ("http://evil.example/cb", "javascript:alert(1)",
                    "https://a.example/#frag"):
            st, _, _ = self.pub_req("POST", "/oauth/register",
                                    {"redirect_uris": [bad]})
            self.assertEqual(st, 400, bad)

    def test_24_expired_and_foreign_and_tampered_tokens(self):
        now = int(time.time())
        good = self.hs256(self.claims())
        st, _, _ = self.mcp_init({"Authorization": "Bearer " + good})
        self.assertEqual(st, 200)
        expired = self.hs256(self.claims(iat=now - 1000, exp=now - 10))
        other = self.hs256(self.claims(aud="https://other.example/mcp"))
        wrong_typ = self.hs256(self.claims(typ="access"))
        # Signed right, but not under the admin's current password, or
        # not for the admin at all.
        pv = self.claims()["pv"]
        stale = self.hs256(self.claims(pv=pv - 1))
        no_pv = self.hs256({k: v for k, v in self.claims().items()
                            if k != "pv"})
        stranger = self.hs256(self.claims(sub="mallory"))
        h, b, s = good.split(".")
        body = json.loads(b64u_dec(b))
        body["sub"] = "mallory"
        tampered = f"{h}.{b64u(json.dumps(body).encode())}.{s}"
        none_alg = (b64u(b'{"alg":"none","typ":"JWT"}') + "." + b + ".")
        for name, t in (("expired", expired), ("other resource", other),
                        ("typ", wrong_typ), ("tampered", tampered),
                        ("alg none", none_alg), ("stale password", stale),
                        ("no password version", no_pv),
                        ("not the admin", stranger)):
            st, hd, _ = self.mcp_init({"Authorization": "Bearer " + t})
            self.assertEqual(st, 401, name)
            self.assertIn('error="invalid_token"', hd["www-authenticate"])
        # Asking for a token for another resource is refused outright.
        client = self.register()
        st, _, _ = self.authorize(client, "v" * 43, extra={
            "resource": "https://other.example/mcp"})
        self.assertEqual(st, 400)
        v = secrets.token_urlsafe(40)
        code = self.code_for(client, v)
        st, body = self.exchange(client, code, v,
                                 resource="https://other.example/mcp")
        self.assertEqual((st, body["error"]), (400, "invalid_target"))

    def test_25_consent_wrong_password_and_deny(self):
        client = self.register()
        st, _, page = self.authorize(client, "v" * 43)
        tok = re.search(rb'name="request" value="([^"]+)"', page).group(1)
        st, _, page = self.form("/oauth/authorize", {
            "request": tok.decode(), "username": "admin",
            "password": "wrong password!!", "action": "approve"})
        self.assertEqual(st, 401)
        self.assertIn(b"Wrong username or password", page)
        st, h, _ = self.form("/oauth/authorize", {
            "request": tok.decode(), "action": "deny"})
        self.assertEqual(st, 302)
        self.assertIn("error=access_denied", h["location"])
        # Single use: the same form can't be answered twice.
        st, _, _ = self.form("/oauth/authorize", {
            "request": tok.decode(), "username": "admin",
            "password": PASSWORD, "action": "approve"})
        self.assertEqual(st, 400)

    def test_26_revoked_client_via_admin_api(self):
        client = self.register(fresh=True)
        v = secrets.token_urlsafe(40)
        st, first = self.exchange(client, self.code_for(client, v), v)
        self.assertEqual(st, 200)
        st, _, body = self.s.json("GET", "/api/remote", headers=self.admin)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["public_url"], self.s.public)
        self.assertEqual(body["public_listen"],
                         f"{PUBLIC_IP}:{self.s.public_port}")
        self.assertEqual(body["local_listen"], f"127.0.0.1:{self.s.port}")
        self.assertIn(client, [c["id"] for c in body["clients"]])
        st, _, _ = self.s.json("DELETE", "/api/remote/clients/" + client,
                               headers=self.admin)
        self.assertEqual(st, 200)
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": first["refresh_token"]})
        self.assertEqual(st, 400, body)
        st, _, _ = self.authorize(client, "v" * 43)
        self.assertEqual(st, 400)
        st, _, _ = self.s.json("DELETE", "/api/remote/clients/" + client,
                               headers=self.admin)
        self.assertEqual(st, 404)

    def test_27_remote_settings_put(self):
        st, _, body = self.s.json("PUT", "/api/remote",
                                  {"public_url": "https://x.example"},
                                  headers=self.admin)
        self.assertEqual(st, 422, body)
        self.assertIn("MCPBOX_PUBLIC_URL", json.dumps(body))
        st, _, body = self.s.json("PUT", "/api/remote",
                                  {"remote_tool_editing": "maybe"},
                                  headers=self.admin)
        self.assertEqual(st, 422, body)
        st, _, body = self.s.json("PUT", "/api/remote",
                                  {"remote_tool_editing": "enabled"},
                                  headers=self.admin)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["remote_tool_editing"], "enabled")
        self.assertEqual(set(body["front_doors"]),
                         {"oauth", "cloudflare_access", "service_token"})
        st, _, body = self.s.json("PUT", "/api/remote",
                                  {"remote_tool_editing": "disabled"},
                                  headers=self.admin)
        self.assertEqual(body["remote_tool_editing"], "disabled")
        # Never on the public host, whatever the token.
        st, _, _ = self.pub_req("PUT", "/api/remote",
                                {"remote_tool_editing": "enabled"},
                                headers=self.admin)
        self.assertEqual(st, 404)

    # -- Cloudflare Access ----------------------------------------------

    def test_30_access_jwt(self):
        st, body = self.cf_init(self.key_a.sign(self.cf_claims()))
        self.assertEqual(st, 200, body)
        st, _ = self.cf_init(self.key_a.sign(self.cf_claims(
            email="bob@corp.example")))
        self.assertEqual(st, 200)
        for name, c in (
                ("wrong aud", self.cf_claims(aud=["someone-else"])),
                ("wrong iss", self.cf_claims(iss="https://x.example")),
                ("expired", self.cf_claims(exp=int(time.time()) - 120)),
                ("not yet", self.cf_claims(nbf=int(time.time()) + 600)),
                ("not allowed", self.cf_claims(email="eve@example.com"))):
            st, _ = self.cf_init(self.key_a.sign(c))
            self.assertEqual(st, 403, name)
        # Within the 60 s skew.
        st, _ = self.cf_init(self.key_a.sign(self.cf_claims(
            exp=int(time.time()) - 20)))
        self.assertEqual(st, 200)
        # Signed by a key that is not the team's, under a known kid.
        st, _ = self.cf_init(RsaKey("kid-a").sign(self.cf_claims()))
        self.assertEqual(st, 403)

    def test_31_access_key_rotation(self):
        key_b = RsaKey("kid-b")
        self.jwks.keys = [key_b]
        # The old key is gone once a fetch saw the new set.
        st, body = self.cf_init(key_b.sign(self.cf_claims()))
        self.assertEqual(st, 200, body)
        # A kid the fresh set lacks is refused fast (negative cache).
        st, _ = self.cf_init(key_b.sign(self.cf_claims(), kid="kid-zzz"))
        self.assertEqual(st, 403)
        st, _ = self.cf_init(key_b.sign(self.cf_claims(), kid="kid-zzz"))
        self.assertEqual(st, 403)

    def test_96_consent_guesses_do_not_lock_out_the_local_login(self):
        client = self.register()
        st, _, page = self.authorize(client, secrets.token_urlsafe(48))
        tok = re.search(rb'name="request" value="([^"]+)"', page).group(1)
        codes = []
        for _ in range(6):
            # A guesser of its own behind the proxy: its bucket, not ours.
            st, _, _ = self.pub_req("POST", "/oauth/authorize",
                                    urllib.parse.urlencode({
                                        "request": tok.decode(),
                                        "username": "admin",
                                        "password": "wrong wrong wrong",
                                        "action": "approve"}),
                                    {"Content-Type":
                                     "application/x-www-form-urlencoded",
                                     "X-Forwarded-For": "198.51.100.9"})
            codes.append(st)
        self.assertEqual(codes[:5], [401] * 5)
        self.assertEqual(codes[5], 429)
        st, _, body = self.s.json("POST", "/api/auth/login", {
            "username": "admin", "password": PASSWORD})
        self.assertEqual(st, 200, body)

    def test_97_bogus_authorize_requests_stay_bounded(self):
        client = self.register(fresh=True)
        before = int(self.pg.psql("SELECT count(*) FROM oauth_requests"))
        q = urllib.parse.urlencode({
            "response_type": "code", "client_id": client,
            "redirect_uri": REDIRECT, "code_challenge": s256("v" * 43),
            "code_challenge_method": "S256"})
        conn = http.client.HTTPConnection(PUBLIC_IP, self.s.public_port,
                                          timeout=10)
        seen = {}
        try:
            for i in range(10000):
                # One visitor behind the trusted proxy (loopback).
                conn.request("GET", "/oauth/authorize?" + q, headers={
                    "Host": self.pub, "X-Forwarded-For": "203.0.113.7"})
                r = conn.getresponse()
                r.read()
                seen[r.status] = seen.get(r.status, 0) + 1
        finally:
            conn.close()
        after = int(self.pg.psql("SELECT count(*) FROM oauth_requests"))
        self.assertGreater(seen.get(429, 0), 9000, seen)
        self.assertLessEqual(after - before, 20, (before, after, seen))
        # Another visitor is not affected by that one's limit.
        st, _, _ = self.authorize(client, secrets.token_urlsafe(48))
        self.assertIn(st, (200, 400))

    def test_98_password_change_ends_every_grant(self):
        client = self.register()
        verifier = secrets.token_urlsafe(48)
        st, tok = self.exchange(client, self.code_for(client, verifier),
                                verifier)
        self.assertEqual(st, 200, tok)
        # A code consented but not yet exchanged, too.
        verifier2 = secrets.token_urlsafe(48)
        code2 = self.code_for(client, verifier2)
        st, _, _ = self.mcp_init({"Authorization": "Bearer " +
                                  tok["access_token"]})
        self.assertEqual(st, 200)
        new_pw = PASSWORD + " 2"
        st, _, body = self.s.json("POST", "/api/auth/change-password", {
            "current_password": PASSWORD, "new_password": new_pw},
            self.admin)
        self.assertEqual(st, 200, body)
        try:
            # The access token dies at once on every worker (NOTIFY).
            deadline = time.time() + 5
            while True:
                codes = {self.mcp_init({"Authorization": "Bearer " +
                                        tok["access_token"]})[0]
                         for _ in range(4)}
                if codes == {401} or time.time() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(codes, {401})
            st, _, body = self.form("/oauth/token", {
                "grant_type": "refresh_token", "client_id": client,
                "refresh_token": tok["refresh_token"]})
            self.assertEqual(st, 400, body)
            self.assertEqual(json.loads(body)["error"], "invalid_grant")
            st, body = self.exchange(client, code2, verifier2)
            self.assertEqual((st, body["error"]), (400, "invalid_grant"))
        finally:
            OAuthTest.admin = {"Authorization": "Bearer " +
                               body_token(self.s, new_pw)}
            st, _, _ = self.s.json("POST", "/api/auth/change-password", {
                "current_password": new_pw, "new_password": PASSWORD},
                OAuthTest.admin)
            self.assertEqual(st, 200)
            OAuthTest.admin = {"Authorization": "Bearer " +
                               body_token(self.s, PASSWORD)}

    def test_99_registration_is_rate_limited(self):
        statuses = set()
        for _ in range(12):
            st, h, _ = self.pub_req("POST", "/oauth/register",
                                    {"redirect_uris": [REDIRECT]})
            statuses.add(st)
            if st == 429:
                self.assertIn("retry-after", h)
                break
        self.assertIn(429, statuses)
