"""Unambiguous names: "server__tool" must name one tool. "__" and a
trailing "_" are refused in new server and tool names, through the API and
the management tools; names an older version let in are renamed by
migration 0046, each rename in the activity log."""
import unittest

import apiclient
import harness


class NamesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg, cls.srv = apiclient.fresh_stack(workers=1, name="names")
        # Runs even when setUpClass fails after this line.
        cls.addClassCleanup(apiclient.stop_stack, cls.pg, cls.srv)
        cls.c = apiclient.Client(cls.srv).setup()

    def test_new_names_refused(self):
        for name in ("pay__prod", "pay_", "a___b"):
            st, _, b = self.c.post("/api/servers", {"name": name})
            self.assertEqual(st, 422, (name, b))
        s = apiclient.make_server(self.c, "names")
        for name in ("prod__refund", "refund_"):
            st, _, b = self.c.post(f"/api/servers/{s['id']}/tools", {
                "name": name, "python_code": "def main():\n    return 1\n"})
            self.assertEqual(st, 422, (name, b))

    def test_old_names_are_renamed_with_a_report(self):
        # What an older version allowed, written behind the API's back.
        self.pg.psql("INSERT INTO servers (name) VALUES ('pay'), "
                     "('pay__prod'), ('ledger_')")
        sid = self.pg.psql("SELECT id FROM servers WHERE name = 'pay'")
        self.pg.psql("INSERT INTO tools (server_id, name, python_code) "
                     f"VALUES ('{sid}', 'prod__refund', 'x'), "
                     f"('{sid}', 'prod_refund', 'y')")
        self.srv.stop()
        self.pg.psql("DELETE FROM schema_migrations WHERE version = 46")
        self.srv.start()
        names = self.pg.psql("SELECT string_agg(name, ',' ORDER BY name) "
                             "FROM servers WHERE name LIKE 'pay%' OR "
                             "name LIKE 'ledger%'")
        self.assertEqual(names, "ledger,pay,pay_prod")
        tools = self.pg.psql("SELECT string_agg(name, ',' ORDER BY name) "
                             f"FROM tools WHERE server_id = '{sid}'")
        self.assertEqual(tools, "prod_refund,prod_refund_2")
        report = self.pg.psql("SELECT string_agg(message, ' | ' ORDER BY "
                              "message) FROM activity_logs WHERE details->>"
                              "'from' IN ('pay__prod', 'ledger_', "
                              "'prod__refund')")
        self.assertIn("pay__prod -> pay_prod", report)
        self.assertIn("ledger_ -> ledger", report)
        self.assertIn("prod__refund -> prod_refund_2", report)


if __name__ == "__main__":
    unittest.main()
