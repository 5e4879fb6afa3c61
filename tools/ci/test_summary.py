"""Reads the log of `turbo run check-types test` and tells, per package, what passed and failed.

    python tools/ci/test_summary.py LOG [WORKSPACE_ROOT]

Prints a table, then one closing line 'tests: N passed, N failed' (', N skipped' after it when
tests were skipped), and exits 1 when anything failed. Every failure counts, not only the
failed tests a runner reports: a jest suite that failed to load, a pytest error, a status word
this script does not know, a type check, a task that exited non-zero, and a task that was
expected to run but printed no summary at all (turbo or a command before the runner stopped).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# turbo prefixes each line of a task's output with "<package>:<task>: ".
TASK_LINE = re.compile(r"^(?P<package>[^\s:#]+):(?P<task>[\w:-]+): ?(?P<text>.*)$")
# ...and reports a task that failed with "<package>#<task>:  ERROR  command (...) exited (N)".
TASK_EXIT = re.compile(r"^(?P<package>[^\s:#]+)#(?P<task>[\w:-]+):\s+ERROR\s+command .* exited \((?P<code>\d+)\)$")
# The header: "• Packages in scope: a, b" and "• Running check-types, test in 2 packages".
SCOPE = re.compile(r"^\s*• Packages in scope: (?P<packages>.+)$")
RUNNING = re.compile(r"^\s*• Running (?P<tasks>.+) in \d+ packages?$")
# The closing " Tasks:    4 successful, 5 total": turbo got to the end of the run.
TURBO_DONE = re.compile(r"^\s*Tasks:\s+\d+ successful, \d+ total")

# jest: "Tests:       1 failed, 1 skipped, 1 todo, 3 passed, 6 total" and "Test Suites: ...".
JEST_TESTS = re.compile(r"^Tests:\s+(?P<counts>.*?),?\s*\d+ total$")
JEST_SUITES = re.compile(r"^Test Suites:\s+(?P<counts>.*?),?\s*\d+ total$")
# jest prints this under "FAIL <suite>" for a test file that threw before any test ran.
JEST_FAIL = re.compile(r"^FAIL (?P<suite>.+)$")
JEST_LOAD_FAILURE = "● Test suite failed to run"
# pytest: "1 failed, 2 passed, 1 error in 0.82s" (-q) or "=== 2 passed in 75.06s (0:01:15) ===".
PYTEST = re.compile(r"^=*\s*(?P<counts>\d+ [a-z][a-z ]*(?:, \d+ [a-z][a-z ]*)*|no tests ran) in [\d.]+s(?: \([\d:]+\))?\s*=*$")
# tsc: "src/x.ts(1,14): error TS2322: ..." and "error TS6053: File 'x.ts' not found."
TSC_ERROR = re.compile(r"\berror TS\d+:")

# What each status word adds to; words for notes only count nowhere. Any other word is a
# status this script was not written for, so it counts as failed (and is named).
OUTCOME = {
    "passed": "passed",
    "xpassed": "passed",
    "failed": "failed",
    "error": "failed",
    "errors": "failed",
    "skipped": "skipped",
    "todo": "skipped",
    "xfailed": "skipped",
}
NOTE_ONLY = {"deselected", "warning", "warnings"}

# The tasks whose outcome this script reads (scripts/test.sh runs both); any other task, such
# as a dependency's build, counts only when it fails.
CHECKED_TASKS = ("check-types", "test")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Result:
    package: str
    task: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def summarize(log: str, scripts: dict[str, set[str]]) -> list[Result]:
    """One result per checked task turbo was asked to run, and per other task that failed.

    `scripts` maps each workspace package to the scripts its package.json defines. Expected
    are the packages and tasks of turbo's header (so `--filter` is honoured) that have a
    script: turbo prints nothing for a task it never started, so only a list made before the
    run can name a package whose tests never ran. Without a header (turbo did not start),
    every package of the workspace is expected.
    """
    lines = [ANSI.sub("", line) for line in log.splitlines()]
    scope, tasks = list(scripts), list(CHECKED_TASKS)
    output: dict[tuple[str, str], list[str]] = {}
    exits: dict[tuple[str, str], int] = {}
    done = False
    for line in lines:
        if m := SCOPE.match(line):
            scope = m["packages"].split(", ")
        elif m := RUNNING.match(line):
            tasks = m["tasks"].split(", ")
        elif m := TASK_EXIT.match(line):
            exits[(m["package"], m["task"])] = int(m["code"])
        elif m := TASK_LINE.match(line):
            output.setdefault((m["package"], m["task"]), []).append(m["text"])
        elif TURBO_DONE.match(line):
            done = True

    expected = {(p, t) for p in scope for t in tasks if t in CHECKED_TASKS and t in scripts.get(p, set())}
    results = []
    for key in sorted(expected | set(exits)):
        package, task = key
        text, code = output.get(key, []), exits.get(key)
        if key not in expected:
            results.append(Result(package, task, failed=1, notes=[f"{task} exited {code}"]))
        elif task == "check-types":
            results.append(type_check(package, text, code))
        else:
            results.append(runner(package, task, text, code))
    if not done:
        results.append(Result("turbo", "", failed=1, notes=["no closing 'Tasks:' line: the run stopped before its end"]))
    return results


def runner(package: str, task: str, text: list[str], code: int | None) -> Result:
    """Adds up every jest and pytest closing line in the task's output."""
    r = Result(package, task)
    summaries = 0
    suites_failed = 0
    load_failures: set[str] = set()
    suite = ""
    for line in text:
        if m := JEST_FAIL.match(line):
            suite = m["suite"]
        elif line.strip() == JEST_LOAD_FAILURE:
            load_failures.add(suite)  # a set: jest repeats failures in its closing summary
        elif m := JEST_SUITES.match(line):
            suites_failed += counts(m["counts"]).get("failed", 0)
        elif (m := JEST_TESTS.match(line)) or (m := PYTEST.match(line)):
            summaries += 1
            add(r, m["counts"])
    if load_failures:
        r.failed += len(load_failures)
        r.notes.append(f"{len(load_failures)} test file(s) failed to load")
    # Each failed suite holds at least one failure, whatever the marker lines said.
    r.failed = max(r.failed, suites_failed)
    if not summaries:
        r.failed = max(r.failed, 1)
        exited = f", exited {code}" if code is not None else ""
        r.notes.append(f"no test summary{exited}: the runner never finished, or never started")
    elif code and not r.failed:
        r.failed = 1
        r.notes.append(f"exited {code} with no failed test")
    return r


def type_check(package: str, text: list[str], code: int | None) -> Result:
    """tsc prints nothing when the types check, so a clean check is a started one that exited 0."""
    errors = sum(1 for line in text if TSC_ERROR.search(line))
    if code is not None:
        return Result(package, "check-types", failed=1, notes=[f"{errors} type error(s), exited {code}"])
    if not any(line.startswith(f"> {package}@") for line in text):  # the script's line from pnpm
        return Result(package, "check-types", failed=1, notes=["did not run"])
    return Result(package, "check-types", passed=1)


def counts(text: str) -> dict[str, int]:
    """"1 failed, 2 passed" -> {"failed": 1, "passed": 2}."""
    found = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        number, _, word = part.partition(" ")
        if number.isdigit():
            found[word] = found.get(word, 0) + int(number)
    return found


def add(r: Result, text: str) -> None:
    """Adds a runner's closing counts; the notes name every word but passed, failed and skipped."""
    for word, n in counts(text).items():
        if word in NOTE_ONLY:
            r.notes.append(f"{n} {word}")
            continue
        outcome = OUTCOME.get(word, "failed")
        setattr(r, outcome, getattr(r, outcome) + n)
        if word not in OUTCOME:
            r.notes.append(f"{n} {word}: a status this summary does not know, counted as failed")
        elif word != outcome:  # "1 error", "2 xfailed": say what was folded in
            r.notes.append(f"{n} {word}")


def closing_line(results: list[Result]) -> str:
    passed, failed, skipped = (sum(getattr(r, k) for r in results) for k in ("passed", "failed", "skipped"))
    return f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")


def table(results: list[Result]) -> str:
    rows = [["package", "task", "passed", "failed", "skipped", "notes"]]
    rows += [[r.package, r.task, str(r.passed), str(r.failed), str(r.skipped), "; ".join(r.notes)] for r in results]
    width = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        names = [row[i].ljust(width[i]) for i in (0, 1)]
        numbers = [row[i].rjust(width[i]) for i in (2, 3, 4)]
        lines.append("  ".join(names + numbers + [row[5]]).rstrip())
    return "\n".join(lines)


def workspace_scripts(root: Path) -> dict[str, set[str]]:
    """Package name -> its package.json scripts, for every package pnpm-workspace.yaml lists."""
    # Only the `packages:` list: pnpm keeps other settings (onlyBuiltDependencies...) in the file too.
    block = re.search(r"^packages:\n((?:[ \t]+.*\n?)*)", (root / "pnpm-workspace.yaml").read_text(), re.MULTILINE)
    globs = re.findall(r"^\s*-\s*[\"']?([^\"'\s#!]+)", block[1] if block else "", re.MULTILINE)
    scripts = {}
    for glob in globs:
        for manifest in sorted(root.glob(f"{glob}/package.json")):
            pkg = json.loads(manifest.read_text())
            scripts[pkg["name"]] = set(pkg.get("scripts", {}))
    return scripts


def main(argv: list[str]) -> int:
    log = Path(argv[1]).read_text(encoding="utf-8", errors="replace")
    root = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parents[2]
    results = summarize(log, workspace_scripts(root))
    print("==> test summary")
    print(table(results))
    print(closing_line(results))
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
