"""Client tokens that end and limits that hold: a revoked token is refused
on every worker and on a second instance sharing the database, and its
sessions are gone (in SQL too); an expired one is refused; a new one works
at once; the rate limit applies per token (loopback without a token is not
limited); local_requires_token closes the local door to tokenless MCP
clients. The policy tests run on stacks of their own (apiclient.
fresh_stack), so the shared server's policy never changes under another
module."""
import datetime
import time
import unittest

import apiclient
import harness
import opshelp
from test_client_tokens import Mcp, TokenCase

POLICY = "/api/settings/security-policy"


class RevokeCase(TokenCase):
    def sessions_of(self, token_id):
        return self.sql_count("mcp_sessions", f"token_id = '{token_id}'")

    def revoke(self, row):
        st, _, b = self.c.delete("/api/client-tokens/" + row["id"])
        self.assertEqual(st, 200, b)

    def total_at_least(self, tool_id, n):
        """The tool's execution log total once it reached n (rows are
        written after the answers)."""
        def reached():
            t = self.exec_logs(tool_id)["total"]
            return t if t >= n else 0
        return opshelp.wait_until(reached, timeout=10)

    def all_401(self, srv, token, n=12, timeout=1.0):
        """n requests in a row (a connection each) answered 401 within
        timeout: far less than the 5 s the workers' fallback reload of
        the tokens takes, so it is the change notification that did it."""
        m = Mcp(srv, token)
        deadline = time.time() + timeout
        row = 0
        while row < n and time.time() < deadline:
            row = row + 1 if m.initialize()[0] == 401 else 0
        return row == n


class RevocationTest(RevokeCase):
    """On the shared server (two workers)."""

    def test_revocation_ends_access_and_sessions_at_once(self):
        row = self.token([self.A["name"]])
        m = self.mcp(row)
        sid = m.open()
        for _ in range(10):     # a connection each: both workers
            self.assertEqual(m.rpc("ping")[0], 200)
        self.assertEqual(self.sessions_of(row["id"]), 1)
        before = self.exec_logs(self.A["tool_id"])["total"]
        self.revoke(row)
        # From the moment the DELETE answered nothing is served to it.
        got = [m.initialize()[0] for _ in range(6)]
        got += [m.rpc("ping", session=sid)[0] for _ in range(6)]
        got += [m.call(self.A["tool"], session=sid)[0] for _ in range(6)]
        self.assertEqual([g for g in got if g not in (401, 404)], [], got)
        self.assertEqual(self.sessions_of(row["id"]), 0)
        self.assertEqual(self.logs_settle(self.A["tool_id"], before + 1),
                         before + 1)
        self.assertTrue(self.all_401(self.s, row["token"]))
        st, body = m.rpc("ping", session=sid)
        self.assert_401(st, m.last_headers, body, "old session")
        st, _, b = self.c.get("/api/client-tokens?page_size=100")
        self.assertNotIn(row["id"], [t["id"] for t in b["items"]])
        st, _, b = self.c.delete("/api/client-tokens/" + row["id"])
        self.assertEqual(st, 404, b)

    def test_an_expired_token_gets_401(self):
        until = datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=3)
        row = self.token([self.A["name"]], expires_at=until.isoformat())
        self.assertIsNotNone(row["expires_at"])
        m = self.mcp(row)
        sid = m.open()
        st, body = m.call(self.A["tool"])
        self.assertIn("result", body, body)
        time.sleep(max(0, (until - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()) + 1.2)
        for _ in range(6):
            st, h, body = m.initialize()
            self.assert_401(st, h, body, "expired")
        st, body = m.call(self.A["tool"], session=sid)
        self.assertEqual(st, 401, body)
        self.assertNotIn("result", body)


class TwoInstanceTest(RevokeCase):
    """Instance a (two workers) and its twin b on the same database."""

    @classmethod
    def stack(cls):
        pg = harness.Postgres()
        cls.addClassCleanup(pg.destroy)
        a = harness.Server(pg.start(), workers=2, name="ct-a").start()
        cls.addClassCleanup(a.stop)
        b = a.twin(workers=2, name="ct-b").start()
        cls.addClassCleanup(b.stop)
        cls.b = b
        return apiclient.Client(a).setup(), pg

    @classmethod
    def more_instances(cls):
        return [cls.b]

    def test_revocation_reaches_every_worker_of_both_instances(self):
        row = self.token([self.A["name"]])
        on_a, on_b = Mcp(self.s, row["token"]), Mcp(self.b, row["token"])
        sid = on_a.open()
        start = self.exec_logs(self.A["tool_id"])["total"]
        # The session lives in the database: b serves it too.
        st, body = on_b.call(self.A["tool"], session=sid)
        self.assertEqual(body["result"]["content"][0]["text"],
                         "from " + self.A["name"], body)
        for m in (on_a, on_b):
            self.assertEqual([m.rpc("ping", session=sid)[0]
                              for _ in range(8)], [200] * 8)
        before = self.total_at_least(self.A["tool_id"], start + 1)
        self.assertEqual(before, start + 1)
        self.revoke(row)
        got = []
        for m in (on_b, on_a):
            got += [m.rpc("ping", session=sid)[0] for _ in range(4)]
            got += [m.call(self.A["tool"], session=sid)[0]
                    for _ in range(4)]
            got += [m.initialize()[0] for _ in range(4)]
        self.assertEqual([g for g in got if g not in (401, 404)], [], got)
        self.assertEqual(self.sessions_of(row["id"]), 0)
        self.assertEqual(self.logs_settle(self.A["tool_id"], before + 1),
                         before + 1)
        for srv in (self.b, self.s):
            self.assertTrue(self.all_401(srv, row["token"]), srv.port)

    def test_the_first_request_after_revocation_is_401(self):
        """The next request with a revoked token, on either instance, is
        a 401 (not a 404 "unknown session" while a worker's copy of the
        tokens still has it)."""
        firsts = []
        for i in range(10):
            row = self.token([self.A["name"]])
            sid = Mcp(self.s, row["token"]).open()
            self.revoke(row)
            other = self.b if i % 2 == 0 else self.s
            firsts.append(Mcp(other, row["token"]).rpc(
                "ping", session=sid)[0])
        self.assertEqual(firsts, [401] * 10)

    def test_a_new_token_works_at_once(self):
        """The token in the creating answer is usable by its next request
        on either instance (not a 401 "unknown, revoked or expired" until
        the workers' copies catch up)."""
        firsts = []
        for i in range(10):
            st, _, row = self.c.post("/api/client-tokens", {
                "name": apiclient.unique("ctnew"), "servers": None,
                "scope": "call"})
            self.assertEqual(st, 201, row)
            self.addCleanup(self.c.delete, "/api/client-tokens/" + row["id"])
            srv = self.b if i % 2 == 0 else self.s
            firsts.append(Mcp(srv, row["token"]).initialize()[0])
        self.assertEqual(firsts, [200] * 10)


class FreshStackCase(TokenCase):
    """A private PostgreSQL and server: its policy is the test's own."""

    @classmethod
    def stack(cls):
        pg, srv = apiclient.fresh_stack(name="ct-" + cls.__name__.lower())
        cls.addClassCleanup(apiclient.stop_stack, pg, srv)
        return apiclient.Client(srv).setup(), pg

    def policy(self, **change):
        st, _, p = self.c.patch(POLICY, change)
        self.assertEqual(st, 200, p)
        for k, v in change.items():
            self.assertEqual(p[k], v)
        return p


class RateLimitTest(FreshStackCase):
    def token(self, servers, scope="call", **extra):
        """Without the usual readiness pings (they would count against
        the limit under test): the copies are reloaded within a moment."""
        st, _, row = self.c.post("/api/client-tokens", dict(
            extra, name=apiclient.unique("ct"), servers=servers,
            scope=scope))
        self.assertEqual(st, 201, row)
        return row

    def test_the_limit_applies_per_token(self):
        one = self.token(None)
        two = self.token([self.A["name"]])
        self.policy(mcp_rate_limit_rpm=10)
        self.addCleanup(self.c.patch, POLICY, {"mcp_rate_limit_rpm": 300})
        time.sleep(0.5)     # the new token and the policy reach workers
        m = Mcp(self.s, one["token"])
        got = [m.initialize()[0] for _ in range(10)]
        self.assertEqual(got, [200] * 10)
        st, h, body = m.initialize()
        self.assertEqual(st, 429, body)
        self.assertEqual(body["error"]["code"], -32600, body)
        self.assertIn("rate limit", body["error"]["message"])
        self.assertTrue(0 < int(h["retry-after"]) <= 60, h)
        # The same token on another endpoint: the same budget.
        st, _, body = m.initialize(path="/mcp/" + self.A["name"])
        self.assertEqual(st, 429, body)
        # Loopback without a token is not limited ...
        plain = Mcp(self.s)
        self.assertEqual([plain.initialize()[0] for _ in range(25)],
                         [200] * 25)
        # ... and another token has a budget of its own.
        other = Mcp(self.s, two["token"])
        self.assertEqual([other.initialize()[0] for _ in range(5)],
                         [200] * 5)
        st, _, body = m.initialize()
        self.assertEqual(st, 429, body)


class LocalRequiresTokenTest(FreshStackCase):
    def wait_for(self, status, timeout=2):
        """The first tokenless initialize answered status (the policy
        reaches every worker by notification), then 10 more in a row."""
        plain = Mcp(self.s)
        self.assertTrue(opshelp.wait_until(
            lambda: plain.initialize()[0] == status, timeout=timeout))
        self.assertEqual([plain.initialize()[0] for _ in range(10)],
                         [status] * 10)

    def test_the_setting_closes_the_local_door_to_tokenless_clients(self):
        row = self.token([self.A["name"]])
        plain = Mcp(self.s)
        sid = plain.open()
        # The hole: whoever reaches loopback runs tools (the call and its
        # log row) and manages.
        before = self.logs_settle(self.A["tool_id"], 1)
        self.assertEqual(before, 1)
        err, text, out = plain.mgmt("mcpbox_list_servers")
        self.assertFalse(err, text)
        self.assertEqual(plain.initialize(path="/mcp/" +
                                          self.A["name"])[0], 200)
        self.policy(local_requires_token="enabled")
        self.addCleanup(self.c.patch, POLICY,
                        {"local_requires_token": "disabled"})
        self.wait_for(401)
        st, h, body = plain.initialize()
        self.assert_401(st, h, body, "tokenless")
        self.assertIn("client token is required", body["error"]["message"])
        st, h, body = plain.initialize(path="/mcp/" + self.A["name"])
        self.assert_401(st, h, body, "tokenless /mcp/{server}")
        st, h, data = self.s.request("GET", "/sse", None,
                                     {"Accept": "text/event-stream"})
        self.assert_401(st, h, data, "tokenless /sse")
        # A session opened before is no way around it.
        st, body = plain.rpc("ping", session=sid)
        self.assertEqual(st, 401, body)
        st, body = plain.call(self.A["tool"], session=sid)
        self.assertEqual(st, 401, body)
        # The panel's login is not a client token.
        admin = Mcp(self.s, self.c.access)
        st, h, body = admin.initialize()
        self.assert_401(st, h, body, "admin JWT")
        # A client token works, and is the caller.
        m = Mcp(self.s, row["token"])
        self.assertIn(self.A["tool"], m.tool_names())
        st, body = m.call(self.A["tool"])
        self.assertEqual(body["result"]["content"][0]["text"],
                         "from " + self.A["name"], body)
        own = Mcp(self.s, row["token"], "/mcp/" + self.A["name"])
        self.assertEqual(own.initialize()[0], 200)
        st, h, body = Mcp(self.s, "mcpbox_ct_" + "Z" * 43).initialize()
        self.assert_401(st, h, body, "unknown token")
        # Only the token's call ran while the door was closed.
        self.assertEqual(self.logs_settle(self.A["tool_id"], before + 2, m),
                         before + 2)
        # The REST API is not an MCP endpoint: it works as before.
        st, _, b = self.c.get("/api/servers")
        self.assertEqual(st, 200, b)
        # Disabled: open again.
        self.policy(local_requires_token="disabled")
        self.wait_for(200)
        st, body = Mcp(self.s).call(self.A["tool"])
        self.assertIn("result", body, body)


if __name__ == "__main__":
    unittest.main()
