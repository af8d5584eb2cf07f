"""Upgrading a database from before users and client tokens (migration
0055): the one account stays, as an admin, and logs in as before; a live
OAuth grant keeps what it had, every server with the management tools, in
a client token row of its own; setup stays closed."""
import glob
import os
import unittest

import apiclient
import harness

MIGRATIONS = os.path.join(harness.ROOT, "src", "db", "migrations")
BEFORE = 55


class UpgradeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A real hash of a known password, made by the shared server for a
        # user made for the purpose (the shared admin's password may be
        # changing under another test).
        c = apiclient.shared()
        name = apiclient.unique("hashsrc")
        st, _, u = c.post("/api/users", {"username": name, "role": "viewer",
                                         "password": apiclient.PASSWORD})
        assert st == 201, u
        cls.hash = harness.SHARED["pg"].psql(
            f"SELECT password_hash FROM admin_users WHERE username = '{name}'")
        c.delete("/api/users/" + u["id"])
        cls.pg = harness.Postgres()
        cls.addClassCleanup(cls.pg.destroy)
        cls.pg.start()
        # The schema as the last release left it, recorded as the server
        # records its migrations (src/db/migrate.c).
        cls.pg.psql("CREATE TABLE schema_migrations (version integer "
                    "PRIMARY KEY, name text NOT NULL, applied_at "
                    "timestamptz NOT NULL DEFAULT now())")
        for path in sorted(glob.glob(os.path.join(MIGRATIONS, "*.sql"))):
            name = os.path.basename(path)[:-4]
            version = int(name.split("_")[0])
            if version >= BEFORE:
                continue
            with open(path) as f:
                cls.pg.psql("BEGIN;\n" + f.read() + "\nINSERT INTO "
                            "schema_migrations VALUES (" + str(version) +
                            ", '" + name + "'); COMMIT;")
        cls.pg.psql(
            "INSERT INTO admin_users (username, password_hash) VALUES "
            f"('{apiclient.USERNAME}', '{cls.hash}');"
            "INSERT INTO oauth_clients (id, client_name, redirect_uris) "
            "VALUES ('11111111-2222-4333-8444-555555555555', 'old client', "
            "'[\"http://127.0.0.1:9/cb\"]');"
            "INSERT INTO oauth_refresh_tokens (token_hash, client_id, family, "
            "resource, subject, expires_at) VALUES (repeat('a', 64), "
            "'11111111-2222-4333-8444-555555555555', gen_random_uuid(), "
            "'http://x/mcp', 'admin', now() + interval '1 day')")
        cls.s = harness.Server(cls.pg.url, workers=1, name="upgrade").start()
        cls.addClassCleanup(cls.s.stop)

    def test_the_account_is_an_admin_and_logs_in(self):
        self.assertGreaterEqual(int(self.pg.psql(
            "SELECT max(version) FROM schema_migrations")), BEFORE)
        self.assertEqual(self.pg.psql("SELECT username || ' ' || role FROM "
                                      "admin_users"), "admin admin")
        c = apiclient.Client(self.s).login()
        st, _, me = c.get("/api/auth/me")
        self.assertEqual((st, me["role"]), (200, "admin"))
        st, _, users = c.get("/api/users")
        self.assertEqual(st, 200)
        self.assertEqual([u["username"] for u in users["items"]], ["admin"])
        st, _, body = self.s.json("POST", "/api/auth/setup", {
            "username": "intruder", "password": apiclient.PASSWORD})
        self.assertEqual(st, 409, body)

    def test_a_live_grant_keeps_what_it_had(self):
        row = self.pg.psql(
            "SELECT c.source || ' ' || c.scope || ' ' || "
            "coalesce(c.servers::text, 'all') || ' ' || "
            "(r.client_token_id = c.id)::text FROM oauth_refresh_tokens r "
            "JOIN client_tokens c ON c.oauth_client_id = r.client_id")
        self.assertEqual(row, "oauth author all true")


if __name__ == "__main__":
    unittest.main()
