"""docker/Dockerfile and docker/docker-compose.yml, checked without a
Docker engine: parsed with a YAML parser and the build-step script's own
Dockerfile reader, and the runtime stage's packages checked against what
the binaries built here actually load (scripts/docker-build-steps). The
image itself is built and run by tests/docker/run (make test-docker)."""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import unittest

import yaml

import harness

DOCKER = os.path.join(harness.ROOT, "docker")
STEPS = os.path.join(harness.ROOT, "scripts", "docker-build-steps")
DIGEST = re.compile(r"^[a-z0-9./_-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$")


def steps_module():
    loader = importlib.machinery.SourceFileLoader("docker_build_steps", STEPS)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class DockerfileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.steps = steps_module()
        cls.ins = cls.steps.instructions(os.path.join(DOCKER, "Dockerfile"))

    def test_multi_stage_digest_pinned_debian_12_slim(self):
        froms = [a for _, kw, a in self.ins if kw == "FROM"]
        self.assertGreaterEqual(len(froms), 2)
        # Every stage is FROM the one build argument BASE (a local base
        # where no registry answers, tests/docker/run), declared before the
        # first FROM with the digest-pinned image as its default; a FROM
        # naming an image directly must be pinned the same way.
        args = dict(a.partition("=")[::2] for s, kw, a in self.ins
                    if kw == "ARG" and s == -1)
        self.assertIn("BASE", args)
        bases = set()
        for f in froms:
            image = f.split()[0]
            m = re.fullmatch(r"\$\{?(\w+)\}?", image)
            if m:
                self.assertEqual(m.group(1), "BASE", f)
                image = args["BASE"]
            self.assertRegex(image, DIGEST)
            self.assertTrue(image.startswith("debian:12-slim@sha256:"), image)
            bases.add(image)
        self.assertEqual(len(bases), 1, bases)
        # The runtime stage copies from the build stage, not from a tag.
        self.assertIn("AS build", froms[0])
        copies = [a for s, kw, a in self.ins if kw == "COPY" and s == 1]
        self.assertTrue(all(c.startswith("--from=build ") for c in copies))

    def test_builds_with_make_build(self):
        runs = [a for s, kw, a in self.ins if kw == "RUN" and s == 0]
        self.assertTrue(any("make build" in r for r in runs))
        self.assertTrue(any("scripts/packages/build" in r for r in runs))
        # The build stage installs build packages only: no test tools.
        for tool in ("chromium", "prometheus", "wrk", "nodejs"):
            self.assertFalse(any(tool in r for r in runs), tool)

    def test_runs_as_non_root_with_healthcheck(self):
        last = max(s for s, _, _ in self.ins)
        users = [a for s, kw, a in self.ins if kw == "USER" and s == last]
        self.assertEqual(len(users), 1)
        user = users[0].split(":")[0]
        self.assertNotIn(user, ("root", "0", ""))
        hc = [a for s, kw, a in self.ins if kw == "HEALTHCHECK" and s == last]
        self.assertEqual(len(hc), 1)
        self.assertIn("/health", hc[0])
        ep = [a for s, kw, a in self.ins if kw == "ENTRYPOINT"]
        self.assertEqual(ep, ['["/app/mcpbox", "-f"]'])
        env = " ".join(a for s, kw, a in self.ins if kw == "ENV")
        self.assertIn("MCPBOX_SANDBOX_BIN=", env)
        self.assertIn("MCPBOX_RUN_DIR=", env)

    def test_runtime_packages_cover_the_binaries(self):
        p = subprocess.run([STEPS, "--check", harness.ROOT],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_dockerignore_keeps_state_out(self):
        with open(os.path.join(harness.ROOT, ".dockerignore")) as f:
            pats = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        for p in (".git", "build", "var", "sandbox/build"):
            self.assertIn(p, pats)


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(DOCKER, "docker-compose.yml")) as f:
            cls.doc = yaml.safe_load(f)
        cls.svc = cls.doc["services"]

    def test_every_service_hardened(self):
        for name, s in self.svc.items():
            with self.subTest(service=name):
                self.assertIn("no-new-privileges:true", s.get("security_opt", []))
                self.assertIs(s.get("read_only"), True)
                self.assertEqual(s.get("cap_drop"), ["ALL"])
                self.assertIn("mem_limit", s)
                self.assertIn("pids_limit", s)

    def test_mcpbox_service(self):
        m = self.svc["mcpbox"]
        self.assertEqual(m["build"]["dockerfile"], "docker/Dockerfile")
        tmpfs = [t.split(":")[0] for t in m["tmpfs"]]
        self.assertIn("/tmp", tmpfs)
        self.assertIn(m["environment"].get("MCPBOX_RUN_DIR", "/run/mcpbox"),
                      tmpfs)
        # Only the capabilities the sandbox's setuid step could use, and
        # none at all while the image runs as its non-root user.
        self.assertTrue(set(m.get("cap_add", [])) <= {"SETUID", "SETGID"})
        for p in m["ports"]:
            self.assertTrue(str(p).startswith("127.0.0.1:"), p)
        self.assertIn("MCPBOX_ENCRYPTION_KEY", m["environment"])
        self.assertIn("db", m["depends_on"])

    def test_database_on_internal_network(self):
        nets = self.doc["networks"]
        db = self.svc["db"]
        self.assertTrue(db["image"].startswith("postgres:15"))
        self.assertNotIn("ports", db)
        for n in db["networks"]:
            self.assertIs(nets[n].get("internal"), True, n)
        self.assertIn("pgdata", self.doc["volumes"])

    def test_cloudflared_only_under_remote_profile(self):
        cf = self.svc["cloudflared"]
        self.assertEqual(cf["profiles"], ["remote"])
        self.assertNotIn("ports", cf)
        for name, s in self.svc.items():
            if name != "cloudflared":
                self.assertNotIn("profiles", s)

    def test_two_doors(self):
        """The local door is published on loopback only; the public door is
        not published at all, and the tunnel points at it."""
        m = self.svc["mcpbox"]
        self.assertEqual([str(p) for p in m["ports"]], ["127.0.0.1:8000:8000"])
        self.assertIn("MCPBOX_PUBLIC_LISTEN", m["environment"])
        self.assertIn("MCPBOX_TRUSTED_PROXIES", m["environment"])
        with open(os.path.join(DOCKER, "docker-compose.yml")) as f:
            text = f.read()
        self.assertIn("http://mcpbox:8001", text)
        subnet = self.doc["networks"]["frontend"]["ipam"]["config"][0]["subnet"]
        self.assertIn(subnet, m["environment"]["MCPBOX_TRUSTED_PROXIES"])

    def test_no_secret_values_in_the_file(self):
        m = self.svc["mcpbox"]["environment"]
        for k in ("MCPBOX_ENCRYPTION_KEY", "MCPBOX_SERVICE_TOKEN",
                  "MCPBOX_JWT_SECRET"):
            self.assertTrue(m[k].startswith("${"), k)


if __name__ == "__main__":
    unittest.main()
