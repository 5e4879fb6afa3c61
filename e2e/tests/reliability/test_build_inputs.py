"""Odd PYTHON_HANDLER values and broken project.toml files through the real `pack build`:
pack, the lifecycle or the buildpack stops the build with a clear message, never a stack trace.

(The buildpack's own property-based fuzzing is packages/buildpack/test/unit/fuzz.test.ts.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import pack

# One name for every failing build: pack keeps one cache volume per image name.
IMAGE = "kn-fn-e2e/rel-bad-input"
HANDLER_PY = "def handler(req):\n    return 'hi'\n"
FORM = ("is not of the form module.function or package.module.function: the last dot splits, and each part must be "
        "a Python identifier that is not a keyword (no paths, spaces, file extensions or empty parts). "
        "Examples: main.handle, pkg.sub.mod.handle.")
STACK_TRACES = [
    re.compile(r"^\s+at \S", re.M),  # a JavaScript stack frame
    re.compile(r"^goroutine \d+ \[", re.M),  # a Go panic's stacks
    re.compile(r"^panic: ", re.M),
    re.compile(r"Traceback \(most recent call last\)"),  # Python
]


def build(tmp_path: Path, project_toml: str | None = None, env: dict[str, str] | None = None) -> pack.Build:
    (tmp_path / "handler.py").write_text(HANDLER_PY, encoding="utf-8")
    if project_toml is not None:
        (tmp_path / "project.toml").write_text(project_toml, encoding="utf-8")
    return pack.build(IMAGE, tmp_path, env=env)


def assert_clean_failure(b: pack.Build, *expected: str) -> None:
    assert b.code != 0, b.log
    for text in expected:
        assert text in b.log, b.log
    for trace in STACK_TRACES:
        assert not trace.search(b.log), b.log
    assert "[Error: internal]" not in b.log, b.log


ODD_HANDLERS = {
    "x": f"[Error: malformed handler] PYTHON_HANDLER=x {FORM}",
    ".x": f"[Error: malformed handler] PYTHON_HANDLER=.x {FORM}",
    "../a.b": f"[Error: malformed handler] PYTHON_HANDLER=../a.b {FORM}",
    # A value with spaces, control characters or nothing at all is shown JSON-quoted.
    "a b.c": f'[Error: malformed handler] PYTHON_HANDLER="a b.c" {FORM}',
    "": f'[Error: malformed handler] PYTHON_HANDLER="" {FORM}',
    "class.fn": f"[Error: malformed handler] PYTHON_HANDLER=class.fn {FORM}",
    # Unicode identifiers are Python names (spec/handler-names.json): this one's module is missing.
    "hándler.handler": "[Error: handler module not found] PYTHON_HANDLER=hándler.handler needs hándler.py or hándler/__init__.py in the app directory, and there is none.",
    "handler.handler;id": f"[Error: malformed handler] PYTHON_HANDLER=handler.handler;id {FORM}",
    "a.b\nc.d": f'[Error: malformed handler] PYTHON_HANDLER="a.b\\nc.d" {FORM}',
    "main.DoEvent": "[Error: handler module not found] PYTHON_HANDLER=main.DoEvent needs main.py or main/__init__.py in the app directory, and there is none.",
    "handler.nope": "[Error: handler function not found] handler.py has no function 'nope' (PYTHON_HANDLER=handler.nope). Functions in handler.py: handler.",
}


@pytest.mark.parametrize("value", list(ODD_HANDLERS), ids=[repr(v) for v in ODD_HANDLERS])
def test_odd_handler_setting(tmp_path, value):
    b = build(tmp_path, env={"PYTHON_HANDLER": value})
    assert_clean_failure(b, ODD_HANDLERS[value], "ERROR: failed to build: executing lifecycle: failed with status code: 51")


BROKEN_PROJECT_TOML = {
    # pack reads project.toml before anything runs, and names the line.
    "invalid TOML": (
        '[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]\nname = "PYTHON_HANDLER"\n',
        ["ERROR: parsing schema version: toml: line 4", "expected end of table array name delimiter ']'"],
    ),
    "value of the wrong type": (
        '[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]]\nname = "PYTHON_HANDLER"\nvalue = 42\n',
        ['ERROR: toml: line 5 (last key "io.buildpacks.build.env.value"): incompatible types: TOML value has type int64; destination has type string'],
    ),
    "env as a string, not an array of tables": (
        '[_]\nschema-version = "0.2"\n[io.buildpacks.build]\nenv = "PYTHON_HANDLER=handler.handler"\n',
        ['ERROR: toml: line 4 (last key "io.buildpacks.build.env"): incompatible types: TOML value has type string; destination has type slice'],
    ),
    "unknown schema version": (
        '[_]\nschema-version = "9.9"\n[[io.buildpacks.build.env]]\nname = "PYTHON_HANDLER"\nvalue = "handler.handler"\n',
        ["ERROR: unknown project descriptor schema version 9.9"],
    ),
    # Valid for pack: the value reaches the buildpack, which explains it.
    "schema 0.1 with a malformed handler": (
        '[[build.env]]\nname = "PYTHON_HANDLER"\nvalue = "handler"\n',
        [f"[Error: malformed handler] PYTHON_HANDLER=handler {FORM}"],
    ),
    # A NUL cannot be in an environment variable: the lifecycle cannot start detect at all.
    "NUL in the value": (
        '[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]]\nname = "PYTHON_HANDLER"\nvalue = "a\\u0000b.c"\n',
        ["exec: environment variable contains NUL", "ERROR: No buildpack groups passed detection."],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_PROJECT_TOML))
def test_broken_project_toml(tmp_path, case):
    content, expected = BROKEN_PROJECT_TOML[case]
    assert_clean_failure(build(tmp_path, project_toml=content), *expected)
