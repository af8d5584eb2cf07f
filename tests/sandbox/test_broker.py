#!/usr/bin/env python3
"""HTTP broker tests against a loopback HTTPS server started here with a
self-signed certificate.  They need the test build: its
--test-loopback-port/--test-cafile switches exempt exactly that port on
127.0.0.1/::1 from the private-address rule and trust the test CA.  The
production binary has neither switch.  The rules for hosts approved as
private (D37) and the lookup op are checked here where no connection is
needed; tests/integration/test_lan_hosts.py reaches a LAN host for real."""
import argparse, http.server, json, os, shutil, ssl, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbxclient import FAILS, Supervisor, check


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        port = self.server.server_address[1]
        if p.startswith("/json"):
            self.send(200, b'{"hello": "world"}', [("Content-Type", "application/json")])
        elif p == "/redirect-ok":
            self.send(302, b"", [("Location", "/json")])
        elif p == "/redirect-private":
            self.send(302, b"", [("Location", "https://10.0.0.1/x")])
        elif p == "/redirect-meta":
            self.send(302, b"", [("Location", "https://169.254.169.254/latest/meta-data/")])
        elif p == "/redirect-other-port":
            self.send(302, b"", [("Location", f"https://127.0.0.1:{port + 1}/json")])
        elif p == "/redirect-loop":
            self.send(302, b"", [("Location", "/redirect-loop")])
        elif p == "/big":
            self.send(200, b"x" * (5 << 20))
        elif p == "/slow":
            time.sleep(3)
            self.send(200, b"late")
        elif p == "/headers":
            self.send(200, json.dumps(dict(self.headers)).encode())
        else:
            self.send(404, b"no")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.send(200, self.rfile.read(n), [("Content-Type", "application/json")])


TOOL = r'''
def main(base, port):
    cases = {
        "get": lambda: http.get(base + "/json").json(),
        "post": lambda: http.post(base + "/echo", json_body={"a": 1}).json(),
        "redirect_same_host": lambda: http.get(base + "/redirect-ok").json(),
        "redirect_private": lambda: http.get(base + "/redirect-private").status,
        "redirect_metadata": lambda: http.get(base + "/redirect-meta").status,
        "redirect_other_port": lambda: http.get(base + "/redirect-other-port").status,
        "redirect_loop": lambda: http.get(base + "/redirect-loop").status,
        "not_allowlisted": lambda: http.get("https://example.org/").status,
        "localhost_443": lambda: http.get("https://localhost/").status,
        "metadata_ip": lambda: http.get("https://169.254.169.254/latest/").status,
        "private_ip": lambda: http.get("https://10.0.0.1/").status,
        "decimal_ip": lambda: http.get("https://2130706433/").status,
        "mapped_v6": lambda: http.get("https://[::ffff:127.0.0.1]/").status,
        "plain_http": lambda: http.get("http://localhost/").status,
        "userinfo": lambda: http.get("https://u:p@127.0.0.1:%d/json" % port).status,
        "big": lambda: len(http.get(base + "/big").text),
        "slow": lambda: http.get(base + "/slow", timeout=1).status,
        "host_header": lambda: http.get(base + "/headers", headers={"Host": "evil.example", "X-A": "1"}).json(),
        "crlf_header": lambda: http.get(base + "/headers", headers={"X-B": "v\r\nX-Injected: 1"}).json(),
        "trace": lambda: http.request("TRACE", base + "/json").status,
        # D37: a private approval takes LAN addresses only, http too; a
        # public one public addresses only, https only.
        "lan_as_public": lambda: http.get("https://10.0.0.1/").status,
        "public_as_private": lambda: http.get("https://8.8.8.8/").status,
        "plain_to_public": lambda: http.get("http://8.8.8.8:80/").status,
        "metadata_as_private": lambda: http.get("http://169.254.169.254/").status,
        "loopback_as_private": lambda: http.get("http://127.0.0.2:8080/").status,
        "door": lambda: http.get("http://192.168.77.10:8443/").status,
    }
    out = {}
    for name, fn in cases.items():
        try:
            out[name] = ["ok", fn()]
        except HttpError as e:
            out[name] = ["refused", str(e)]
    return out
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sbx-broker-")
    os.chmod(d, 0o755)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(cert, 0o644)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.handle_error = lambda *a: None     # clients that hang up early
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    hosts = [{"host": "127.0.0.1", "port": port}, {"host": "localhost", "port": None},
             {"host": "169.254.169.254", "port": None}, {"host": "10.0.0.1", "port": None},
             {"host": "2130706433", "port": None}, {"host": "[::ffff:127.0.0.1]", "port": None},
             {"host": "8.8.8.8", "port": None, "private": True},
             {"host": "8.8.8.8", "port": 80, "private": True},
             {"host": "169.254.169.254", "port": 80, "private": True},
             {"host": "127.0.0.2", "port": 8080, "private": True},
             {"host": "192.168.77.10", "port": 8443, "private": True}]
    try:
        with Supervisor(a.binary, ["--test-loopback-port", str(port), "--test-cafile", cert,
                                   "--self-door", "192.168.77.10:8443"]) as sup:
            c = sup.client()
            t0 = time.time()
            r = c.execute(TOOL, {"base": f"https://127.0.0.1:{port}", "port": port},
                          allowed_hosts=hosts, timeout_ms=30000)
            check("broker tool ran", r.get("ok"), r)
            res = r.get("result", {})
            for k, v in sorted(res.items()):
                print(f"     {k:22s} {json.dumps(v)[:110]}")
            ok = lambda k: res.get(k, [None])[0] == "ok"
            refused = lambda k: res.get(k, [None])[0] == "refused"
            check("GET json", ok("get") and res["get"][1] == {"hello": "world"})
            check("POST json", ok("post") and res["post"][1] == {"a": 1})
            check("redirect on the same host followed", ok("redirect_same_host"))
            for k in ("redirect_private", "redirect_metadata", "redirect_other_port", "redirect_loop",
                      "not_allowlisted", "localhost_443", "metadata_ip", "private_ip", "decimal_ip",
                      "mapped_v6", "plain_http", "userinfo", "big", "slow", "trace"):
                check(f"refused: {k}", refused(k), res.get(k))
            for k, words in (("lan_as_public", "approved as a public host"),
                             ("public_as_private", "approved as a private-network host"),
                             ("plain_to_public", "only https"),
                             ("metadata_as_private", "blocked address (metadata)"),
                             ("loopback_as_private", "blocked address (loopback)"),
                             ("door", "MCPbox itself")):
                check(f"refused: {k}", refused(k) and words in res[k][1], res.get(k))
            # The lookup op: what a network request's host is (D37).
            for host, hport, kinds in (("127.0.0.1", 80, ["loopback"]),
                                       ("192.168.77.10", 8080, ["private"]),
                                       ("192.168.77.10", 8443, ["self"]),
                                       ("8.8.8.8", 443, ["public"]),
                                       ("169.254.169.254", 80, ["metadata"]),
                                       ("fd12::1", 80, ["private"]),
                                       ("no-such-host.invalid", 443, [])):
                r = c.call({"op": "lookup", "host": host, "port": hport}, timeout=20)
                got = [x["kind"] for x in r.get("answers", [None])]
                check(f"lookup {host}:{hport} is {kinds}", r.get("ok") and got == kinds, r)
            r = c.call({"op": "lookup", "host": "a b", "port": 1})
            check("lookup of a bad name refused", r.get("ok") is False and
                  r["error"]["type"] == "ValidationError", r)
            check("redirect loop capped", "too many redirects" in str(res.get("redirect_loop")))
            check("2 MiB cap", "2 MiB" in str(res.get("big")))
            check("time cap", "timed out" in str(res.get("slow")))
            hh = res.get("host_header", [None, {}])[1]
            check("Host override dropped", ok("host_header") and "evil" not in json.dumps(hh) and hh.get("X-A") == "1", hh)
            ch = res.get("crlf_header", [None, {}])[1]
            check("CRLF header dropped", ok("crlf_header") and "X-Injected" not in ch and "X-B" not in ch, ch)
            # a slow HTTP call does not stall the supervisor
            c.send({"op": "execute", "id": "slow", "args": {},
                    "code": f"def main():\n    return http.get('https://127.0.0.1:{port}/slow', timeout=5).text\n",
                    "allowed_hosts": hosts, "timeout_ms": 10000})
            time.sleep(0.2)
            t1 = time.time()
            fast = sup.client().execute("def main():\n    return 1\n")
            check("supervisor not blocked by a slow HTTP call", fast["ok"] and time.time() - t1 < 1.0)
            slow = c.recv(timeout=20)
            check("slow HTTP call completes", slow.get("result") == "late", slow)
            check("supervisor alive", sup.alive())
    finally:
        srv.shutdown()
        shutil.rmtree(d, ignore_errors=True)
    print(f"BROKER {'FAILED ' + str(len(FAILS)) if FAILS else 'all passed'}")
    sys.exit(1 if FAILS else 0)


main()
