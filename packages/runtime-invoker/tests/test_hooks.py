"""Lifecycle hooks beside the handler: start, stop, ready, alive (Knative func's names).

ready/alive through the Flask test client; start/stop on the real server (granian in a
subprocess), where they run; the build's import check (`check`) for hooks it cannot call.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kn_fn_invoker import _hooks as hooks
from kn_fn_invoker import create_app
from kn_fn_invoker._settings import Settings
from kn_fn_invoker._target import InvokerError

SRC = Path(__file__).resolve().parents[1] / "src"
HANDLER = "def handler(req):\n    return 'hi'\n"


def client(tmp_path, source: str):
    (tmp_path / "handler.py").write_text(HANDLER + source)
    return create_app("handler.handler", tmp_path, Settings()).test_client()


# ---------------------------------------------------------------------------- ready, alive


@pytest.mark.parametrize("name, paths", [("ready", ["/health/ready", "/health/readiness"]),
                                         ("alive", ["/health/live", "/health/liveness"])])
@pytest.mark.parametrize("body, status, text", [
    ("return True", 200, "OK"),
    ("return False", 503, None),
    ("return None", 503, None),
    ("return (False, 'warming up')", 503, "warming up"),
    ("return (True, 'all good')", 200, "all good"),
    ("raise RuntimeError('database down')", 503, "() raised RuntimeError: database down"),
])
def test_the_hook_decides_its_health_paths(tmp_path, name, paths, body, status, text):
    c = client(tmp_path, f"\ndef {name}():\n    {body}\n")
    for path in paths:
        reply = c.get(path)
        assert reply.status_code == status, path
        expected = text or ("not ready" if name == "ready" else "not alive")
        expected = f"{name}{expected}" if expected.startswith("()") else expected
        assert reply.get_data(as_text=True) == expected
    other = [p for p in ("/health/ready", "/health/live") if p not in paths]
    assert c.get(other[0]).status_code == 200  # the other hook is absent: healthy


def test_an_async_ready_hook(tmp_path):
    c = client(tmp_path, "\nimport asyncio\n\nasync def ready():\n    await asyncio.sleep(0)\n    return False, 'async says no'\n")
    reply = c.get("/health/ready")
    assert (reply.status_code, reply.get_data(as_text=True)) == (503, "async says no")


def test_a_raising_hook_is_logged_once_per_probe(tmp_path, capsys):
    c = client(tmp_path, "\ndef alive():\n    raise ValueError('stuck')\n")
    c.get("/health/live")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines == [{"severity": "WARNING", "message": "alive() raised ValueError: stuck",
                      "handler": "handler.handler", "path": "/health/live"}]


def test_the_hook_is_asked_on_every_probe(tmp_path):
    c = client(tmp_path, "\nstate = {'ready': False}\n\ndef ready():\n    return state['ready']\n")
    assert c.get("/health/ready").status_code == 503
    sys.modules["handler"].state["ready"] = True
    assert c.get("/health/ready").status_code == 200


def test_imported_names_and_non_functions_are_not_hooks(tmp_path):
    c = client(tmp_path, "\nfrom os import getcwd as ready\nalive = False\n")
    assert c.get("/health/ready").status_code == 200
    assert c.get("/health/live").status_code == 200


# --------------------------------------------------------------------------- the signatures


@pytest.mark.parametrize("source, message", [
    ("def ready(x):\n    return True\n",
     "[Error: lifecycle hook with arguments] handler.py: ready() requires x, but the invoker calls ready() with "
     "no arguments. Give the parameters defaults, or rename the function if it is not meant as the ready hook."),
    ("def start(cfg, other):\n    pass\n",
     "[Error: lifecycle hook with arguments] handler.py: start() requires cfg, other, but the invoker calls start() "
     "with one argument, the configuration (a dict of the environment). Give the parameters defaults, or rename "
     "the function if it is not meant as the start hook."),
    ("def stop(*, now):\n    pass\n",
     "[Error: lifecycle hook with arguments] handler.py: stop() requires now, but the invoker calls stop() with "
     "no arguments. Give the parameters defaults, or rename the function if it is not meant as the stop hook."),
])
def test_a_hook_it_cannot_call_is_refused_at_import(tmp_path, source, message):
    (tmp_path / "handler.py").write_text(HANDLER + "\n" + source)
    with pytest.raises(InvokerError) as raised:
        create_app("handler.handler", tmp_path, Settings())
    assert raised.value.message == message
    check = run_check(tmp_path)
    assert check.returncode == 1 and check.stderr.strip() == message


def test_the_check_names_the_hooks(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER + "\ndef start(cfg=None):\n    pass\n\nasync def ready():\n    return True\n")
    assert run_check(tmp_path).stdout.strip() == "handler.handler: http function (parameters: req); lifecycle hooks: start, ready"
    assert json.loads(run_check(tmp_path, "--json").stdout)["hooks"] == ["start", "ready"]


def run_check(directory: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("PYTHON_HANDLER", None)
    return subprocess.run([sys.executable, "-m", "kn_fn_invoker", "check", "--dir", str(directory), *flags],
                          capture_output=True, text=True, env=env, timeout=60)


def test_start_gets_the_environment_when_it_takes_an_argument(tmp_path, monkeypatch):
    (tmp_path / "handler.py").write_text(HANDLER + "\nseen = []\n\nasync def start(cfg):\n    seen.append(cfg['KN_FN_TEST'])\n")
    monkeypatch.setenv("KN_FN_TEST", "from the environment")
    app = create_app("handler.handler", tmp_path, Settings())
    hooks.run_start(app.config["KN_FN_HOOKS"])
    assert sys.modules["handler"].seen == ["from the environment"]


def test_a_failing_start_or_stop_is_reported_with_its_message(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER + "\ndef start():\n    raise ValueError('no config')\n\ndef stop():\n    raise OSError()\n")
    found = create_app("handler.handler", tmp_path, Settings()).config["KN_FN_HOOKS"]
    with pytest.raises(InvokerError) as raised:
        hooks.run_start(found)
    assert raised.value.message == "start() raised ValueError: no config"
    assert hooks.run_stop(found) == "stop() raised OSError"


# ----------------------------------------------------------- start and stop on the real server


LOGGING_HOOKS = r"""
import os, sys

# One write per line: the two workers share the pipe, and print() writes the newline apart.
def start():
    os.write(2, f"start in {os.getpid()}\n".encode())

def stop():
    os.write(2, f"stop in {os.getpid()}\n".encode())

def handler(req):
    return f"served by {os.getpid()}"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(directory: Path, **env: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "HOST": "127.0.0.1", "PORT": str(port), **env}
    full_env.pop("PYTHON_HANDLER", None)
    process = subprocess.Popen([sys.executable, "-m", "kn_fn_invoker", "--dir", str(directory)], env=full_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, port


def get(port: int, path: str = "/") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if get(port, "/health/ready")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("not ready in 30 s")


def test_start_runs_once_in_each_worker_before_it_serves_and_stop_after_the_drain(tmp_path):
    (tmp_path / "handler.py").write_text(LOGGING_HOOKS)
    process, port = serve(tmp_path, WORKERS="2")
    try:
        wait_ready(process, port)
        served = {get(port)[1] for _ in range(20)}
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
    started = [int(line.split()[-1]) for line in output.splitlines() if line.startswith("start in ")]
    stopped = [int(line.split()[-1]) for line in output.splitlines() if line.startswith("stop in ")]
    assert len(started) == 2 and len(set(started)) == 2, output
    assert sorted(stopped) == sorted(started), output
    assert {int(s.split()[-1]) for s in served} <= set(started)


def test_a_failing_start_stops_start_up_with_its_message(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER + "\ndef start():\n    raise RuntimeError('cannot reach the database')\n"
                                         "\ndef stop():\n    print('STOP', flush=True)\n")
    process, _ = serve(tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert '{"severity": "ERROR", "message": "start() raised RuntimeError: cannot reach the database"}' in output
    assert "Traceback" not in output
    assert '"message": "Unexpected exit from worker-1"' in output
    assert "STOP" not in output  # stop() is for a worker that started


def test_the_server_serves_an_app_without_hooks(tmp_path):
    """serve() of a plain Flask app (the bench's baseline): no hooks, nothing to call."""
    port = free_port()
    program = (
        "from flask import Flask\n"
        "from kn_fn_invoker._server import serve\n"
        "from kn_fn_invoker._settings import Settings\n"
        "app = Flask('plain')\n"
        "app.add_url_rule('/', 'index', lambda: 'plain')\n"
        f"serve(app, Settings(host='127.0.0.1', port={port}))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", program], env={**os.environ, "PYTHONPATH": str(SRC)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                assert get(port) == (200, "plain")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
