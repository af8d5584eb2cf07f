"""Approvals: every legal transition and every illegal one (409), for
tools, module requests and network requests; queues, stats, bulk."""
import json
import time
import unittest
import uuid

import apiclient
import harness


def psql(sql):
    return harness.SHARED["pg"].psql(sql)


class ToolApprovalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.server = apiclient.make_server(cls.c, "appr")

    def tool(self, status):
        t = apiclient.make_tool(self.c, self.server["id"])
        if status != "draft":
            psql(f"UPDATE tools SET approval_status = '{status}' "
                 f"WHERE id = '{t['id']}'")
        return t["id"]

    def act(self, tid, action, reason=None):
        if action == "revoke":
            return self.c.post(f"/api/approvals/tools/{tid}/revoke")
        body = {"action": action,
                "version": harness.reviewed_version(self.c.get, tid)}
        if reason is not None:
            body["reason"] = reason
        return self.c.post(f"/api/approvals/tools/{tid}/action", body)

    def test_transitions(self):
        legal = {("draft", "approve"): "approved",
                 ("pending_review", "approve"): "approved",
                 ("rejected", "approve"): "approved",
                 ("pending_review", "reject"): "rejected",
                 ("approved", "revoke"): "pending_review"}
        for start in ("draft", "pending_review", "approved", "rejected"):
            for action in ("approve", "reject", "revoke"):
                tid = self.tool(start)
                st, _, b = self.act(tid, action, "not good enough")
                want = legal.get((start, action))
                if want is None:
                    self.assertEqual(st, 409, (start, action, b))
                    self.assertEqual(b["error"]["code"],
                                     "illegal_transition")
                    self.assertIn(start, b["error"]["message"])
                    st, _, t = self.c.get(f"/api/tools/{tid}")
                    self.assertEqual(t["approval_status"], start)
                else:
                    self.assertEqual(st, 200, (start, action, b))
                    self.assertEqual(b["approval_status"], want)

    def test_approve_records_reviewer_and_version(self):
        tid = self.tool("pending_review")
        st, _, b = self.act(tid, "approve")
        self.assertEqual(b["approved_by"], apiclient.USERNAME)
        self.assertIsNotNone(b["approved_at"])
        self.c.patch(f"/api/tools/{tid}",
                     {"python_code": "def main():\n    return 42\n"})
        st, _, q = self.c.get("/api/approvals/tools?status=pending_review"
                              f"&server_id={self.server['id']}"
                              "&page_size=100")
        item = [x for x in q["items"] if x["id"] == tid][0]
        self.assertEqual(item["approved_version"], 1)
        self.assertEqual(item["approved_code"],
                         "def main():\n    return 1\n")
        self.assertEqual(item["python_code"], "def main():\n    return 42\n")
        # The audit entry names the actor.
        st, _, logs = self.c.get("/api/activity/logs?log_type=audit&q=tool+"
                                 "approved&page_size=5")
        self.assertEqual(logs["items"][0]["actor"], apiclient.USERNAME)

    def test_approve_names_the_reviewed_version(self):
        """The admin read v1, the author pushed v2 meanwhile: approving v1
        must not approve v2."""
        tid = self.tool("pending_review")
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action",
                               {"action": "approve"})
        self.assertEqual(st, 422, b)
        self.assertIn("version", b["error"]["fields"])
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action",
                               {"action": "approve", "version": "1"})
        self.assertEqual(st, 422, b)
        seen = harness.reviewed_version(self.c.get, tid)
        st, _, b = self.c.patch(f"/api/tools/{tid}", {
            "python_code": "def main():\n    return 'EVIL v2'\n"})
        self.assertEqual(st, 200, b)
        for action in ("approve", "reject"):
            st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action", {
                "action": action, "version": seen, "reason": "r"})
            self.assertEqual(st, 409, b)
            self.assertEqual(b["error"]["code"], "stale_version")
            self.assertIn(f"version {seen}", b["error"]["message"])
        st, _, t = self.c.get(f"/api/tools/{tid}")
        self.assertEqual(t["approval_status"], "pending_review")
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action", {
            "action": "approve", "version": t["current_version"]})
        self.assertEqual((st, b["approved_version"]),
                         (200, t["current_version"]), b)
        # Bulk: the same, item by item.
        a = self.tool("pending_review")
        old = harness.reviewed_version(self.c.get, a)
        self.c.patch(f"/api/tools/{a}", {"description": "changed"})
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a], "action": "approve", "versions": {a: old}})
        self.assertEqual(st, 200, r)
        self.assertEqual(r["results"][0]["status"], 409, r)
        self.assertEqual(r["results"][0]["error"]["code"], "stale_version")
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a], "action": "approve"})
        self.assertEqual(st, 422, r)

    def test_reject_needs_reason(self):
        tid = self.tool("pending_review")
        for reason in (None, "", "   "):
            st, _, b = self.act(tid, "reject", reason)
            self.assertEqual(st, 422)
            self.assertIn("reason", b["error"]["fields"])
        st, _, b = self.act(tid, "reject", "uses eval")
        self.assertEqual((st, b["rejection_reason"]), (200, "uses eval"))

    def test_input_errors_and_404(self):
        tid = self.tool("pending_review")
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action",
                               {"action": "publish"})
        self.assertEqual(st, 422)
        st, _, b = self.c.post(f"/api/approvals/tools/{tid}/action",
                               {"action": "approve", "x": 1})
        self.assertEqual(st, 422)
        st, _, _ = self.c.post(f"/api/approvals/tools/{uuid.uuid4()}/action",
                               {"action": "approve", "version": 1})
        self.assertEqual(st, 404)
        st, _, _ = self.c.post("/api/approvals/tools/zzz/revoke")
        self.assertEqual(st, 404)
        st, _, _ = self.c.get("/api/approvals/tools?status=weird")
        self.assertEqual(st, 400)

    def test_bulk(self):
        a, b, d = (self.tool("pending_review"), self.tool("approved"),
                   self.tool("draft"))
        missing = str(uuid.uuid4())
        versions = {t: harness.reviewed_version(self.c.get, t)
                    for t in (a, b, d)}
        versions[missing] = 1
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a, b, d, missing], "action": "approve",
            "versions": versions})
        self.assertEqual(st, 200)
        self.assertEqual([x["status"] for x in r["results"]],
                         [200, 409, 200, 404])
        self.assertEqual((r["succeeded"], r["failed"]), (2, 2))
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a], "action": "reject", "versions": versions})
        self.assertEqual(st, 422)
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a] * 101, "action": "revoke"})
        self.assertEqual(st, 422)
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": ["nope"], "action": "revoke"})
        self.assertEqual(st, 422)
        st, _, r = self.c.post("/api/approvals/tools/bulk-action", {
            "ids": [a, b], "action": "revoke"})
        self.assertEqual(r["succeeded"], 2)

    def test_stats_and_queue(self):
        st, _, s = self.c.get("/api/approvals/stats")
        self.assertEqual(st, 200)
        self.assertEqual(set(s), {"tools", "modules", "network", "sources"})
        tid = self.tool("pending_review")
        name = self.c.get(f"/api/tools/{tid}")[2]["name"]
        st, _, q = self.c.get(f"/api/approvals/tools?search={name}")
        self.assertEqual((q["total"], q["items"][0]["id"]), (1, tid))
        st, _, q = self.c.get("/api/approvals/tools?status=all&page_size=1")
        self.assertEqual((len(q["items"]), q["page_size"]), (1, 1))

    def test_auth_required(self):
        for m, p in (("GET", "/api/approvals/stats"),
                     ("GET", "/api/approvals/tools"),
                     ("POST", f"/api/approvals/tools/{uuid.uuid4()}/action"),
                     ("POST", "/api/approvals/modules/bulk-action")):
            apiclient.assert_auth_required(self, m, p)


class RequestApprovalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()
        cls.server = apiclient.make_server(cls.c, "req")
        cls.tool = apiclient.make_tool(cls.c, cls.server["id"])

    def module_request(self, name, status="pending"):
        return psql("INSERT INTO module_requests (tool_id, module_name, "
                    f"justification, status) VALUES ('{self.tool['id']}', "
                    f"'{name}', 'needed', '{status}') RETURNING id")

    def network_request(self, host, status="pending"):
        return psql("INSERT INTO network_access_requests (tool_id, host, "
                    f"port, justification, status) VALUES "
                    f"('{self.tool['id']}', '{host}', 443, 'api', "
                    f"'{status}') RETURNING id")

    def transitions(self, kind, make):
        legal = {("pending", "approve"): "approved",
                 ("pending", "reject"): "rejected",
                 ("approved", "revoke"): "pending"}
        n = 0
        for start in ("pending", "approved", "rejected"):
            for action in ("approve", "reject", "revoke"):
                n += 1
                rid = make(n, start)
                if action == "revoke":
                    st, _, b = self.c.post(
                        f"/api/approvals/{kind}/{rid}/revoke")
                else:
                    st, _, b = self.c.post(
                        f"/api/approvals/{kind}/{rid}/action",
                        {"action": action, "reason": "no"})
                want = legal.get((start, action))
                if want is None:
                    self.assertEqual(st, 409, (kind, start, action, b))
                else:
                    self.assertEqual((st, b["status"]), (200, want),
                                     (kind, start, action, b))

    # Standard-library names: a package would first need its version
    # resolved (test_unresolved_package_cannot_be_approved).
    STDLIB = ["csv", "fnmatch", "zlib", "struct", "array", "binascii",
              "difflib", "graphlib", "colorsys"]

    def test_module_transitions(self):
        self.transitions("modules", lambda n, s: self.module_request(
            self.STDLIB[n - 1], s))

    def test_module_approval_belongs_to_the_tool_that_asked(self):
        other = apiclient.make_tool(self.c, self.server["id"])["id"]
        rid = self.module_request("tomllib")
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "approve"})
        self.assertEqual(st, 200, b)
        allowed = lambda t: psql(f"SELECT tool_allowed_modules('{t}') ? "
                                 "'tomllib'")
        self.assertEqual(allowed(self.tool["id"]), "t")
        self.assertEqual(allowed(other), "f")

    def test_unresolved_package_cannot_be_approved(self):
        rid = self.module_request("somepkg")
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "approve"})
        self.assertEqual((st, b["error"]["code"]), (409, "not_resolved"), b)
        # This server has no package source: the keeper's resolution fails.
        deadline = time.time() + 30
        while True:
            st, _, q = self.c.get("/api/approvals/modules?search=somepkg")
            item = [x for x in q["items"] if x["id"] == rid][0]
            if item["resolve_status"] not in ("pending", "resolving") or \
                    time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual((item["resolve_status"], item["install_package"]),
                         ("failed", "somepkg"), item)
        self.assertIn("MCPBOX_PIP_INDEX_URL", item["resolve_message"])
        psql("UPDATE module_requests SET resolve_message = 'somepkg cannot "
             f"be installed: no wheel' WHERE id = '{rid}'")
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "approve"})
        self.assertEqual(st, 409, b)
        self.assertIn("no wheel", b["error"]["message"])
        psql("UPDATE module_requests SET resolve_status = 'resolved', "
             f"resolved_version = '2.1' WHERE id = '{rid}'")
        st, _, q = self.c.get("/api/approvals/modules?search=somepkg")
        item = [x for x in q["items"] if x["id"] == rid][0]
        self.assertEqual(item["resolved_version"], "2.1", item)
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "approve"})
        self.assertEqual((st, b["status"]), (200, "approved"), b)

    def test_network_transitions(self):
        self.transitions("network", lambda n, s: self.network_request(
            f"h{n}.example.com", s))

    def test_network_approval_belongs_to_the_tool_that_asked(self):
        """A host approved for one tool's request is that tool's: not the
        server's other tools', not its sources' (it used to be matched on
        the server, so every tool of it could reach the host)."""
        rid = self.network_request("data.example.org")
        sid = self.server["id"]
        other = apiclient.make_tool(self.c, sid)["id"]
        hosts = lambda t: {h["host"] for h in json.loads(psql(
            f"SELECT tool_allowed_hosts('{t}')"))}
        server_hosts = lambda: {h["host"] for h in self.c.get(
            f"/api/servers/{sid}")[2]["allowed_hosts"]}
        self.assertNotIn("data.example.org", hosts(self.tool["id"]))
        st, _, q = self.c.get(f"/api/approvals/network?server_id={sid}")
        self.assertIn(rid, [x["id"] for x in q["items"]])
        self.c.post(f"/api/approvals/network/{rid}/action",
                    {"action": "approve"})
        self.assertIn("data.example.org", hosts(self.tool["id"]))
        self.assertNotIn("data.example.org", hosts(other))
        self.assertNotIn("data.example.org", server_hosts())
        # What the admin adds on the server's page is the server's.
        st, _, b = self.c.post(f"/api/servers/{sid}/allowed-hosts",
                               {"host": "all.example.org"})
        self.assertIn(st, (200, 201), b)
        self.assertIn("all.example.org", hosts(other))
        self.assertIn("all.example.org", server_hosts())
        self.c.post(f"/api/approvals/network/{rid}/revoke")
        self.assertNotIn("data.example.org", hosts(self.tool["id"]))

    def test_refused_module_cannot_be_approved(self):
        rid = self.module_request("subprocess")
        st, _, q = self.c.get("/api/approvals/modules?search=subprocess")
        self.assertTrue(q["items"][0]["refused"])
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "approve"})
        self.assertEqual(st, 422)
        st, _, b = self.c.post(f"/api/approvals/modules/{rid}/action",
                               {"action": "reject", "reason": "never"})
        self.assertEqual(st, 200)

    def test_bulk_modules(self):
        ids = [self.module_request(f"bulkmod{i}") for i in range(3)]
        st, _, r = self.c.post("/api/approvals/modules/bulk-action", {
            "ids": ids, "action": "reject", "reason": "not now"})
        self.assertEqual((st, r["succeeded"]), (200, 3))
        st, _, r = self.c.post("/api/approvals/modules/bulk-action", {
            "ids": ids, "action": "approve"})
        self.assertEqual([x["status"] for x in r["results"]], [409] * 3)


if __name__ == "__main__":
    unittest.main()
