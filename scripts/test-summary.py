"""Reads the test run's output and prints one closing line: 'tests: N passed, N failed'.

turbo prefixes every line with the package and task, so neither pytest's nor jest's own
closing line stands alone; this adds the totals across every package.
"""

import re
import sys

passed = failed = 0
runners = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    # jest: "Tests:       2 failed, 102 passed, 104 total"
    jest = re.search(r"Tests:\s+(.*?)\d+ total", line)
    # pytest -q: "175 passed, 2 failed in 15.06s" / "=== 3 failed, 10 passed in 2s ==="
    pytest = re.search(r"(?:^|[\s=])((?:\d+ (?:passed|failed|error|errors|skipped|deselected|xfailed|xpassed|warnings?)(?:, )?)+) in [\d.]+s", line)
    summary = jest.group(1) if jest else pytest.group(1) if pytest else None
    if summary is None:
        continue
    runners += 1
    for count, word in re.findall(r"(\d+) (passed|failed|errors?)", summary):
        if word == "passed":
            passed += int(count)
        else:
            failed += int(count)
print(f"tests: {passed} passed, {failed} failed" + ("" if runners else " (no test runner summary found)"))
