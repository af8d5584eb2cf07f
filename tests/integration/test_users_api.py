"""Users (admins only): create, list, get, update, delete and their field
errors; a duplicate name; a new password, a deactivation and a deletion
end the user's logins at once; what reviewers and viewers may do (approve,
change their own password) and may not (secrets, users, tokens); the
audit entries; and, on a private stack, the last active admin."""
import json
import unittest
import uuid

import apiclient
import harness
import rolehelp


def me_status(srv, token, times=4):
    """/api/auth/me with token, on fresh connections: both workers."""
    return {rolehelp.status_of(srv, "GET", "/api/auth/me", token)[0]
            for _ in range(times)}


class UsersApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.srv = cls.c.server

    def create(self, role="viewer", prefix="usr", password=None):
        name = apiclient.unique(prefix)
        st, _, u = self.c.post("/api/users", {
            "username": name, "password": password or rolehelp.PASSWORDS[role],
            "role": role})
        self.assertEqual(st, 201, u)
        return u

    def test_setup_admin_is_admin(self):
        st, _, me = self.c.get("/api/auth/me")
        self.assertEqual((st, me["username"], me["role"]),
                         (200, apiclient.USERNAME, "admin"))
        st, _, b = self.srv.json("POST", "/api/auth/setup", {
            "username": "another_admin", "password": "yet another passphrase"})
        self.assertEqual((st, b["error"]["code"]), (409, "conflict"))
        self.assertEqual(rolehelp.login_status(
            self.srv, "another_admin", "yet another passphrase")[0], 401)

    def test_crud(self):
        c = self.c
        seen_from = len(c.seen)
        name = apiclient.unique("crud")
        pw = rolehelp.PASSWORDS["viewer"]
        st, _, u = c.post("/api/users", {"username": name, "password": pw,
                                         "role": "viewer"})
        self.assertEqual(st, 201, u)
        self.assertEqual(set(u), {"id", "username", "role", "is_active",
                                  "created_at", "created_by",
                                  "last_login_at"})
        self.assertEqual((u["username"], u["role"], u["is_active"],
                          u["created_by"], u["last_login_at"]),
                         (name, "viewer", True, apiclient.USERNAME, None))
        uuid.UUID(u["id"])
        st, _, page = c.get("/api/users?page_size=100")
        self.assertEqual(st, 200)
        self.assertEqual(set(page), {"items", "total", "page", "page_size"})
        self.assertEqual(page["page_size"], 100)
        self.assertGreaterEqual(page["total"], 2)
        self.assertIn(u, page["items"])
        st, _, got = c.get(f"/api/users/{u['id']}")
        self.assertEqual((st, got), (200, u))
        # A login is recorded.
        self.assertEqual(rolehelp.login_status(self.srv, name, pw)[0], 200)
        st, _, got = c.get(f"/api/users/{u['id']}")
        self.assertIsNotNone(got["last_login_at"])
        st, _, up = c.patch(f"/api/users/{u['id']}", {"role": "reviewer"})
        self.assertEqual((st, up["role"], up["is_active"]),
                         (200, "reviewer", True), up)
        self.assertEqual(c.get(f"/api/users/{u['id']}")[2]["role"],
                         "reviewer")
        st, _, b = c.delete(f"/api/users/{u['id']}")
        self.assertEqual((st, b), (200, {"ok": True}))
        for method, body in (("GET", None), ("PATCH", {"role": "viewer"}),
                             ("DELETE", None)):
            st, _, b = c.call(method, f"/api/users/{u['id']}", body)
            self.assertEqual((st, b["error"]["code"]), (404, "not_found"),
                             method)
        st, _, page = c.get("/api/users?page_size=100")
        self.assertNotIn(u["id"], [x["id"] for x in page["items"]])
        # No hash, no password, in anything the users API answered.
        for raw in c.seen[seen_from:]:
            self.assertNotIn(b"argon2", raw)
            self.assertNotIn(b"password_hash", raw)
            self.assertNotIn(pw.encode(), raw)

    def test_list_paging(self):
        for _ in range(2):
            self.create(prefix="page")
        st, _, p1 = self.c.get("/api/users?page=1&page_size=1")
        st2, _, p2 = self.c.get("/api/users?page=2&page_size=1")
        self.assertEqual((st, st2), (200, 200))
        self.assertEqual((len(p1["items"]), len(p2["items"])), (1, 1))
        self.assertNotEqual(p1["items"][0]["id"], p2["items"][0]["id"])
        self.assertEqual(p1["total"], p2["total"])
        self.assertEqual(self.c.get("/api/users?page=0")[0], 400)

    def test_create_validation(self):
        pw = "a passphrase that is fine"
        cases = [
            ({"password": pw, "role": "viewer"}, "username"),
            ({"username": "ab", "password": pw, "role": "viewer"}, "username"),
            ({"username": "1abc", "password": pw, "role": "viewer"},
             "username"),
            ({"username": "has space", "password": pw, "role": "viewer"},
             "username"),
            ({"username": "semi;colon", "password": pw, "role": "viewer"},
             "username"),
            ({"username": "a" * 51, "password": pw, "role": "viewer"},
             "username"),
            ({"username": 7, "password": pw, "role": "viewer"}, "username"),
            ({"username": "okname", "role": "viewer"}, "password"),
            ({"username": "okname", "password": "short", "role": "viewer"},
             "password"),
            ({"username": "okname", "password": "x" * 129, "role": "viewer"},
             "password"),
            ({"username": "okname", "password": "tab\there is bad",
              "role": "viewer"}, "password"),
            ({"username": "okname", "password": 123456789012345,
              "role": "viewer"}, "password"),
            ({"username": "okname", "password": pw}, "role"),
            ({"username": "okname", "password": pw, "role": "superuser"},
             "role"),
            ({"username": "okname", "password": pw, "role": "Admin"}, "role"),
            ({"username": "okname", "password": pw, "role": None}, "role"),
            ({"username": "okname", "password": pw, "role": "viewer",
              "is_admin": True}, "is_admin"),
        ]
        for body, field in cases:
            st, _, b = self.c.post("/api/users", body)
            self.assertEqual(st, 422, (body, b))
            self.assertEqual(b["error"]["code"], "validation_failed")
            self.assertIn(field, b["error"]["fields"], body)
        st, _, b = self.c.call("POST", "/api/users", b"{not json",
                               headers={"Content-Type": "application/json"})
        self.assertEqual(st, 400, b)
        # None of these made a user.
        self.assertEqual(rolehelp.login_status(self.srv, "okname", pw)[0],
                         401)
        self.assertEqual(harness.SHARED["pg"].psql(
            "SELECT count(*) FROM admin_users WHERE username = 'okname'"),
            "0")

    def test_update_validation(self):
        u = self.create(prefix="upval")
        path = f"/api/users/{u['id']}"
        for body, field in (({}, "body"), ({"role": "root"}, "role"),
                            ({"is_active": "no"}, "is_active"),
                            ({"password": "short"}, "password"),
                            ({"username": "renamed"}, "username"),
                            ({"role": "admin", "colour": "red"}, "colour")):
            st, _, b = self.c.patch(path, body)
            self.assertEqual(st, 422, (body, b))
            self.assertIn(field, b["error"]["fields"], body)
        st, _, got = self.c.get(path)
        self.assertEqual((got["role"], got["username"]),
                         ("viewer", u["username"]))
        st, _, _ = self.c.patch(f"/api/users/{uuid.uuid4()}",
                                {"role": "viewer"})
        self.assertEqual(st, 404)
        self.assertEqual(self.c.get("/api/users/not-a-uuid")[0], 404)

    def test_duplicate_409(self):
        u = self.create(prefix="dup")
        st, _, b = self.c.post("/api/users", {
            "username": u["username"], "password": "some other passphrase",
            "role": "admin"})
        self.assertEqual((st, b["error"]["code"]), (409, "conflict"), b)
        # The first one is untouched: still a viewer, old password works.
        self.assertEqual(self.c.get(f"/api/users/{u['id']}")[2]["role"],
                         "viewer")
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], rolehelp.PASSWORDS["viewer"])[0], 200)
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], "some other passphrase")[0], 401)

    def test_password_reset_by_admin_ends_logins(self):
        u, user = rolehelp.make_user(self.c, "reviewer", "reset")
        self.assertEqual(me_status(self.srv, user.access), {200})
        new_pw = "the admin chose this new passphrase"
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"password": new_pw})
        self.assertEqual((st, b["role"]), (200, "reviewer"), b)
        self.assertNotIn(new_pw, json.dumps(b))
        self.assertEqual(me_status(self.srv, user.access), {401})
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": user.refresh})
        self.assertEqual(st, 401)
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], user.password)[0], 401)
        st, body = rolehelp.login_status(self.srv, u["username"], new_pw)
        self.assertEqual(st, 200, body)
        self.assertEqual(me_status(self.srv, body["access_token"]), {200})

    def test_deactivate_ends_logins_and_refuses_login(self):
        u, user = rolehelp.make_user(self.c, "viewer", "deact")
        self.assertEqual(me_status(self.srv, user.access), {200})
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"is_active": False})
        self.assertEqual((st, b["is_active"]), (200, False), b)
        self.assertEqual(me_status(self.srv, user.access), {401})
        st, body = rolehelp.login_status(self.srv, u["username"],
                                         user.password)
        self.assertEqual(st, 401, body)
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": user.refresh})
        self.assertEqual(st, 401)
        st, _, b = self.c.patch(f"/api/users/{u['id']}", {"is_active": True})
        self.assertEqual((st, b["is_active"]), (200, True), b)
        # Active again, the user logs in anew; the old logins stay ended.
        self.assertEqual(me_status(self.srv, user.access), {401})
        st, _, _ = self.srv.json("POST", "/api/auth/refresh",
                                 {"refresh_token": user.refresh})
        self.assertEqual(st, 401)
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], user.password)[0], 200)

    def test_delete_ends_logins(self):
        u, user = rolehelp.make_user(self.c, "viewer", "del")
        self.assertEqual(me_status(self.srv, user.access), {200})
        st, _, _ = self.c.delete(f"/api/users/{u['id']}")
        self.assertEqual(st, 200)
        self.assertEqual(me_status(self.srv, user.access), {401})
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], user.password)[0], 401)

    def test_deleted_users_token_stays_dead_when_the_name_returns(self):
        """A new user under a deleted user's name is someone else: the old
        user's tokens must not become valid again (here: as an admin)."""
        u, old = rolehelp.make_user(self.c, "viewer", "reborn")
        st, _, _ = self.c.delete(f"/api/users/{u['id']}")
        self.assertEqual(st, 200)
        self.assertEqual(me_status(self.srv, old.access), {401})
        st, _, nu = self.c.post("/api/users", {
            "username": u["username"], "role": "admin",
            "password": "the new owner of this name"})
        self.assertEqual(st, 201, nu)
        self.addCleanup(self.c.delete, f"/api/users/{nu['id']}")
        self.assertNotEqual(nu["id"], u["id"])
        got = {"me": me_status(self.srv, old.access),
               "users_list": rolehelp.status_of(self.srv, "GET",
                                                "/api/users", old.access)[0],
               "refresh": self.srv.json("POST", "/api/auth/refresh", {
                   "refresh_token": old.refresh})[0]}
        self.assertEqual(got, {"me": {401}, "users_list": 401,
                               "refresh": 401})

    def test_reviewer_changes_own_password(self):
        u, rev = rolehelp.make_user(self.c, "reviewer", "ownpw")
        st, _, b = rev.post("/api/auth/change-password", {
            "current_password": "not my password at all",
            "new_password": "my own new passphrase"})
        self.assertEqual(st, 422, b)
        new_pw = "my own new passphrase"
        old_access = rev.access
        st, _, b = rev.post("/api/auth/change-password", {
            "current_password": rev.password, "new_password": new_pw})
        self.assertEqual(st, 200, b)
        self.assertEqual(me_status(self.srv, old_access), {401})
        self.assertEqual(me_status(self.srv, b["access_token"]), {200})
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], rev.password)[0], 401)
        self.assertEqual(rolehelp.login_status(
            self.srv, u["username"], new_pw)[0], 200)
        # Still a reviewer.
        st, body = rolehelp.status_of(self.srv, "GET", "/api/auth/me",
                                      b["access_token"])
        self.assertEqual(body["role"], "reviewer")

    def test_reviewer_approves_and_is_recorded(self):
        u, rev = rolehelp.make_user(self.c, "reviewer", "appr")
        s = apiclient.make_server(self.c, "rvw")
        t = apiclient.make_tool(self.c, s["id"])
        version = harness.reviewed_version(rev.get, t["id"])
        st, _, b = rev.post(f"/api/approvals/tools/{t['id']}/action", {
            "action": "approve", "reason": "reads fine", "version": version})
        self.assertEqual((st, b["approval_status"]), (200, "approved"), b)
        st, _, got = self.c.get(f"/api/tools/{t['id']}")
        self.assertEqual((got["approval_status"], got["approved_by"]),
                         ("approved", u["username"]))
        st, _, logs = self.c.get("/api/activity/logs?log_type=audit&q=tool+"
                                 "approved&page_size=20")
        self.assertIn(u["username"], [x["actor"] for x in logs["items"]])
        # And a revoke by the reviewer works too.
        st, _, b = rev.post(f"/api/approvals/tools/{t['id']}/revoke")
        self.assertEqual((st, b["approval_status"]), (200, "pending_review"))

    def test_viewer_cannot_approve(self):
        _, viewer = rolehelp.make_user(self.c, "viewer", "noappr")
        s = apiclient.make_server(self.c, "vwr")
        t = apiclient.make_tool(self.c, s["id"])
        version = harness.reviewed_version(viewer.get, t["id"])
        st, _, b = viewer.post(f"/api/approvals/tools/{t['id']}/action", {
            "action": "approve", "reason": "looks fine", "version": version})
        self.assertEqual((st, b["error"]["code"]), (403, "forbidden"), b)
        st, _, b = viewer.post("/api/approvals/tools/bulk-action", {
            "ids": [t["id"]], "action": "approve",
            "versions": {t["id"]: version}})
        self.assertEqual(st, 403, b)
        st, _, got = self.c.get(f"/api/tools/{t['id']}")
        self.assertEqual((got["approval_status"], got["approved_by"]),
                         (t["approval_status"], None))
        self.assertNotEqual(got["approval_status"], "approved")

    def test_reviewer_limits(self):
        _, rev = rolehelp.make_user(self.c, "reviewer", "limit")
        s = apiclient.make_server(self.c, "lim")
        base = f"/api/servers/{s['id']}/secrets"
        st, _, b = self.c.post(base, {"key": "RV_KEY"})
        self.assertEqual((st, b["has_value"]), (201, False), b)
        st, _, b = rev.put(f"{base}/RV_KEY",
                           {"value": apiclient.SECRET_VALUE + "-rv"})
        self.assertEqual((st, b["error"]["code"]), (403, "forbidden"), b)
        st, _, b = rev.get(base)    # viewers and reviewers read the keys
        self.assertEqual(st, 200, b)
        self.assertEqual([(x["key"], x["has_value"]) for x in b["items"]],
                         [("RV_KEY", False)])
        name = apiclient.unique("rvmade")
        st, _, b = rev.post("/api/users", {
            "username": name, "password": "a reviewer made this one",
            "role": "admin"})
        self.assertEqual((st, b["error"]["code"]), (403, "forbidden"), b)
        self.assertEqual(harness.SHARED["pg"].psql(
            f"SELECT count(*) FROM admin_users WHERE username = '{name}'"),
            "0")
        tok = apiclient.unique("rvtok")
        st, _, b = rev.post("/api/client-tokens", {
            "name": tok, "servers": None, "scope": "author"})
        self.assertEqual((st, b["error"]["code"]), (403, "forbidden"), b)
        self.assertEqual(harness.SHARED["pg"].psql(
            f"SELECT count(*) FROM client_tokens WHERE name = '{tok}'"), "0")
        for method, path in (("GET", "/api/users"),
                             ("GET", "/api/client-tokens"),
                             ("GET", "/api/export"),
                             ("PATCH", f"/api/users/{uuid.uuid4()}")):
            st, _, b = rev.call(method, path, {"role": "admin"}
                                if method == "PATCH" else None)
            self.assertEqual(st, 403, (method, path, b))

    def test_audit_entries_name_the_admin(self):
        name = apiclient.unique("aud")
        pw = "an audited passphrase here"
        st, _, u = self.c.post("/api/users", {"username": name,
                                              "password": pw,
                                              "role": "viewer"})
        self.assertEqual(st, 201, u)
        st, _, _ = self.c.patch(f"/api/users/{u['id']}",
                                {"role": "reviewer", "password": pw + " 2"})
        self.assertEqual(st, 200)
        st, _, _ = self.c.delete(f"/api/users/{u['id']}")
        self.assertEqual(st, 200)
        for action, q in (("users.create", "user created"),
                          ("users.update", "user changed"),
                          ("users.delete", "user deleted")):
            mine = [x for x in rolehelp.audit_entries(self.c, action, q)
                    if x["details"].get("username") == name]
            self.assertEqual(len(mine), 1, (action, mine))
            self.assertEqual(mine[0]["actor"], apiclient.USERNAME)
            self.assertEqual(mine[0]["log_type"], "audit")
            self.assertNotIn(pw, json.dumps(mine[0]))
        upd = [x for x in rolehelp.audit_entries(self.c, "users.update",
                                                 "user changed")
               if x["details"].get("username") == name][0]
        self.assertEqual(upd["details"]["role"], "reviewer")
        self.assertIs(upd["details"]["password_reset"], True)


class LastAdminTest(unittest.TestCase):
    """On a private stack: here the setup account is the only admin for
    sure (the shared database may hold admins other suites made)."""

    @classmethod
    def setUpClass(cls):
        cls.pg, cls.srv = apiclient.fresh_stack(workers=2, name="lastadmin")
        cls.addClassCleanup(apiclient.stop_stack, cls.pg, cls.srv)
        cls.c = apiclient.Client(cls.srv).setup()
        st, _, me = cls.c.get("/api/auth/me")
        assert st == 200 and me["role"] == "admin", me
        cls.me = me

    def assert_last_admin(self, uid, client):
        path = f"/api/users/{uid}"
        for method, body in (("PATCH", {"role": "reviewer"}),
                             ("PATCH", {"role": "viewer"}),
                             ("PATCH", {"is_active": False}),
                             ("PATCH", {"role": "viewer",
                                        "is_active": False}),
                             ("DELETE", None)):
            st, _, b = client.call(method, path, body)
            self.assertEqual(st, 409, (method, body, b))
            self.assertEqual(b["error"]["code"], "last_admin", b)
        st, _, u = client.get(path)
        self.assertEqual((st, u["role"], u["is_active"]),
                         (200, "admin", True))
        # A change that keeps the admin an admin is fine.
        st, _, u = client.patch(path, {"role": "admin", "is_active": True})
        self.assertEqual((st, u["role"]), (200, "admin"), u)

    def test_1_only_admin_cannot_go(self):
        self.assert_last_admin(self.me["id"], self.c)
        self.assertEqual(me_status(self.srv, self.c.access), {200})

    def test_2_two_admins_one_demoted_other_last_again(self):
        c = self.c
        b_user, b = rolehelp.make_user(c, "admin", "second")
        st, _ = rolehelp.status_of(self.srv, "GET", "/api/users", b.access)
        self.assertEqual(st, 200)
        # The second admin demotes the first: allowed, there are two.
        st, _, u = b.patch(f"/api/users/{self.me['id']}", {"role": "viewer"})
        self.assertEqual((st, u["role"]), (200, "viewer"), u)
        # The demoted admin's still-valid token: 403 at admin routes, now.
        for _ in range(4):
            st, body = rolehelp.status_of(self.srv, "GET", "/api/users",
                                          c.access)
            self.assertEqual((st, rolehelp.error_code(body)),
                             (403, "forbidden"), body)
        st, body = rolehelp.status_of(self.srv, "GET", "/api/auth/me",
                                      c.access)
        self.assertEqual((st, body["role"]), (200, "viewer"))
        # Now the second one is the last admin, for itself and for others.
        self.assert_last_admin(b_user["id"], b)
        st, _, u = b.patch(f"/api/users/{self.me['id']}", {"role": "admin"})
        self.assertEqual((st, u["role"]), (200, "admin"), u)
        self.assertEqual(rolehelp.status_of(self.srv, "GET", "/api/users",
                                            c.access)[0], 200)
        # Two again: the first removes the second.
        st, _, _ = c.delete(f"/api/users/{b_user['id']}")
        self.assertEqual(st, 200)
        self.assertEqual(me_status(self.srv, b.access), {401})
        self.assert_last_admin(self.me["id"], self.c)

    def test_3_inactive_admin_does_not_count(self):
        c = self.c
        d_user, _ = rolehelp.make_user(c, "admin", "dormant")
        st, _, u = c.patch(f"/api/users/{d_user['id']}", {"is_active": False})
        self.assertEqual((st, u["is_active"]), (200, False), u)
        # An inactive admin is no second admin.
        self.assert_last_admin(self.me["id"], self.c)
        # An inactive admin may go.
        st, _, u = c.patch(f"/api/users/{d_user['id']}", {"role": "viewer"})
        self.assertEqual((st, u["role"]), (200, "viewer"), u)
        st, _, _ = c.delete(f"/api/users/{d_user['id']}")
        self.assertEqual(st, 200)
        st, _, page = c.get("/api/users")
        self.assertEqual([x["role"] for x in page["items"]], ["admin"])


if __name__ == "__main__":
    unittest.main()
