#!/usr/bin/env python3
"""Installer op: a wheel built here installs into its own directory and can
then be activated; an sdist-only package fails with a clear message and
leaves nothing behind (its setup.py never runs); bad names and sources are
refused before pip starts.  Never touches PyPI."""
import argparse, os, shutil, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbxclient import FAILS, SUPERVISOR_UID, Supervisor, check
from wheels import PROOF_INIT, build_sdist, build_wheel



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="sbx-install-")
    os.chmod(root, 0o755)
    wheels, pkgs = os.path.join(root, "wheels"), os.path.join(root, "packages")
    os.makedirs(wheels)
    os.makedirs(pkgs)
    marker = os.path.join(root, "SETUP_PY_RAN")
    build_wheel(wheels)
    build_sdist(wheels, marker)
    proofdir = os.path.join(root, "proof")
    os.makedirs(proofdir)
    os.chmod(proofdir, 0o777)
    build_wheel(wheels, "mcpboxproof", "1.0", init=PROOF_INIT.replace("PROOF", proofdir))
    try:
        with Supervisor(a.binary) as sup:
            r = sup.client().call({"op": "install", "packages": ["mcpboxdemo"], "find_links": wheels})
            check("installer disabled without --packages-dir",
                  r["error"]["type"] == "InstallError" and "disabled" in r["error"]["message"], r)
        with Supervisor(a.binary, ["--packages-dir", pkgs]) as sup:
            c = sup.client()
            r = c.call({"op": "install", "packages": ["mcpboxdemo==1.0"], "find_links": wheels}, timeout=120)
            check("wheel installs", r.get("ok") and r["installed"] == ["mcpboxdemo-1.0"]
                  and os.path.isfile(os.path.join(r["target"], "mcpboxdemo", "__init__.py")), r)
            target = r.get("target", "")
            check("no bytecode written (--no-compile)",
                  not any("__pycache__" in dp for dp, _, _ in os.walk(target)))
            if os.geteuid() == 0:
                # pip ran as the supervisor's uid, never as root (its files
                # were root's before the supervisor dropped privileges).
                owners = {os.stat(os.path.join(dp, f)).st_uid
                          for dp, _, fs in os.walk(target) for f in fs}
                check("pip ran as the supervisor uid, not root",
                      owners == {SUPERVISOR_UID}, owners)
            before = set(os.listdir(pkgs))
            r = c.call({"op": "install", "packages": ["evilpkg"], "find_links": wheels}, timeout=120)
            check("sdist-only package refused", not r["ok"] and r["error"]["type"] == "InstallError"
                  and "source distributions are refused" in r["error"]["message"], r)
            check("setup.py never ran", not os.path.exists(marker))
            check("nothing left behind", set(os.listdir(pkgs)) == before, os.listdir(pkgs))
            for bad in (["-r", "x"], ["foo; rm -rf /"], ["../etc"], ["git+https://x/y"],
                        ["pkg>=1"], ["--index-url=https://evil"], [], ["a" * 200]):
                r = c.call({"op": "install", "packages": bad, "find_links": wheels})
                check(f"refused package spec {bad!r:.30}", r["error"]["type"] == "InstallError", r)
            for src in ({"index_url": "http://insecure/simple"}, {"find_links": "relative/dir"},
                        {"index_url": "https://x/ -r y"}):
                r = c.call({"op": "install", "packages": ["mcpboxdemo"], **src})
                check(f"refused source {src}", r["error"]["type"] == "InstallError", r)
            # resolve: the version an install would take, nothing kept
            build_wheel(wheels, version="2.0")
            before = set(os.listdir(pkgs))
            r = c.call({"op": "resolve", "packages": ["mcpboxdemo"], "find_links": wheels}, timeout=120)
            check("resolve names the newest wheel", r.get("ok") and r["resolved"] ==
                  [{"package": "mcpboxdemo", "version": "2.0"}], r)
            check("resolve leaves nothing behind", set(os.listdir(pkgs)) == before, os.listdir(pkgs))
            r = c.call({"op": "resolve", "packages": ["evilpkg"], "find_links": wheels}, timeout=120)
            check("resolve refuses an sdist-only package", not r["ok"] and
                  "source distributions are refused" in r["error"]["message"], r)
            check("setup.py never ran during resolve", not os.path.exists(marker))
            r = c.call({"op": "install", "packages": ["mcpboxproof==1.0"], "find_links": wheels}, timeout=120)
            proof_target = r.get("target", "")
            check("proof wheel installs", r.get("ok"), r)
            check("installing runs no package code",
                  not os.path.exists(os.path.join(proofdir, "proof.txt")))
            check("alive", sup.alive())
        # A packages directory behind a root-only parent, on another file
        # system than /tmp, where pip works: moved in by fd, then copied.
        private = tempfile.mkdtemp(prefix="sbx-install-", dir="/dev/shm")
        try:
            shm_pkgs = os.path.join(private, "packages")
            os.makedirs(shm_pkgs)
            scratch = lambda: {n for n in os.listdir("/tmp") if n.startswith("mcpbox-install-")}
            before = scratch()
            with Supervisor(a.binary, ["--packages-dir", shm_pkgs]) as sup:
                r = sup.client().call({"op": "install", "packages": ["mcpboxdemo==1.0"],
                                       "find_links": wheels}, timeout=120)
            check("install across file systems, behind a private parent", r.get("ok") and
                  r["target"].startswith(shm_pkgs + "/") and
                  os.path.isfile(os.path.join(r["target"], "mcpboxdemo", "__init__.py")), r)
            check("pip's scratch directory is gone", scratch() == before, scratch() - before)
        finally:
            shutil.rmtree(private, ignore_errors=True)
        # package code runs in the zygote only after it dropped privileges
        with Supervisor(a.binary, ["--python-path", proof_target, "--module", "mcpboxproof"]) as sup:
            r = sup.client().execute("import mcpboxproof\ndef main():\n    return mcpboxproof.ping()\n",
                                     allowed_modules=["mcpboxproof"])
            check("package usable", r.get("result") == "pong", r)
            proof = open(os.path.join(proofdir, "proof.txt")).read().split("\n")
            if os.geteuid() == 0:
                check("import-time code ran as the sandbox uid", "uid=65534" in proof, proof)
            check("import-time code cannot read a root-only file",
                  "can_read_shadow=False" in proof, proof)
            check("import-time code ran under seccomp and NO_NEW_PRIVS",
                  "Seccomp:2" in proof and "NoNewPrivs:1" in proof, proof)
            check("import-time code could start no process", "subprocess=refused" in proof, proof)
        # activation: the install directory and module named at start-up
        with Supervisor(a.binary, ["--python-path", target, "--module", "mcpboxdemo"]) as sup:
            r = sup.client().execute("import mcpboxdemo\ndef main(w):\n    return mcpboxdemo.greet(w)\n",
                                     {"w": "box"}, allowed_modules=["mcpboxdemo"])
            check("installed module usable in the sandbox", r.get("result") == "hello box", r)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"INSTALL {'FAILED ' + str(len(FAILS)) if FAILS else 'all passed'}")
    sys.exit(1 if FAILS else 0)


main()
