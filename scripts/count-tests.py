#!/usr/bin/python3
"""Prints "N passed, N failed" for meson test logs (testlog.json files).

Each suite prints TAP, so the count is of TAP results; a test executable that
failed without printing any "not ok" (a crash, a timeout) counts as one
failure, and a missing log counts as one failure too.
"""
import json
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError:
        failed += 1
        continue
    for entry in entries:
        lines = (entry.get("stdout") or "").splitlines()
        ok = sum(1 for line in lines if line.startswith("ok "))
        not_ok = sum(1 for line in lines if line.startswith("not ok "))
        if entry.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and not_ok == 0:
            not_ok = 1
        passed += ok
        failed += not_ok

print("%d passed, %d failed" % (passed, failed))
