"""Key rotation with live data: secrets sealed under one key are
re-encrypted under another in one transaction; a second run skips them
all (proof that every value opens with the new key); a wrong old key fails
and changes nothing; the server then runs with the new key alone."""
import json
import os
import re
import secrets
import subprocess
import unittest
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import apiclient
import harness

class RotationTest(unittest.TestCase):
    def setUp(self):
        self.pg, self.srv = apiclient.fresh_stack(workers=1, name="rotate")
        self.k1 = self.srv.key
        self.cmd = [harness.APP, "rotate-key"]

    def tearDown(self):
        apiclient.stop_stack(self.pg, self.srv)

    def run_rotate(self, new, old, cmd=None):
        env = {"PATH": os.environ["PATH"], "MCPBOX_DATABASE_URL": self.pg.url,
               "MCPBOX_ENCRYPTION_KEY": new, "MCPBOX_ENCRYPTION_KEY_OLD": old}
        p = subprocess.run(cmd or self.cmd, capture_output=True, text=True,
                           env=env, cwd=harness.ROOT, timeout=60)
        out = p.stdout + p.stderr
        counts = None
        m = re.search(r"rotated\D*(\d+)", out)
        n = re.search(r"skipped\D*(\d+)", out)
        if m and n:
            counts = (int(m.group(1)), int(n.group(1)))
        return p.returncode, counts, out

    def sealed(self):
        return self.pg.psql("SELECT string_agg(key_name || ':' || "
                            "encode(nonce, 'hex') || ':' || encode("
                            "value_ciphertext, 'hex'), ',' ORDER BY key_name)"
                            " FROM server_secrets")

    def test_rotation_with_live_data(self):
        c = apiclient.Client(self.srv).setup()
        s = apiclient.make_server(c, "rot")
        base = f"/api/servers/{s['id']}/secrets"
        for k in ("ONE", "TWO"):
            st, _, _ = c.post(base, {"key": k,
                                     "value": apiclient.SECRET_VALUE + k})
            self.assertEqual(st, 201)
        c.post(base, {"key": "EMPTY"})
        before = self.sealed()
        self.srv.stop()

        k2 = secrets.token_hex(32)
        rc, counts, out = self.run_rotate(k2, self.k1)
        self.assertEqual((rc, counts), (0, (2, 0)), out)
        after = self.sealed()
        self.assertNotEqual(before, after)
        # Fresh nonces, not only a new ciphertext.
        nonces = lambda x: {e.split(":")[1] for e in x.split(",")
                            if e.split(":")[1]}
        self.assertFalse(nonces(before) & nonces(after))

        rc, counts, out = self.run_rotate(k2, self.k1)
        self.assertEqual((rc, counts), (0, (0, 2)), out)
        self.assertEqual(self.sealed(), after)

        rc, counts, out = self.run_rotate(secrets.token_hex(32),
                                          secrets.token_hex(32))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("neither key", out)
        self.assertEqual(self.sealed(), after)
        self.assertNotIn(apiclient.SECRET_VALUE, out)

        # The server runs with the new key alone.
        srv2 = harness.Server(self.pg.url, workers=1, name="rotated",
                              env={"MCPBOX_ENCRYPTION_KEY": k2}).start()
        try:
            c2 = apiclient.Client(srv2).login()
            st, _, lst = c2.get(base)
            self.assertEqual({(x["key"], x["has_value"]) for x in
                              lst["items"]}, {("ONE", True), ("TWO", True),
                                              ("EMPTY", False)})
            st, _, _ = c2.put(base + "/EMPTY", {"value": "filled"})
            self.assertEqual(st, 200)
            st, _, logs = c2.get("/api/activity/logs?log_type=audit&q="
                                 "encryption+key")
            self.assertEqual(logs["items"][0]["details"]["rotated"], 0)
            self.assertEqual(logs["total"], 2)
        finally:
            srv2.stop()

        # The operator's script: same result, counts printed.
        if self.cmd[0] == harness.APP:
            script_env = None
        else:
            script_env = self.cmd[0]
        k3 = secrets.token_hex(32)
        env = {"PATH": os.environ["PATH"], "MCPBOX_DATABASE_URL": self.pg.url,
               "MCPBOX_ENCRYPTION_KEY": k3, "MCPBOX_ENCRYPTION_KEY_OLD": k2}
        if script_env:
            env["MCPBOX_BIN"] = script_env
        p = subprocess.run([os.path.join(harness.ROOT, "scripts",
                                         "rotate-encryption-key")],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"rotated\D*3")
        env["MCPBOX_ENCRYPTION_KEY_OLD"] = k3
        p = subprocess.run([os.path.join(harness.ROOT, "scripts",
                                         "rotate-encryption-key")],
                           capture_output=True, text=True, env=env)
        self.assertNotEqual(p.returncode, 0)

    def test_external_oauth_tokens_rotate_too(self):
        """An OAuth source's sealed tokens are re-encrypted with the
        server secrets, under the same AAD, so the source keeps working
        on the new key alone."""
        c = apiclient.Client(self.srv).setup()
        s = apiclient.make_server(c, "rotx")
        sid = str(uuid.uuid4())
        aad = f"oauth_tokens:{sid}".encode()
        tokens = json.dumps({"access_token": "at-rotate-me",
                             "refresh_token": "rt-rotate-me"}).encode()
        nonce = os.urandom(12)
        ct = AESGCM(bytes.fromhex(self.k1)).encrypt(nonce, tokens, aad)
        self.pg.psql("INSERT INTO external_mcp_sources (id, server_id, name, "
                     f"url, auth_type, oauth_tokens_ciphertext, "
                     f"oauth_token_nonce) VALUES ('{sid}', '{s['id']}', "
                     f"'rotx', 'https://mcp.example.com/mcp', 'oauth', "
                     f"decode('{ct.hex()}', 'hex'), "
                     f"decode('{nonce.hex()}', 'hex'))")
        self.srv.stop()

        def sealed():
            row = self.pg.psql("SELECT encode(oauth_token_nonce, 'hex') || ',' "
                               "|| encode(oauth_tokens_ciphertext, 'hex') "
                               f"FROM external_mcp_sources WHERE id = '{sid}'")
            n, c_ = row.split(",")
            return bytes.fromhex(n), bytes.fromhex(c_)

        k2 = secrets.token_hex(32)
        rc, counts, out = self.run_rotate(k2, self.k1)
        self.assertEqual((rc, counts), (0, (1, 0)), out)
        n2, c2 = sealed()
        self.assertNotEqual(n2, nonce)
        self.assertEqual(AESGCM(bytes.fromhex(k2)).decrypt(n2, c2, aad), tokens)
        self.assertNotIn("rotate-me", out)
        rc, counts, out = self.run_rotate(k2, self.k1)
        self.assertEqual((rc, counts), (0, (0, 1)), out)


if __name__ == "__main__":
    unittest.main()
