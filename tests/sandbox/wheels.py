"""Package fixtures for the installer tests (sandbox socket, server, panel):
wheels and an sdist built on the spot, so no test ever reaches an index."""
import base64, hashlib, io, os, tarfile, zipfile


def build_wheel(d, name="mcpboxdemo", version="1.0", init=None):
    files = {
        f"{name}/__init__.py": init or "def greet(who):\n    return 'hello ' + who\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for p, t in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{p},sha256={h},{len(t.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(d, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as z:
        for p, t in files.items():
            z.writestr(p, t)
    return path


def build_sdist(d, marker):
    path = os.path.join(d, "evilpkg-1.0.tar.gz")
    setup = f"open({marker!r}, 'w').write('setup.py ran')\nfrom setuptools import setup\nsetup(name='evilpkg', version='1.0')\n"
    with tarfile.open(path, "w:gz") as t:
        for name, text in (("evilpkg-1.0/setup.py", setup),
                           ("evilpkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")):
            data = text.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return path


# Import-time code that reports where it runs: uid, a root-only file,
# seccomp and NO_NEW_PRIVS, and whether it could start a process.
PROOF_INIT = """import os
lines = ["uid=%d" % os.getuid()]
try:
    open("/etc/shadow").read(1)
    lines.append("can_read_shadow=True")
except OSError:
    lines.append("can_read_shadow=False")
for l in open("/proc/self/status"):
    if l.startswith(("Seccomp:", "NoNewPrivs:")):
        lines.append(l.split()[0] + l.split()[1])
try:
    import subprocess
    subprocess.run(["/bin/true"])
    lines.append("subprocess=ran")
except Exception:
    lines.append("subprocess=refused")
with open("PROOF/proof.txt", "w") as f:
    f.write("\\n".join(lines))
def ping():
    return "pong"
"""
