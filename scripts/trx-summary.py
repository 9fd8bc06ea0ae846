#!/usr/bin/env python3
"""Adds up the TRX files of a test run and prints the closing line 'N passed, N failed, N skipped'."""
import glob, sys, xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for f in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    root = ET.parse(f).getroot()
    for r in root.iterfind(".//t:UnitTestResult", ns):
        o = r.get("outcome")
        if o == "Passed":
            passed += 1
        elif o == "NotExecuted":
            skipped += 1
        else:
            failed += 1
            failures.append(r.get("testName"))
for name in failures:
    print("FAILED:", name)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
