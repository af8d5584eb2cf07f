"""OAuth consents choose what a remote client may do: the servers and the
scope the consenting admin picked ride on the client's tokens exactly like
a client token's, and the consent's row in /api/client-tokens revokes it.
Only an admin may consent, and each admin's grants end with that admin's
password alone."""
import json
import re
import secrets
import time
import unittest
import urllib.parse

import apiclient
import harness
import opshelp
from test_oauth import PUBLIC_IP, REDIRECT, PublicServer, s256

PASSWORD = apiclient.PASSWORD


class ConsentScopeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        cls.s = PublicServer(cls.pg.start(), {}).start()
        cls.addClassCleanup(cls.s.stop)
        cls.pub = f"{PUBLIC_IP}:{cls.s.public_port}"
        cls.c = apiclient.Client(cls.s).setup()
        cls.a_tool, _ = opshelp.approved_tool(cls.c, "def main():\n"
                                              "    return 'a'\n", "csa")
        cls.b_tool, _ = opshelp.approved_tool(cls.c, "def main():\n"
                                              "    return 'b'\n", "csb")
        cls.a = cls.a_tool.split("__")[0]
        cls.b = cls.b_tool.split("__")[0]

    # -- the flow ---------------------------------------------------------

    def pub_req(self, method, path, body=None, headers=None):
        return self.s.request(method, path, body, headers, host=self.pub,
                              door="public")

    def form(self, path, fields):
        return self.pub_req("POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type":
                             "application/x-www-form-urlencoded"})

    def register(self):
        st, _, body = self.pub_req("POST", "/oauth/register", {
            "client_name": "scoped client", "redirect_uris": [REDIRECT]})
        self.assertEqual(st, 201, body)
        return json.loads(body)["client_id"]

    def consent_page(self, client, verifier):
        st, _, page = self.pub_req("GET", "/oauth/authorize?" +
                                   urllib.parse.urlencode({
                                       "response_type": "code",
                                       "client_id": client,
                                       "redirect_uri": REDIRECT,
                                       "code_challenge": s256(verifier),
                                       "code_challenge_method": "S256"}))
        self.assertEqual(st, 200, page)
        return page, re.search(rb'name="request" value="([^"]+)"',
                               page).group(1).decode()

    def approve(self, request, user="admin", password=PASSWORD, **choice):
        return self.form("/oauth/authorize", dict({
            "request": request, "username": user, "password": password,
            "action": "approve"}, **choice))

    def grant(self, servers, scope, user="admin", password=PASSWORD):
        client = self.register()
        verifier = secrets.token_urlsafe(40)
        _, req = self.consent_page(client, verifier)
        st, h, page = self.approve(req, user, password, servers=servers,
                                   scope=scope)
        self.assertEqual(st, 302, page)
        code = urllib.parse.parse_qs(urllib.parse.urlparse(
            h["location"]).query)["code"][0]
        st, _, body = self.form("/oauth/token", {
            "grant_type": "authorization_code", "client_id": client,
            "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier})
        self.assertEqual(st, 200, body)
        return client, json.loads(body)

    def rpc(self, token, method, params=None, path="/mcp", session=None):
        h = {"Accept": "application/json, text/event-stream",
             "Authorization": "Bearer " + token}
        if session:
            h["Mcp-Session-Id"] = session
        st, hd, body = self.pub_req("POST", path, {
            "jsonrpc": "2.0", "id": 1, "method": method,
            "params": params or {}}, h)
        return st, hd, json.loads(body) if body else None

    def session(self, token, path="/mcp"):
        st, h, body = self.rpc(token, "initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}, path)
        return st, h.get("mcp-session-id"), body

    # -- tests ------------------------------------------------------------

    def test_consent_page_offers_the_choice(self):
        page, _ = self.consent_page(self.register(), "v" * 43)
        self.assertIn(b'name="scope" value="call" checked', page)
        self.assertIn(b'name="scope" value="author"', page)
        self.assertIn(b'name="servers"', page)

    def test_call_scope_on_one_server(self):
        _, tok = self.grant(self.a, "call")
        access = tok["access_token"]
        st, sid, _ = self.session(access)
        self.assertEqual(st, 200)
        st, _, body = self.rpc(access, "tools/list", session=sid)
        names = [t["name"] for t in body["result"]["tools"]]
        self.assertIn(self.a_tool, names)
        self.assertNotIn(self.b_tool, names)
        self.assertFalse([n for n in names if n.startswith("mcpbox_")])
        st, _, body = self.rpc(access, "tools/call", {
            "name": self.a_tool, "arguments": {}}, session=sid)
        self.assertEqual(body["result"]["content"][0]["text"], "a")
        st, _, body = self.rpc(access, "tools/call", {
            "name": self.b_tool, "arguments": {}}, session=sid)
        self.assertNotIn("result", body)
        st, _, body = self.rpc(access, "tools/call", {
            "name": "mcpbox_list_servers", "arguments": {}}, session=sid)
        self.assertNotIn("structuredContent", body.get("result", {}))
        # Its own server's endpoint serves it; the other one is unknown.
        self.assertEqual(self.session(access, f"/mcp/{self.a}")[0], 200)
        self.assertEqual(self.session(access, f"/mcp/{self.b}")[0], 404)

    def test_author_scope_sees_the_management_tools_of_its_servers(self):
        _, tok = self.grant(f"{self.a}, {self.b}", "author")
        access = tok["access_token"]
        st, sid, _ = self.session(access)
        st, _, body = self.rpc(access, "tools/list", session=sid)
        names = [t["name"] for t in body["result"]["tools"]]
        self.assertIn("mcpbox_list_servers", names)
        self.assertIn(self.b_tool, names)

    def test_unknown_server_is_refused_and_the_request_kept(self):
        client = self.register()
        verifier = secrets.token_urlsafe(40)
        _, req = self.consent_page(client, verifier)
        st, _, page = self.approve(req, servers="no_such_server_x",
                                   scope="call")
        self.assertEqual(st, 400)
        self.assertIn(b"No such server: no_such_server_x", page)
        st, _, page = self.approve(req, servers="bad name!", scope="call")
        self.assertEqual(st, 400)
        st, _, _ = self.approve(req, servers=self.a, scope="call")
        self.assertEqual(st, 302)

    def test_the_consents_row_revokes_it(self):
        client, tok = self.grant(self.a, "call")
        st, _, body = self.c.get("/api/client-tokens")
        rows = [t for t in body["items"] if t["source"] == "oauth" and
                t["servers"] == [self.a] and t["scope"] == "call"]
        self.assertTrue(rows, body)
        self.assertEqual(self.session(tok["access_token"])[0], 200)
        # The newest first: this grant's.
        st, _, _ = self.c.delete("/api/client-tokens/" + rows[0]["id"])
        self.assertEqual(st, 200)
        codes = opshelp.wait_until(lambda: {
            self.session(tok["access_token"])[0] for _ in range(4)} ==
            {401}, timeout=5)
        self.assertTrue(codes)
        st, _, body = self.form("/oauth/token", {
            "grant_type": "refresh_token", "client_id": client,
            "refresh_token": tok["refresh_token"]})
        self.assertEqual(st, 400, body)

    def test_only_an_admin_consents(self):
        st, _, _ = self.c.post("/api/users", {
            "username": "consent_rev", "password": PASSWORD + " r",
            "role": "reviewer"})
        self.assertEqual(st, 201)
        _, req = self.consent_page(self.register(), "w" * 43)
        st, _, page = self.approve(req, "consent_rev", PASSWORD + " r",
                                   scope="call")
        self.assertEqual(st, 401)
        self.assertIn(b"Wrong username or password", page)

    def test_an_admins_password_ends_only_that_admins_grants(self):
        pw2 = PASSWORD + " second"
        st, _, u = self.c.post("/api/users", {
            "username": "consent_adm2", "password": pw2, "role": "admin"})
        self.assertEqual(st, 201, u)
        _, mine = self.grant(self.a, "call")
        _, theirs = self.grant(self.a, "call", "consent_adm2", pw2)
        self.assertEqual(self.session(theirs["access_token"])[0], 200)
        st, _, _ = self.c.patch("/api/users/" + u["id"],
                                {"password": pw2 + " new"})
        self.assertEqual(st, 200)
        self.assertTrue(opshelp.wait_until(lambda: {
            self.session(theirs["access_token"])[0] for _ in range(4)} ==
            {401}, timeout=5))
        self.assertEqual(self.session(mine["access_token"])[0], 200)
        # Demoted, the second admin's new grants end too.
        _, again = self.grant(self.a, "call", "consent_adm2", pw2 + " new")
        st, _, _ = self.c.patch("/api/users/" + u["id"], {"role": "viewer"})
        self.assertEqual(st, 200)
        self.assertTrue(opshelp.wait_until(lambda: {
            self.session(again["access_token"])[0] for _ in range(4)} ==
            {401}, timeout=5))
        self.assertEqual(self.session(mine["access_token"])[0], 200)


if __name__ == "__main__":
    unittest.main()
