"""Servers: CRUD, start/stop, allowed hosts, validation, 404s, auth."""
import unittest
import uuid

import apiclient


class ServersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = apiclient.shared()

    def test_crud(self):
        c = self.c
        name = apiclient.unique("crud")
        st, _, s = c.post("/api/servers", {"name": name,
                                           "description": "d"})
        self.assertEqual(st, 201)
        self.assertEqual(s["status"], "stopped")
        st, _, _ = c.post("/api/servers", {"name": name})
        self.assertEqual(st, 409)
        st, _, got = c.get(f"/api/servers/{s['id']}")
        self.assertEqual(st, 200)
        self.assertEqual(got["name"], name)
        self.assertEqual(got["tools"], [])
        st, _, up = c.patch(f"/api/servers/{s['id']}",
                            {"description": "new", "default_timeout_ms": 5000})
        self.assertEqual((st, up["description"], up["default_timeout_ms"]),
                         (200, "new", 5000))
        st, _, page = c.get("/api/servers?page=1&page_size=100")
        self.assertEqual(st, 200)
        self.assertIn(name, [x["name"] for x in page["items"]])
        self.assertGreaterEqual(page["total"], 1)
        st, _, _ = c.delete(f"/api/servers/{s['id']}")
        self.assertEqual(st, 200)
        st, _, _ = c.get(f"/api/servers/{s['id']}")
        self.assertEqual(st, 404)

    def test_validation(self):
        for body, field in (({"name": "Bad Name"}, "name"),
                            ({"name": "1abc"}, "name"),
                            ({}, "name"),
                            ({"name": "ok_name", "colour": "x"}, "colour"),
                            ({"name": 7}, "name")):
            st, _, b = self.c.post("/api/servers", body)
            self.assertEqual(st, 422, body)
            self.assertIn(field, b["error"]["fields"])
        s = apiclient.make_server(self.c)
        st, _, b = self.c.patch(f"/api/servers/{s['id']}",
                                {"default_timeout_ms": 5})
        self.assertEqual(st, 422)
        st, _, _ = self.c.get("/api/servers?page=0")
        self.assertEqual(st, 400)
        st, _, b = self.c.call("POST", "/api/servers", b"{not json",
                               headers={"Content-Type": "application/json"})
        self.assertEqual(st, 400)

    def test_not_found(self):
        for path in (f"/api/servers/{uuid.uuid4()}", "/api/servers/nope",
                     "/api/servers/1' OR '1'='1"):
            st, _, b = self.c.get(path.replace(" ", "%20"))
            self.assertEqual(st, 404, path)
            self.assertNotIn("SELECT", str(b))
        st, _, _ = self.c.post(f"/api/servers/{uuid.uuid4()}/start")
        self.assertEqual(st, 404)

    def test_start_stop(self):
        s = apiclient.make_server(self.c)
        st, _, b = self.c.post(f"/api/servers/{s['id']}/start")
        self.assertEqual((st, b["status"]), (200, "running"))
        st, _, b = self.c.post(f"/api/servers/{s['id']}/stop")
        self.assertEqual((st, b["status"]), (200, "stopped"))

    def test_allowed_hosts(self):
        s = apiclient.make_server(self.c)
        base = f"/api/servers/{s['id']}/allowed-hosts"
        st, _, b = self.c.post(base, {"host": "API.Example.com."})
        self.assertEqual(st, 201)
        self.assertEqual(b["host"], "api.example.com")
        st, _, b = self.c.post(base, {"host": "api.example.com"})
        self.assertEqual(st, 200)
        st, _, b = self.c.post(base, {"host": "x.example", "port": 8443})
        self.assertEqual(st, 201)
        st, _, srv = self.c.get(f"/api/servers/{s['id']}")
        hosts = {(h["host"], h["port"]) for h in srv["allowed_hosts"]}
        self.assertEqual(hosts, {("api.example.com", None),
                                 ("x.example", 8443)})
        st, _, b = self.c.post(base, {"host": "bad host/"})
        self.assertEqual(st, 422)
        st, _, b = self.c.post(base, {"host": "a.example", "port": 70000})
        self.assertEqual(st, 422)
        st, _, _ = self.c.delete(base + "?host=api.example.com")
        self.assertEqual(st, 200)
        st, _, _ = self.c.delete(base + "?host=api.example.com")
        self.assertEqual(st, 404)

    def test_auth_required(self):
        sid = uuid.uuid4()
        for m, p in (("GET", "/api/servers"), ("POST", "/api/servers"),
                     ("GET", f"/api/servers/{sid}"),
                     ("PATCH", f"/api/servers/{sid}"),
                     ("DELETE", f"/api/servers/{sid}"),
                     ("POST", f"/api/servers/{sid}/start"),
                     ("POST", f"/api/servers/{sid}/allowed-hosts")):
            apiclient.assert_auth_required(self, m, p)


if __name__ == "__main__":
    unittest.main()
