"""Fails unless the JUnit report shows tests that ran and none skipped.

A skipped PostgreSQL or browser test would hide a broken path, so CI (`.ci/run` and the GitHub
workflow) treats a skip as a failure: `python .ci/check_junit.py junit.xml`.
"""

import sys
import xml.etree.ElementTree as ET


def main(report: str) -> int:
    root = ET.parse(report).getroot()
    suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
    tests = sum(int(suite.get("tests", 0)) for suite in suites)
    skipped = [
        f"{case.get('classname')}::{case.get('name')}"
        for suite in suites
        for case in suite.iter("testcase")
        if case.find("skipped") is not None
    ]
    if tests == 0:
        sys.stderr.write("no test ran\n")
        return 1
    if skipped:
        sys.stderr.write("skipped tests are failures in CI:\n  " + "\n  ".join(skipped) + "\n")
        return 1
    sys.stdout.write(f"{tests} tests ran, none skipped\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
