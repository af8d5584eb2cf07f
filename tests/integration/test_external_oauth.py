"""An external MCP source behind OAuth 2.1: a loopback authorization
server and MCP server in one (RFC 9728 metadata named by the 401, RFC 8414
metadata under an issuer with a path, RFC 7591 registration, code + PKCE
S256 that the server really checks, rotating refresh tokens). MCPbox runs
the client side; the test plays the admin's browser."""
import base64
import hashlib
import http.client
import http.server
import json
import threading
import time
import unittest
import urllib.parse

import apiclient
import harness
from test_external import JsonHandler
from test_mcp import Probe


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class AuthState:
    def __init__(self, s256=True, expires_in=3600):
        self.s256 = s256
        self.expires_in = expires_in
        self.refused = 0       # 401s the MCP endpoint sent
        self.clients = {}      # client_id -> redirect_uris
        self.codes = {}        # code -> dict
        self.access = set()
        self.refresh = {}      # refresh token -> client_id
        self.grants = []       # grant types seen
        self.n = 0
        self.lock = threading.Lock()

    def next(self, prefix):
        with self.lock:
            self.n += 1
            return f"{prefix}-{self.n}-{b64url(hashlib.sha256(str(time.time()).encode()).digest())[:12]}"


class OAuthMcp(JsonHandler):
    @property
    def st(self):
        return self.server.state

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path == "/.well-known/oauth-protected-resource/mcp":
            return self.answer(200, {"resource": self.base + "/mcp",
                                     "authorization_servers": [self.base + "/as"],
                                     "scopes_supported": ["tools"]})
        if u.path == "/.well-known/oauth-authorization-server/as":
            md = {"issuer": self.base + "/as",
                  "authorization_endpoint": self.base + "/as/authorize",
                  "token_endpoint": self.base + "/as/token",
                  "registration_endpoint": self.base + "/as/register",
                  "response_types_supported": ["code"]}
            if self.st.s256:
                md["code_challenge_methods_supported"] = ["S256"]
            return self.answer(200, md)
        if u.path == "/as/authorize":
            ok = (q.get("response_type") == "code"
                  and q.get("client_id") in self.st.clients
                  and q.get("redirect_uri") in self.st.clients[q["client_id"]]
                  and q.get("code_challenge_method") == "S256"
                  and q.get("code_challenge") and q.get("state")
                  and q.get("resource") == self.base + "/mcp")
            if not ok:
                return self.answer(400, {"error": "invalid_request", "got": q})
            code = self.st.next("code")
            self.st.codes[code] = dict(q)
            loc = q["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": q["state"]})
            return self.answer(302, None, [("Location", loc)])
        return self.answer(404, {"error": "not found"})

    def issue(self, client_id):
        at, rt = self.st.next("at"), self.st.next("rt")
        self.st.access.add(at)
        self.st.refresh[rt] = client_id
        return self.answer(200, {"access_token": at, "token_type": "Bearer",
                                 "expires_in": self.st.expires_in,
                                 "refresh_token": rt})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        u = urllib.parse.urlparse(self.path)
        if u.path == "/as/register":
            req = json.loads(raw)
            if req.get("token_endpoint_auth_method") != "none":
                return self.answer(400, {"error": "invalid_client_metadata"})
            cid = self.st.next("client")
            self.st.clients[cid] = req["redirect_uris"]
            return self.answer(201, {"client_id": cid,
                                     "redirect_uris": req["redirect_uris"],
                                     "token_endpoint_auth_method": "none"})
        if u.path == "/as/token":
            f = dict(urllib.parse.parse_qsl(raw.decode()))
            self.st.grants.append(f.get("grant_type"))
            if f.get("grant_type") == "authorization_code":
                c = self.st.codes.pop(f.get("code", ""), None)
                if c is None or c["client_id"] != f.get("client_id") or \
                        c["redirect_uri"] != f.get("redirect_uri") or \
                        f.get("resource") != self.base + "/mcp":
                    return self.answer(400, {"error": "invalid_grant"})
                want = b64url(hashlib.sha256(f.get("code_verifier", "").encode()).digest())
                if want != c["code_challenge"]:
                    return self.answer(400, {"error": "invalid_grant",
                                             "error_description": "PKCE verification failed"})
                return self.issue(c["client_id"])
            if f.get("grant_type") == "refresh_token":
                cid = self.st.refresh.pop(f.get("refresh_token", ""), None)
                if cid is None or cid != f.get("client_id"):
                    return self.answer(400, {"error": "invalid_grant",
                                             "error_description": "refresh token unknown"})
                return self.issue(cid)
            return self.answer(400, {"error": "unsupported_grant_type"})
        if u.path != "/mcp":
            return self.answer(404, {"error": "not found"})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.st.access:
            self.st.refused += 1
            return self.answer(401, {"error": "unauthorized"}, [(
                "WWW-Authenticate",
                f'Bearer resource_metadata="{self.base}/.well-known/'
                f'oauth-protected-resource/mcp", scope="tools"')])
        msg = json.loads(raw)
        m = msg.get("method")
        if "id" not in msg:
            return self.answer(202)
        if m == "initialize":
            res = {"protocolVersion": "2025-03-26", "capabilities": {"tools": {}},
                   "serverInfo": {"name": "oauth-test", "version": "1"}}
        elif m == "tools/list":
            res = {"tools": [{"name": "greet", "description": "says hello",
                              "inputSchema": {"type": "object", "properties": {
                                  "name": {"type": "string"}}}}]}
        elif m == "tools/call":
            res = {"content": [{"type": "text", "text": "hello " + msg["params"][
                "arguments"].get("name", "?")}]}
        else:
            return self.answer(200, {"jsonrpc": "2.0", "id": msg["id"], "error": {
                "code": -32601, "message": "no such method"}})
        return self.answer(200, {"jsonrpc": "2.0", "id": msg["id"], "result": res})


def start(state):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OAuthMcp)
    srv.state = state
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class ExternalOAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = harness.SHARED["server"]
        cls.probe = Probe(f"http://localhost:{cls.srv.port}/mcp")
        cls.redirect = f"http://127.0.0.1:{cls.srv.port}/oauth/external-callback"
        cls.state = AuthState()
        # Class cleanups run even when setUpClass fails halfway.
        cls.auth = start(cls.state)
        cls.addClassCleanup(cls.auth.shutdown)
        cls.noauth = start(AuthState(s256=False))
        cls.addClassCleanup(cls.noauth.shutdown)
        cls.short = start(AuthState(expires_in=30))
        cls.addClassCleanup(cls.short.shutdown)

    def source(self, httpd):
        port = httpd.server_address[1]
        s = apiclient.make_server(self.c, "oauth")
        st, _, body = self.c.post(f"/api/servers/{s['id']}/allowed-hosts",
                                  {"host": "127.0.0.1", "port": port})
        self.assertIn(st, (200, 201), body)
        st, _, src = self.c.post(f"/api/servers/{s['id']}/external-sources", {
            "name": "secured", "url": f"http://127.0.0.1:{port}/mcp",
            "auth_type": "oauth"})
        self.assertEqual(st, 201, src)
        return s, src

    def authorize(self, src):
        """Start the flow, play the browser, hand the code back."""
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/oauth/start",
                                  {"redirect_uri": self.redirect})
        self.assertEqual(st, 200, body)
        url = urllib.parse.urlparse(body["authorization_url"])
        q = dict(urllib.parse.parse_qsl(url.query))
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertEqual(q["redirect_uri"], self.redirect)
        self.assertEqual(q["scope"], "tools")
        self.assertNotIn("code_verifier", q)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", url.path + "?" + url.query)
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 302)
        back = urllib.parse.urlparse(r.getheader("Location"))
        self.assertEqual(f"{back.scheme}://{back.netloc}{back.path}", self.redirect)
        return dict(urllib.parse.parse_qsl(back.query))

    def test_1_authorize_discover_call_refresh(self):
        s, src = self.source(self.auth)
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/discover")
        self.assertEqual(st, 409, body)
        self.assertIn("not authorized yet", body["error"]["message"])
        # Only this panel's own callback page may receive the code.
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/oauth/start",
                                  {"redirect_uri": "https://evil.example/oauth/external-callback"})
        self.assertEqual(st, 422, body)
        self.assertIn("redirect_uri", body["error"]["fields"])

        back = self.authorize(src)
        st, _, body = self.c.post("/api/external-sources/oauth/exchange",
                                  {"state": "not-the-state", "code": back["code"]})
        self.assertEqual(st, 400, body)
        st, _, body = self.c.post("/api/external-sources/oauth/exchange", back)
        self.assertEqual(st, 200, body)
        self.assertTrue(body["oauth_authorized"])
        self.assertEqual(body["oauth_issuer"], f"http://127.0.0.1:{self.auth.server_address[1]}/as")
        # A state works once.
        st, _, body = self.c.post("/api/external-sources/oauth/exchange", back)
        self.assertEqual(st, 400, body)
        self.assertEqual(body["error"]["code"], "unknown_state")

        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/discover")
        self.assertEqual(st, 200, body)
        self.assertEqual([t["name"] for t in body["tools"]], ["greet"])
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/import",
                                  {"tool_names": ["greet"]})
        self.assertEqual(st, 200, body)
        tid = body["imported"][0]["tool_id"]
        st, _, body = self.c.post(f"/api/approvals/tools/{tid}/action", {
            "action": "approve",
            "version": harness.reviewed_version(self.c.get, tid)})
        self.assertEqual(st, 200, body)
        st, _, body = self.c.post(f"/api/servers/{s['id']}/start")
        self.assertEqual(st, 200, body)
        name = f"{s['name']}__greet"
        rc, res, err = self.probe.call(name, {"name": "ada"})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"][0]["text"], "hello ada")

        # The source forgets every access token: the next call refreshes
        # (rotating the refresh token) and goes through.
        self.state.access.clear()
        rc, res, err = self.probe.call(name, {"name": "grace"})
        self.assertEqual(rc, 0, (res, err))
        self.assertEqual(res["content"][0]["text"], "hello grace")
        self.assertEqual(self.state.grants.count("refresh_token"), 1)
        # The refreshed pair was stored: later calls need no refresh.
        time.sleep(0.5)
        for who in ("edsger", "barbara"):
            rc, res, err = self.probe.call(name, {"name": who})
            self.assertEqual(rc, 0, (res, err))
        self.assertEqual(self.state.grants.count("refresh_token"), 1)

        # Nothing of the tokens is ever shown.
        st, _, body = self.c.get(f"/api/external-sources/{src['id']}")
        text = json.dumps(body)
        for t in list(self.state.access) + list(self.state.refresh):
            self.assertNotIn(t, text)

        # Both tokens dead: a clear error that says what to do.
        self.state.access.clear()
        self.state.refresh.clear()
        rc, res, err = self.probe.call(name, {"name": "alan"})
        self.assertEqual(rc, 2, (res, err))
        self.assertIn("authorize the source again", res["content"][0]["text"])

    def test_5_refresh_ahead_of_expiry(self):
        """A token that lives under a minute is refreshed before it is
        sent: the source never has to refuse one."""
        _, src = self.source(self.short)
        st, _, body = self.c.post("/api/external-sources/oauth/exchange",
                                  self.authorize(src))
        self.assertEqual(st, 200, body)
        refused = self.short.state.refused
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/discover")
        self.assertEqual(st, 200, body)
        self.assertEqual(self.short.state.grants,
                         ["authorization_code", "refresh_token"])
        self.assertEqual(self.short.state.refused, refused)

    def test_2_pkce_is_required(self):
        _, src = self.source(self.noauth)
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/oauth/start",
                                  {"redirect_uri": self.redirect})
        self.assertEqual(st, 502, body)
        self.assertIn("S256", body["error"]["message"])

    def test_3_not_an_oauth_source(self):
        s = apiclient.make_server(self.c, "plain")
        st, _, src = self.c.post(f"/api/servers/{s['id']}/external-sources", {
            "name": "plain", "url": "https://mcp.example.com/mcp"})
        self.assertEqual(st, 201, src)
        st, _, body = self.c.post(f"/api/external-sources/{src['id']}/oauth/start",
                                  {"redirect_uri": self.redirect})
        self.assertEqual(st, 409, body)

    def test_4_llm_adds_an_oauth_source(self):
        s = apiclient.make_server(self.c, "llm")
        rc, res, err = self.probe.call("mcpbox_add_external_source", {
            "server_id": s["id"], "name": "remote", "url": "https://mcp.example.com/mcp",
            "auth_type": "oauth"})
        self.assertEqual(rc, 0, (res, err))
        self.assertIn("admin must approve", res["structuredContent"]["next_step"])
        self.assertIn("admin must authorize", res["structuredContent"]["next_step"])
        # Not even the authorization starts before the source is approved:
        # it would contact the source and its authorization server.
        sid = res["structuredContent"]["source_id"]
        st, _, body = self.c.post(f"/api/external-sources/{sid}/oauth/start",
                                  {"redirect_uri": self.redirect})
        self.assertEqual((st, body["error"]["code"]), (409, "source_unapproved"), body)
        rc, res, err = self.probe.call("mcpbox_list_external_sources", {"server_id": s["id"]})
        self.assertEqual(rc, 0, (res, err))
        self.assertIs(res["structuredContent"]["sources"][0]["oauth_authorized"], False)
        rc, res, err = self.probe.call("mcpbox_add_external_source", {
            "server_id": s["id"], "name": "other", "url": "https://mcp.example.com/mcp",
            "auth_type": "kerberos"})
        self.assertEqual(rc, 2, (res, err))


if __name__ == "__main__":
    unittest.main()
