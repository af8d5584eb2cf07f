"""Export and import: a signed round trip into a second, fresh instance
that shares the key; tampered and unsigned files refused; existing names
skipped, never renamed; imported tools wait for review."""
import copy
import hashlib
import hmac
import json
import unittest

import apiclient
import harness


def hkdf(key, info, length=32):
    """RFC 5869 with an empty salt, as crypto_hkdf_sha256 does."""
    prk = hmac.new(b"\0" * 32, key, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def sign(doc, key_hex):
    """The documented signature: HMAC-SHA256 over sorted compact JSON."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    key = hkdf(bytes.fromhex(key_hex), b"mcpbox export v1")
    out = dict(body)
    out["signature"] = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return out


# A tool's authored fields, which travel with it.
PRESENTED = {"title": "Shown tool", "annotations": {"readOnlyHint": True},
             "icons": [{"src": "https://example.com/i.png",
                        "mimeType": "image/png"}],
             "output_schema": {"type": "object", "properties": {
                 "n": {"type": "integer"}}}}


class ExportImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        c = cls.c
        cls.server = apiclient.make_server(c, "exp")
        sid = cls.server["id"]
        cls.tool = apiclient.make_tool(c, sid)
        c.post(f"/api/approvals/tools/{cls.tool['id']}/action",
               {"action": "approve", "version": harness.reviewed_version(
                   c.get, cls.tool["id"])})
        st, _, cls.shown = c.post(f"/api/servers/{sid}/tools", dict(
            PRESENTED, name="zz_shown",
            python_code="def main():\n    return {'n': 1}\n"))
        assert st == 201, cls.shown
        c.post(f"/api/servers/{sid}/secrets",
               {"key": "EXPORTED", "value": apiclient.SECRET_VALUE})
        c.post(f"/api/servers/{sid}/allowed-hosts", {"host": "api.example.net",
                                                     "port": 443})
        # Credentials stay with their installation (docs/USERS-AND-TOKENS.md).
        cls.user = apiclient.unique("expuser")
        c.post("/api/users", {"username": cls.user, "role": "viewer",
                              "password": apiclient.PASSWORD + " u"})
        st, _, cls.client_token = c.post("/api/client-tokens", {
            "name": apiclient.unique("exptok"), "servers": None,
            "scope": "call"})
        assert st == 201, cls.client_token
        st, h, cls.doc = c.get("/api/export")
        assert st == 200, st
        cls.headers = h
        cls.key = c.server.key
        cls.pg, cls.other = apiclient.fresh_stack(
            workers=1, env={"MCPBOX_ENCRYPTION_KEY": cls.key}, name="import")
        # Runs even when setUpClass fails after this line.
        cls.addClassCleanup(apiclient.stop_stack, cls.pg, cls.other)
        cls.oc = apiclient.Client(cls.other).setup()

    def mine(self, doc):
        return [s for s in doc["servers"] if s["name"] ==
                self.server["name"]][0]

    def test_export_document(self):
        d = self.doc
        self.assertEqual((d["format"], d["version"]), ("mcpbox-export", 1))
        self.assertRegex(d["signature"], r"^[0-9a-f]{64}$")
        self.assertIn("attachment", self.headers["content-disposition"])
        s = self.mine(d)
        self.assertEqual(s["secrets"], [{"key": "EXPORTED",
                                         "description": ""}])
        self.assertEqual(s["allowed_hosts"], [{"host": "api.example.net",
                                               "port": 443}])
        self.assertEqual(s["tools"][0]["python_code"],
                         "def main():\n    return 1\n")
        self.assertNotIn("approval_status", s["tools"][0])
        self.assertNotIn(apiclient.SECRET_VALUE, json.dumps(d))
        text = json.dumps(d)
        for leftout in (self.user, self.client_token["name"],
                        self.client_token["token"], "password_hash",
                        "client_tokens", "users"):
            self.assertNotIn(leftout, text)
        # The documented canonical form reproduces the signature.
        self.assertEqual(sign(d, self.key)["signature"], d["signature"])

    def test_round_trip(self):
        oc = self.oc
        st, _, r = oc.post("/api/import", self.doc)
        self.assertEqual(st, 200, r)
        names = [x["name"] for x in r["imported"]]
        self.assertIn(self.server["name"], names)
        sid = [x["id"] for x in r["imported"]
               if x["name"] == self.server["name"]][0]
        st, _, srv = oc.get(f"/api/servers/{sid}")
        self.assertEqual(srv["tools"][0]["approval_status"], "pending_review")
        self.assertEqual(srv["secrets"], [{"key": "EXPORTED",
                                           "has_value": False}])
        # Hosts arrive as requests to review, not as grants.
        self.assertEqual(srv["allowed_hosts"], [])
        st, _, q = oc.get(f"/api/approvals/network?server_id={sid}")
        self.assertEqual(q["items"][0]["host"], "api.example.net")
        st, _, v = oc.get(f"/api/tools/{srv['tools'][0]['id']}/versions")
        self.assertEqual(st, 200, v)
        self.assertEqual(v["items"][0]["change_source"], "import")
        # Title, annotations, icons and outputSchema arrive, to review.
        shown = [t for t in srv["tools"] if t["name"] == "zz_shown"][0]
        st, _, t = oc.get(f"/api/tools/{shown['id']}")
        self.assertEqual({k: t[k] for k in PRESENTED}, PRESENTED)
        # Again: everything exists now, nothing is renamed.
        st, _, r = oc.post("/api/import", self.doc)
        self.assertEqual(r["imported"], [])
        self.assertIn({"name": self.server["name"],
                       "reason": "a server with this name already exists"},
                      r["skipped"])
        st, _, lst = oc.get("/api/servers?page_size=100")
        self.assertEqual(sum(1 for x in lst["items"]
                             if x["name"].startswith(self.server["name"])), 1)
        st, _, logs = oc.get("/api/activity/logs?log_type=audit&q=imported")
        self.assertGreaterEqual(logs["total"], 2)

    def test_tampered_and_unsigned(self):
        bad = copy.deepcopy(self.doc)
        self.mine(bad)["tools"][0]["python_code"] = "import os\n"
        st, _, b = self.oc.post("/api/import", bad)
        self.assertEqual((st, b["error"]["code"]), (400, "bad_signature"))
        bad = copy.deepcopy(self.doc)
        bad["signature"] = "0" * 64
        st, _, b = self.oc.post("/api/import", bad)
        self.assertEqual(st, 400)
        bad = copy.deepcopy(self.doc)
        del bad["signature"]
        st, _, b = self.oc.post("/api/import", bad)
        self.assertEqual((st, b["error"]["code"]), (400, "unsigned"))
        st, _, b = self.oc.post("/api/import", {"signature": "zz"})
        self.assertEqual(st, 400)
        # Signed under another key.
        st, _, b = self.oc.post("/api/import", sign(self.doc, "ab" * 32))
        self.assertEqual(st, 400)

    def test_signed_but_invalid_is_422(self):
        doc = {"format": "mcpbox-export", "version": 1, "servers": [
            {"name": "Bad Name", "tools": [{"name": "t", "python_code": "",
                                            "annotations": {"safe": True}}],
             "secrets": [{"key": "lower"}],
             "allowed_hosts": [{"host": "bad host"}]}]}
        st, _, b = self.oc.post("/api/import", sign(doc, self.key))
        self.assertEqual(st, 422)
        f = b["error"]["fields"]
        for k in ("servers[0].name", "servers[0].tools[0].python_code",
                  "servers[0].tools[0].annotations",
                  "servers[0].secrets[0].key",
                  "servers[0].allowed_hosts[0].host"):
            self.assertIn(k, f)
        doc = {"format": "other", "version": 2, "servers": []}
        st, _, b = self.oc.post("/api/import", sign(doc, self.key))
        self.assertEqual(st, 422)

    def test_duplicates_in_file_and_large_document(self):
        name = apiclient.unique("big")
        code = "def main():\n    return 1\n" + "#" * (100 * 1024 - 40) + "\n"
        doc = {"format": "mcpbox-export", "version": 1, "servers": [
            {"name": name, "tools": [{"name": f"t{i}", "python_code": code}
                                     for i in range(12)]},
            {"name": name, "description": "second copy"}]}
        signed = sign(doc, self.key)
        self.assertGreater(len(json.dumps(signed)), 1024 * 1024)
        st, _, r = self.oc.post("/api/import", signed)
        self.assertEqual(st, 200, r)
        self.assertEqual(r["imported"][0]["tools"], 12)
        self.assertEqual(r["skipped"][0]["reason"],
                         "the name appears more than once in the file")
        # Over the 8 MB limit: refused on the announced length alone.
        out = self.other.raw(
            b"POST /api/import HTTP/1.1\r\nHost: x\r\nAuthorization: "
            b"Bearer " + self.oc.access.encode() + b"\r\nContent-Length: "
            + str(9 * 1024 * 1024).encode() + b"\r\n\r\n{")
        self.assertEqual(apiclient.request_line_status(out), 413)

    def test_auth_required(self):
        apiclient.assert_auth_required(self, "GET", "/api/export")
        apiclient.assert_auth_required(self, "POST", "/api/import")


if __name__ == "__main__":
    unittest.main()
