"""Client tokens over REST (admins only): the token is shown once, in the
creating answer, as mcpbox_ct_ and 43 base64url characters; the list and
the audit log never show it nor its hash; field errors (422), a taken
name (409), delete then 404."""
import datetime
import hashlib
import json
import re
import unittest
import uuid

import apiclient
import harness
import rolehelp

TOKEN_RE = re.compile(r"^mcpbox_ct_[A-Za-z0-9_-]{43}$")
FIELDS = {"id", "name", "servers", "scope", "source", "expires_at",
          "created_by", "created_at", "last_used_at"}


def psql(sql):
    return harness.SHARED["pg"].psql(sql)


class ClientTokensApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.server = apiclient.make_server(cls.c, "ctok")

    def create(self, **body):
        body.setdefault("name", apiclient.unique("tok"))
        body.setdefault("servers", None)
        body.setdefault("scope", "call")
        st, _, t = self.c.post("/api/client-tokens", body)
        self.assertEqual(st, 201, (body, t))
        return t

    def all_tokens_raw(self):
        st, _, raw = self.c.get("/api/client-tokens?page_size=100", raw=True)
        self.assertEqual(st, 200)
        return raw

    def test_create_shows_token_once(self):
        name = apiclient.unique("once")
        t = self.create(name=name, servers=[self.server["name"]],
                        scope="call")
        self.assertRegex(t["token"], TOKEN_RE)
        self.assertEqual(len(t["token"]), len("mcpbox_ct_") + 43)
        self.assertEqual(set(t), FIELDS | {"token"})
        self.assertEqual((t["name"], t["servers"], t["scope"], t["source"],
                          t["expires_at"], t["created_by"],
                          t["last_used_at"]),
                         (name, [self.server["name"]], "call", "token", None,
                          apiclient.USERNAME, None))
        uuid.UUID(t["id"])
        digest = hashlib.sha256(t["token"].encode()).hexdigest()
        # Stored as its SHA-256 only.
        self.assertEqual(psql("SELECT hash FROM client_tokens WHERE id = "
                              f"'{t['id']}'"), digest)
        raw = self.all_tokens_raw()
        listed = json.loads(raw)
        self.assertEqual(set(listed), {"items", "total", "page", "page_size"})
        item = [x for x in listed["items"] if x["id"] == t["id"]]
        self.assertEqual(len(item), 1)
        self.assertEqual(set(item[0]), FIELDS)
        self.assertEqual(item[0], {k: v for k, v in t.items()
                                   if k != "token"})
        for needle in (t["token"], t["token"][len("mcpbox_ct_"):], digest):
            self.assertNotIn(needle.encode(), raw)
        for x in listed["items"]:
            self.assertNotIn("token", x)
            self.assertNotIn("hash", x)
        # Nor anywhere in the audit log.
        entries = rolehelp.audit_entries(self.c, "client_tokens.create",
                                         "client token created")
        mine = [x for x in entries if x["details"].get("name") == name]
        self.assertEqual(len(mine), 1, entries[:3])
        self.assertEqual(mine[0]["actor"], apiclient.USERNAME)
        self.assertNotIn(t["token"], json.dumps(mine[0]))
        self.assertNotIn(digest, json.dumps(mine[0]))

    def test_every_token_is_new(self):
        a = self.create(scope="author")
        b = self.create(scope="author", servers=None)
        self.assertNotEqual(a["token"], b["token"])
        for t in (a, b):
            self.assertRegex(t["token"], TOKEN_RE)
            self.assertEqual((t["scope"], t["servers"]), ("author", None))
        raw = self.all_tokens_raw()
        for t in (a, b):
            self.assertIn(t["id"].encode(), raw)
            self.assertNotIn(t["token"].encode(), raw)

    def test_expiry(self):
        when = (datetime.datetime.now(datetime.timezone.utc) +
                datetime.timedelta(days=7)).replace(microsecond=0)
        t = self.create(expires_at=when.isoformat())
        got = datetime.datetime.fromisoformat(t["expires_at"])
        self.assertEqual(got, when)
        t = self.create(expires_at=None)
        self.assertIsNone(t["expires_at"])

    def test_validation(self):
        srv_name = self.server["name"]
        past = "2000-01-01T00:00:00Z"
        cases = [
            ({"scope": "call"}, "name"),
            ({"name": "", "scope": "call"}, "name"),
            ({"name": " lead", "scope": "call"}, "name"),
            ({"name": "-lead", "scope": "call"}, "name"),
            ({"name": "a" * 65, "scope": "call"}, "name"),
            ({"name": "bad/name", "scope": "call"}, "name"),
            ({"name": "quote'name", "scope": "call"}, "name"),
            ({"name": 7, "scope": "call"}, "name"),
            ({"name": "ok name"}, "scope"),
            ({"name": "ok name", "scope": "admin"}, "scope"),
            ({"name": "ok name", "scope": "CALL"}, "scope"),
            ({"name": "ok name", "scope": 1}, "scope"),
            ({"name": "ok name", "scope": "call", "servers": "all"},
             "servers"),
            ({"name": "ok name", "scope": "call", "servers": []}, "servers"),
            ({"name": "ok name", "scope": "call", "servers": [7]}, "servers"),
            ({"name": "ok name", "scope": "call", "servers": ["Bad Name"]},
             "servers"),
            ({"name": "ok name", "scope": "call",
              "servers": ["no_such_server_zz"]}, "servers"),
            ({"name": "ok name", "scope": "call",
              "servers": [srv_name, "no_such_server_zz"]}, "servers"),
            ({"name": "ok name", "scope": "call", "expires_at": "soon"},
             "expires_at"),
            ({"name": "ok name", "scope": "call", "expires_at": "2030-13-45"},
             "expires_at"),
            ({"name": "ok name", "scope": "call", "expires_at": 1900000000},
             "expires_at"),
            ({"name": "ok name", "scope": "call", "expires_at": past},
             "expires_at"),
            ({"name": "ok name", "scope": "call", "owner": "me"}, "owner"),
        ]
        for body, field in cases:
            st, _, b = self.c.post("/api/client-tokens", body)
            self.assertEqual(st, 422, (body, b))
            self.assertEqual(b["error"]["code"], "validation_failed", body)
            self.assertIn(field, b["error"]["fields"], (body, b))
            self.assertNotIn("token", b, body)
        self.assertIn("no_such_server_zz", self.c.post("/api/client-tokens", {
            "name": "ok name", "scope": "call",
            "servers": ["no_such_server_zz"]})[2]["error"]["fields"]
            ["servers"])
        # None of them made a token.
        self.assertEqual(psql("SELECT count(*) FROM client_tokens WHERE "
                              "name = 'ok name'"), "0")
        st, _, b = self.c.call("POST", "/api/client-tokens", b"{not json",
                               headers={"Content-Type": "application/json"})
        self.assertEqual(st, 400, b)

    def test_expires_at_is_an_iso_date(self):
        """PostgreSQL also reads words as times; the API takes ISO 8601
        dates only. "infinity" is worse than a format slip: it cannot be
        made a unix time, so the gateway's token list stops loading."""
        made = {}
        try:
            for word in ("infinity", "+infinity", "tomorrow"):
                st, _, b = self.c.post("/api/client-tokens", {
                    "name": apiclient.unique("word"), "servers": None,
                    "scope": "call", "expires_at": word})
                if st == 201:
                    made[word] = b["id"]
                else:
                    self.assertIn("expires_at", b["error"]["fields"], b)
            self.assertEqual(made, {}, "accepted as expires_at")
        finally:   # a token that expires at "infinity" must not stay
            for tid in made.values():
                self.c.delete(f"/api/client-tokens/{tid}")

    def test_duplicate_name_409(self):
        t = self.create()
        st, _, b = self.c.post("/api/client-tokens", {
            "name": t["name"], "servers": None, "scope": "author"})
        self.assertEqual((st, b["error"]["code"]), (409, "conflict"), b)
        self.assertNotIn("token", b)
        self.assertEqual(psql("SELECT count(*) || ' ' || min(scope) FROM "
                              f"client_tokens WHERE name = '{t['name']}'"),
                         "1 call")

    def test_delete_then_404(self):
        t = self.create()
        st, _, b = self.c.delete(f"/api/client-tokens/{t['id']}")
        self.assertEqual((st, b), (200, {"ok": True}))
        st, _, b = self.c.delete(f"/api/client-tokens/{t['id']}")
        self.assertEqual((st, b["error"]["code"]), (404, "not_found"), b)
        self.assertNotIn(t["id"].encode(), self.all_tokens_raw())
        self.assertEqual(psql("SELECT count(*) FROM client_tokens WHERE "
                              f"id = '{t['id']}'"), "0")
        st, _, _ = self.c.delete(f"/api/client-tokens/{uuid.uuid4()}")
        self.assertEqual(st, 404)
        st, _, _ = self.c.delete("/api/client-tokens/not-a-uuid")
        self.assertEqual(st, 404)
        # The name is free again.
        again = self.create(name=t["name"])
        self.assertNotEqual(again["token"], t["token"])
        revoked = rolehelp.audit_entries(self.c, "client_tokens.revoke",
                                         "client token revoked")
        self.assertIn(t["name"], [x["details"].get("name") for x in revoked])

    def test_list_paging(self):
        for _ in range(2):
            self.create()
        st, _, p1 = self.c.get("/api/client-tokens?page=1&page_size=1")
        st2, _, p2 = self.c.get("/api/client-tokens?page=2&page_size=1")
        self.assertEqual((st, st2), (200, 200))
        self.assertEqual((len(p1["items"]), len(p2["items"])), (1, 1))
        self.assertNotEqual(p1["items"][0]["id"], p2["items"][0]["id"])
        self.assertGreaterEqual(p1["total"], 2)


if __name__ == "__main__":
    unittest.main()
