"""The summary read from real turbo logs: fixtures/generate.sh ran turbo, jest, tsc and pytest
in a scratch workspace with one package per shape of output (fixtures/workspace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_summary import Result, closing_line, main, summarize, workspace_scripts

FIXTURES = Path(__file__).parent / "fixtures"
WORKSPACE = FIXTURES / "workspace"
# What our CI reader accepts as the closing line.
CLOSING = re.compile(r"^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$")


def log(name: str) -> str:
    return (FIXTURES / f"{name}.log").read_text()


def rows(results: list[Result]) -> list[tuple[str, str, int, int, int]]:
    return [(r.package.removeprefix("@shape/"), r.task, r.passed, r.failed, r.skipped) for r in results]


def notes(results: list[Result], package: str, task: str = "test") -> list[str]:
    return next(r.notes for r in results if (r.package, r.task) == (f"@shape/{package}", task))


@pytest.fixture(scope="module")
def scripts() -> dict[str, set[str]]:
    return workspace_scripts(WORKSPACE)


def test_workspace_scripts_reads_every_package_of_pnpm_workspace(scripts):
    assert scripts["@shape/jest-skipped"] == {"test", "check-types"}
    assert scripts["@shape/no-tests"] == {"build"}
    assert len(scripts) == 11


def test_workspace_scripts_reads_only_the_packages_list(tmp_path):
    (tmp_path / "pnpm-workspace.yaml").write_text('packages:\n  - "packages/*"\n  - "!packages/old"\nonlyBuiltDependencies:\n  - esbuild\n')
    for name in ("a", "old"):
        (tmp_path / "packages" / name).mkdir(parents=True)
        (tmp_path / "packages" / name / "package.json").write_text(f'{{"name": "{name}", "scripts": {{"test": "true"}}}}')
    (tmp_path / "esbuild").mkdir()
    (tmp_path / "esbuild" / "package.json").write_text('{"name": "esbuild"}')
    # A negated glob only narrows pnpm's list: read here as a wider one, never a narrower.
    assert workspace_scripts(tmp_path) == {"a": {"test"}, "old": {"test"}}


def test_with_continue_every_failure_counts(scripts):
    results = summarize(log("turbo-continue"), scripts)
    assert rows(results) == [
        ("build-broken", "build", 0, 1, 0),
        ("jest-load-failure", "test", 3, 2, 0),
        ("jest-many-suites", "test", 21, 2, 0),
        ("jest-no-tests", "test", 0, 1, 0),
        ("jest-skipped", "check-types", 1, 0, 0),
        ("jest-skipped", "test", 1, 0, 2),
        ("no-summary", "test", 0, 1, 0),
        ("pytest-collection-error", "test", 0, 1, 0),
        ("pytest-mixed", "test", 3, 3, 2),
        ("pytest-ok", "test", 2, 0, 0),
        ("types-broken", "check-types", 0, 1, 0),
        ("types-broken", "test", 1, 0, 0),
    ]
    assert closing_line(results) == "tests: 32 passed, 12 failed, 4 skipped"


def test_a_jest_file_that_fails_to_load_counts_once_though_jest_repeats_it(scripts):
    # jest-many-suites has 23 files, so jest prints every failure twice.
    results = summarize(log("turbo-continue"), scripts)
    assert notes(results, "jest-load-failure") == ["1 test file(s) failed to load"]
    assert notes(results, "jest-many-suites") == ["1 test file(s) failed to load"]


def test_pytest_errors_and_unknown_status_words_count_as_failed(scripts):
    results = summarize(log("turbo-continue"), scripts)
    # "1 failed, 2 passed, 1 skipped, 1 deselected, 1 xfailed, 1 xpassed, 1 warning, 1 error, 1 flaky"
    assert notes(results, "pytest-mixed") == [
        "1 deselected",
        "1 xfailed",
        "1 xpassed",
        "1 warning",
        "1 error",
        "1 flaky: a status this summary does not know, counted as failed",
    ]
    assert notes(results, "pytest-collection-error") == ["1 error"]


def test_a_runner_that_printed_no_summary_is_named(scripts):
    results = summarize(log("turbo-continue"), scripts)
    assert notes(results, "no-summary") == ["no test summary, exited 2: the runner never finished, or never started"]
    assert notes(results, "jest-no-tests") == ["no test summary, exited 1: the runner never finished, or never started"]


def test_type_errors_and_failed_dependency_builds_count(scripts):
    results = summarize(log("turbo-continue"), scripts)
    assert notes(results, "types-broken", "check-types") == ["2 type error(s), exited 2"]
    assert notes(results, "build-broken", "build") == ["build exited 2"]


def test_when_turbo_stops_at_the_first_failure_every_task_that_never_ran_is_named(scripts):
    results = summarize(log("turbo-stops"), scripts)
    assert rows(results) == [("build-broken", "build", 0, 1, 0), ("jest-load-failure", "test", 0, 1, 0), ("jest-many-suites", "test", 0, 1, 0)]
    assert notes(results, "jest-load-failure") == ["no test summary: the runner never finished, or never started"]
    assert closing_line(results) == "tests: 0 passed, 3 failed"


def test_a_filtered_green_run_expects_only_the_filtered_packages(scripts):
    results = summarize(log("turbo-green"), scripts)
    assert rows(results) == [("jest-skipped", "check-types", 1, 0, 0), ("jest-skipped", "test", 1, 0, 2), ("pytest-ok", "test", 2, 0, 0)]
    assert closing_line(results) == "tests: 4 passed, 0 failed, 2 skipped"


def test_a_log_cut_short_fails_the_run(scripts):
    text = log("turbo-green")
    results = summarize(text[: text.index(" Tasks:")], scripts)
    assert rows(results)[-1] == ("turbo", "", 0, 1, 0)
    assert results[-1].notes == ["no closing 'Tasks:' line: the run stopped before its end"]


def test_an_empty_log_fails_every_package_with_tests(scripts):
    results = summarize("", scripts)
    assert len([r for r in results if r.task == "test"]) == 9
    assert [r.notes for r in results if r.task == "check-types"] == [["did not run"], ["did not run"]]
    assert all(r.failed == 1 and r.passed == 0 for r in results)


def test_the_closing_line_names_skips_only_when_there_are_some():
    assert closing_line([Result("a", "test", passed=3)]) == "tests: 3 passed, 0 failed"
    assert closing_line([Result("a", "test", passed=3), Result("b", "test", failed=1, skipped=2)]) == "tests: 3 passed, 1 failed, 2 skipped"


@pytest.mark.parametrize(("name", "status"), [("turbo-continue", 1), ("turbo-stops", 1), ("turbo-green", 0)])
def test_main_prints_the_table_then_the_closing_line_and_exits_1_on_any_failure(capsys, name, status):
    assert main(["test_summary.py", str(FIXTURES / f"{name}.log"), str(WORKSPACE)]) == status
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "==> test summary"
    assert out[1].split() == ["package", "task", "passed", "failed", "skipped", "notes"]
    assert CLOSING.match(out[-1]), out[-1]
