#!/usr/bin/env python3
"""Integration test runner: one shared PostgreSQL + server for the suites,
every test_*.py module in this folder, and a clean stop whatever happens."""
import importlib
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


def main():
    names = sys.argv[1:] or sorted(
        f[:-3] for f in os.listdir(os.path.dirname(__file__))
        if f.startswith("test_") and f.endswith(".py"))
    # A SIGTERM (a CI timeout) stops the run like ^C: through the finally.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    pg = harness.Postgres()
    server = None
    try:
        url = pg.start()
        server = harness.Server(url, workers=2, name="shared").start()
        harness.SHARED = {"pg": pg, "server": server, "url": url}
        suite = unittest.TestSuite()
        loader = unittest.TestLoader()
        for n in names:
            suite.addTests(loader.loadTestsFromModule(importlib.import_module(n)))
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        print(f"integration: {result.testsRun} tests, "
              f"{len(result.failures)} failures, {len(result.errors)} errors")
        return 0 if result.wasSuccessful() else 1
    finally:
        if server:
            server.stop()
        pg.destroy()
        harness.stop_all()  # what an interrupted class did not tear down


if __name__ == "__main__":
    sys.exit(main())
