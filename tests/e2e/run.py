#!/usr/bin/env python3
"""End-to-end test of the admin panel: a throwaway PostgreSQL and server
(tests/integration/harness.py), then panel.test.mjs drives headless
Chromium against it. Everything started here is stopped in the finally."""
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "sandbox"))
import harness  # noqa: E402
from wheels import build_wheel  # noqa: E402


def main():
    if not os.path.isdir(os.path.join(HERE, "node_modules")):
        subprocess.check_call(["npm", "ci", "--no-audit", "--no-fund",
                               "--silent"], cwd=HERE)
    t0 = time.time()
    # A SIGTERM (a CI timeout) stops the run like ^C: through the finally.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    pg = harness.Postgres()
    server = None
    # A package index of one wheel: the panel shows a pinned install live.
    wheels = tempfile.mkdtemp(prefix="e2e-wheels-")
    try:
        os.chmod(wheels, 0o755)
        build_wheel(wheels, "e2epkg", "1.2")
        url = pg.start()
        server = harness.Server(url, workers=2, name="e2e", env={
            "MCPBOX_PIP_FIND_LINKS": wheels}).start()
        base = f"http://127.0.0.1:{server.port}"
        rc = subprocess.call(["node", os.path.join(HERE, "panel.test.mjs"),
                              base], cwd=harness.ROOT)
        print(f"e2e: {'passed' if rc == 0 else 'FAILED'} in "
              f"{time.time() - t0:.1f} s (server log {server.log_path})")
        return rc
    finally:
        if server:
            server.stop()
        pg.destroy()
        shutil.rmtree(wheels, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
