"""`python -m kn_fn_invoker check`: the entry point the buildpack calls at build time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import FUNCTIONS

SRC = Path(__file__).resolve().parents[1] / "src"


def run_check(*args: str, env: dict | None = None, block_flask: bool = False) -> subprocess.CompletedProcess:
    # With block_flask, importing flask, granian or cloudevents fails: proof that --static
    # runs on a bare interpreter, before the build has installed any dependency.
    prelude = "import sys\n"
    if block_flask:
        prelude += "for name in ('flask', 'granian', 'cloudevents', 'werkzeug'):\n    sys.modules[name] = None\n"
    prelude += "from kn_fn_invoker._cli import main\nsys.exit(main(sys.argv[1:]))\n"
    full_env = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    for name in ("PYTHON_HANDLER", "BP_FUNCTION"):
        if env is None or name not in env:
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-c", prelude, "check", *args], capture_output=True, text=True, env=full_env, timeout=60)


@pytest.mark.parametrize("static", [True, False])
def test_prints_the_mode_and_exits_0(static):
    flags = ["--static"] if static else []
    result = run_check("--dir", str(FUNCTIONS / "cloudevents"), *flags, block_flask=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "handler.handler: cloudevent function (parameters: data, attributes)\n"


def test_json_output_for_the_buildpack():
    result = run_check("--dir", str(FUNCTIONS / "custom_module"), "--handler", "main.DoEvent", "--static", "--json", block_flask=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ok": True,
        "handler": "main.DoEvent",
        "mode": "cloudevent",
        "parameters": ["data", "attributes"],
        "async": False,
        "app": None,
        "hooks": [],
    }


def test_static_check_needs_no_dependencies_and_does_not_run_user_code():
    # env_at_import reads a variable at import; the static check must not import it.
    result = run_check("--dir", str(FUNCTIONS / "env_at_import"), "--static", block_flask=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "handler.handler: http function (parameters: req)\n"


def test_import_check_reports_the_import_error():
    result = run_check("--dir", str(FUNCTIONS / "import_error"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("[Error: handler module failed to import] Importing the module of handler.handler raised ModuleNotFoundError")


def test_handler_comes_from_the_environment():
    result = run_check("--dir", str(FUNCTIONS / "custom_module"), "--static", env={"PYTHON_HANDLER": "main.DoEvent"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("main.DoEvent: cloudevent function")
    alias = run_check("--dir", str(FUNCTIONS / "custom_module"), "--static", env={"BP_FUNCTION": "main.DoEvent"})
    assert alias.stdout == result.stdout


def test_conflicting_settings_fail():
    result = run_check("--dir", str(FUNCTIONS / "custom_module"), "--static", env={"PYTHON_HANDLER": "main.DoEvent", "BP_FUNCTION": "main.helper"})
    assert result.returncode == 1
    assert result.stderr.startswith("[Error: conflicting handler settings]")


def test_deferred_signature_is_reported_as_such():
    result = run_check("--dir", str(FUNCTIONS / "deferred"), "--static", "--json", block_flask=True)
    assert json.loads(result.stdout) == {"ok": True, "handler": "handler.handler", "mode": None, "parameters": [], "async": False, "app": None, "hooks": []}
    text = run_check("--dir", str(FUNCTIONS / "deferred"), "--static")
    assert text.stdout == (
        "handler.handler: not a plain def in its module (assigned, imported or a class); "
        "its signature is checked when the module is imported\n"
    )


@pytest.mark.parametrize(
    ("scenario", "handler", "kind"),
    [
        ("signatures", "handler.unknown", "unknown-parameters"),
        ("signatures", "handler.mixed", "mixed-parameters"),
        ("custom_module", "main.nope", "function-not-found"),
        ("custom_module", "../a.b", "handler-format"),
        ("custom_module", "x", "handler-format"),
        ("http", "missing.handler", "module-not-found"),
        ("syntax_error", "handler.handler", "syntax-error"),
    ],
)
def test_every_error_exits_1_with_its_kind(scenario, handler, kind):
    result = run_check("--dir", str(FUNCTIONS / scenario), "--handler", handler, "--static", "--json", block_flask=True)
    assert result.returncode == 1
    outcome = json.loads(result.stdout)
    assert outcome["ok"] is False
    assert outcome["kind"] == kind
    assert outcome["message"].startswith("[Error: ")


def test_serve_refuses_a_broken_function_before_listening():
    env = {**os.environ, "PYTHONPATH": str(SRC), "PORT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "kn_fn_invoker", "--dir", str(FUNCTIONS / "signatures"), "--handler", "handler.mixed"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("[Error: mixed HTTP and CloudEvent parameters] handler.mixed takes")
    assert "Listening at" not in result.stderr


SETTINGS = ("PORT", "HOST", "WORKERS", "THREADS", "TIMEOUT", "GRACEFUL_TIMEOUT", "MAX_BODY_BYTES", "CE_REPLY_SOURCE", "CE_REPLY_TYPE")


@pytest.mark.parametrize(
    ("setting", "args", "expected"),
    [
        ({"THREADS": "many"}, [], "THREADS='many': expected a whole number from 1 to 4096"),
        # Accepted before: every request would have timed out at once.
        ({"TIMEOUT": "nan"}, [], "TIMEOUT='nan': expected a number of seconds from 0 (no limit) to "),
        # Crashed start-up before, with an OverflowError traceback.
        ({"GRACEFUL_TIMEOUT": "inf"}, [], "GRACEFUL_TIMEOUT='inf': expected a number of seconds from 0 to "),
        ({"PORT": "99999"}, [], "PORT='99999': expected a port number from 1 to 65535"),
        ({}, ["--port", "99999"], "--port='99999': expected a port number from 1 to 65535"),
        ({"WORKERS": "0"}, [], "WORKERS='0': expected a whole number from 1 to 1024"),
        ({"MAX_BODY_BYTES": "-1"}, [], "MAX_BODY_BYTES='-1': expected a number of bytes from 1 to "),
        ({"CE_REPLY_SOURCE": "/my fn"}, [], "CE_REPLY_SOURCE='/my fn': expected a CloudEvents source"),
        ({"CE_REPLY_TYPE": " "}, [], "CE_REPLY_TYPE=' ': expected a CloudEvents type"),
    ],
    ids=lambda value: str(value),
)
def test_serve_refuses_a_bad_setting_with_one_line(setting, args, expected):
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update(PYTHONPATH=str(SRC), **setting)
    result = subprocess.run(
        [sys.executable, "-m", "kn_fn_invoker", "--dir", str(FUNCTIONS / "http"), *args],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"[Error: invalid setting] {expected}")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith(".\n")
    assert "Traceback" not in result.stderr and result.stdout == ""
