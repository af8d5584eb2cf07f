"""Admin authentication and the /api guard: setup once, login, refresh
rotation, logout on every worker, password change, login rate limit, and
paths that try to slip past the guard."""
import http.client
import json
import time
import unittest

import apiclient
import harness


def fresh_conn_status(srv, path, token):
    """One request on a new connection, so either worker may answer."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token,
                                           "Connection": "close"})
        return conn.getresponse().status
    finally:
        conn.close()


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = cls.c.server

    def test_status_open_and_setup_once(self):
        st, _, body = self.srv.json("GET", "/api/auth/status")
        self.assertEqual(st, 200)
        self.assertFalse(body["setup_required"])
        st, _, body = self.srv.json("POST", "/api/auth/setup", {
            "username": "second", "password": "another long password"})
        self.assertEqual(st, 409)
        self.assertEqual(body["error"]["code"], "conflict")

    def test_setup_and_login_validation(self):
        st, _, body = self.srv.json("POST", "/api/auth/login",
                                    {"username": "admin", "extra": 1})
        self.assertEqual(st, 422)
        self.assertIn("password", body["error"]["fields"])
        self.assertIn("extra", body["error"]["fields"])

    def test_wrong_password_401(self):
        st, _, body = self.srv.json("POST", "/api/auth/login", {
            "username": apiclient.USERNAME, "password": "not the password"})
        self.assertEqual(st, 401)
        self.assertEqual(body["error"]["code"], "invalid_credentials")
        self.assertNotIn("not the password", json.dumps(body))

    def test_me(self):
        st, _, body = self.c.get("/api/auth/me")
        self.assertEqual(st, 200)
        self.assertEqual(body["username"], apiclient.USERNAME)
        apiclient.assert_auth_required(self, "GET", "/api/auth/me")

    def test_refresh_rotation(self):
        other = apiclient.another_login()
        old = other.refresh
        st, _, body = self.srv.json("POST", "/api/auth/refresh",
                                    {"refresh_token": old})
        self.assertEqual(st, 200)
        self.assertNotEqual(body["refresh_token"], old)
        # A used refresh token is dead, also the second time.
        for _ in range(2):
            st, _, body = self.srv.json("POST", "/api/auth/refresh",
                                        {"refresh_token": old})
            self.assertEqual(st, 401)
        # An access token is no refresh token.
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": other.access})
        self.assertEqual(st, 401)

    def test_logout_effective_on_every_worker(self):
        other = apiclient.another_login()
        # Warm up both workers with the still-valid token.
        for _ in range(4):
            self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                               other.access), 200)
        st, _, _ = other.post("/api/auth/logout",
                              {"refresh_token": other.refresh})
        self.assertEqual(st, 200)
        for _ in range(8):
            self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                               other.access), 401)
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": other.refresh})
        self.assertEqual(st, 401)

    def test_logout_with_the_access_token_alone_kills_its_login(self):
        """The client forgot to send its refresh token: the logout still
        ends the whole login, every refresh token it rotated through."""
        other = apiclient.another_login()
        first_refresh = other.refresh
        st, _, body = self.srv.json("POST", "/api/auth/refresh",
                                    {"refresh_token": other.refresh})
        self.assertEqual(st, 200, body)
        rotated = body["refresh_token"]
        st, _, _ = self.srv.json("POST", "/api/auth/logout", {},
                                 {"Authorization": "Bearer " +
                                  body["access_token"]})
        self.assertEqual(st, 200)
        for tok in (rotated, first_refresh):
            st, _, b = self.srv.json("POST", "/api/auth/refresh",
                                     {"refresh_token": tok})
            self.assertEqual(st, 401, b)
        self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                           other.access), 401)
        # Another login of the same admin lives on.
        self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                           self.c.access), 200)

    def test_change_password_kills_old_tokens(self):
        c = self.c
        old_access, old_refresh = c.access, c.refresh
        st, _, body = c.post("/api/auth/change-password", {
            "current_password": "wrong wrong wrong",
            "new_password": "a brand new password 1"})
        self.assertEqual(st, 422)
        st, _, body = c.post("/api/auth/change-password", {
            "current_password": c.password,
            "new_password": "short"})
        self.assertEqual(st, 422)
        self.assertIn("new_password", body["error"]["fields"])
        new_pw = "a brand new password 1"
        st, _, body = c.post("/api/auth/change-password", {
            "current_password": c.password, "new_password": new_pw})
        self.assertEqual(st, 200)
        c.take(body)
        c.password = new_pw
        for _ in range(4):
            self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                               old_access), 401)
            self.assertEqual(fresh_conn_status(self.srv, "/api/auth/me",
                                               c.access), 200)
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": old_refresh})
        self.assertEqual(st, 401)

    def test_guard_tricky_paths(self):
        # None of these may ever answer 200 without a token.
        paths = [b"/api/auth/loginx", b"/api/auth/setup/../servers",
                 b"//api/servers", b"/api/servers%2F..", b"/api/auth/login/",
                 b"/API/servers", b"/api/servers/", b"/api/./servers",
                 b"/api/auth/status/../../api/servers", b"/api/servers?x=/api/auth/login",
                 b"/api/auth/login%2F..%2Fservers", b"/api/servers#", b"/api"]
        for p in paths:
            for m in (b"GET", b"POST"):
                req = (m + b" " + p + b" HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
                out = self.srv.raw(req)
                st = apiclient.request_line_status(out)
                self.assertIsNotNone(st, p)
                self.assertNotEqual(st, 200, f"{m} {p}: {out[:200]!r}")
                self.assertNotIn(b'"items"', out, p)

    def test_unknown_api_path_and_method(self):
        st, _, body = self.c.get("/api/no-such-thing")
        self.assertEqual(st, 404)
        st, _, body = self.c.call("DELETE", "/api/approvals/stats")
        self.assertEqual(st, 405)


class LoginRateLimitTest(unittest.TestCase):
    """On a private stack: the limit is per IP and would lock the shared
    admin out for a minute."""

    def test_five_failures_then_429(self):
        pg, srv = apiclient.fresh_stack(workers=2, name="ratelimit")
        try:
            st, _, _ = srv.json("POST", "/api/auth/setup", {
                "username": "admin", "password": apiclient.PASSWORD})
            self.assertEqual(st, 201)
            for i in range(5):
                st, _, _ = srv.json("POST", "/api/auth/login", {
                    "username": "admin", "password": f"wrong password {i}"})
                self.assertEqual(st, 401)
            # Shared by the workers: fresh connections all see the block.
            for _ in range(3):
                st, h, body = srv.json("POST", "/api/auth/login", {
                    "username": "admin", "password": apiclient.PASSWORD})
                self.assertEqual(st, 429)
                self.assertGreater(int(h["retry-after"]), 0)
                self.assertEqual(body["error"]["code"], "rate_limited")
        finally:
            apiclient.stop_stack(pg, srv)


if __name__ == "__main__":
    unittest.main()
