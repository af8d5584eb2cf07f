"""Secrets: placeholder, set, list (has_value, never the value), delete."""
import unittest
import uuid

import apiclient
import harness


class SecretsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.server = apiclient.make_server(cls.c, "sec")
        cls.base = f"/api/servers/{cls.server['id']}/secrets"

    def test_lifecycle(self):
        c, base, v = self.c, self.base, apiclient.SECRET_VALUE
        st, _, b = c.post(base, {"key": "API_TOKEN", "description": "d",
                                 "value": v})
        self.assertEqual((st, b["has_value"]), (201, True))
        st, _, b = c.post(base, {"key": "LATER"})
        self.assertEqual((st, b["has_value"]), (201, False))
        st, _, b = c.post(base, {"key": "LATER"})
        self.assertEqual(st, 409)
        st, _, b = c.put(f"{base}/LATER", {"value": v + "-2"})
        self.assertEqual((st, b["has_value"]), (200, True))
        st, _, b = c.get(base)
        self.assertEqual({(x["key"], x["has_value"]) for x in b["items"]},
                         {("API_TOKEN", True), ("LATER", True)})
        # The server view lists keys too, never values.
        st, _, srv = c.get(f"/api/servers/{self.server['id']}")
        self.assertEqual(len(srv["secrets"]), 2)
        # Stored sealed: 12-byte nonce, ciphertext = value + 16-byte tag.
        pg = harness.SHARED["pg"]
        row = pg.psql("SELECT length(nonce), length(value_ciphertext), "
                      "position(convert_to('%s', 'UTF8') in value_ciphertext) "
                      "FROM server_secrets WHERE key_name = 'API_TOKEN' AND "
                      "server_id = '%s'" % (v, self.server["id"]))
        self.assertEqual(row, f"12|{len(v) + 16}|0")
        st, _, _ = c.delete(f"{base}/LATER")
        self.assertEqual(st, 200)
        st, _, _ = c.delete(f"{base}/LATER")
        self.assertEqual(st, 404)
        st, _, _ = c.put(f"{base}/MISSING", {"value": "x"})
        self.assertEqual(st, 404)
        for raw in c.seen:
            self.assertNotIn(v.encode(), raw)

    def test_validation(self):
        for body, field in (({"key": "lower"}, "key"),
                            ({"key": "A" * 65}, "key"),
                            ({"key": "OK", "value": ""}, "value"),
                            ({"key": "OK", "value": 5}, "value"),
                            ({"key": "OK", "value": "x" * (64 * 1024 + 1)},
                             "value"),
                            ({"key": "OK", "other": 1}, "other"),
                            ({}, "key")):
            st, _, b = self.c.post(self.base, body)
            self.assertEqual(st, 422, body)
            self.assertIn(field, b["error"]["fields"])
        st, _, b = self.c.put(f"{self.base}/NOPE", {})
        self.assertEqual(st, 422)
        st, _, b = self.c.put(f"{self.base}/lower", {"value": "x"})
        self.assertEqual(st, 404)

    def test_not_found(self):
        st, _, _ = self.c.get(f"/api/servers/{uuid.uuid4()}/secrets")
        self.assertEqual(st, 404)
        st, _, _ = self.c.post(f"/api/servers/{uuid.uuid4()}/secrets",
                               {"key": "K"})
        self.assertEqual(st, 404)
        st, _, _ = self.c.get("/api/servers/xyz/secrets")
        self.assertEqual(st, 404)

    def test_upper_case_id_seals_for_the_stored_id(self):
        upper = self.server["id"].upper()
        st, _, b = self.c.post(f"/api/servers/{upper}/secrets",
                               {"key": "UPPER", "value":
                                apiclient.SECRET_VALUE})
        self.assertEqual(st, 201)

    def test_auth_required(self):
        for m, p in (("GET", self.base), ("POST", self.base),
                     ("PUT", self.base + "/K"), ("DELETE", self.base + "/K")):
            apiclient.assert_auth_required(self, m, p)


if __name__ == "__main__":
    unittest.main()
