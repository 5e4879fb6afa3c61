"""HTTP functions on the real server (granian): health, errors, body limit, deadline, SIGTERM;
sync (WSGI) and async (ASGI) alike."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

HEALTH_PATHS = ("/health/live", "/health/ready", "/health/liveness", "/health/readiness")


@pytest.fixture(params=["handler.handler", "asynchronous.handler"], ids=["sync", "async"])
def handler(request) -> str:
    """Each contract test runs on both server paths: a sync function (granian's WSGI
    interface, a thread per request) and the same function as `async def` (its ASGI
    interface, on the worker's event loop)."""
    return request.param


def _logged_since(server, offset: int) -> list[str]:
    """stderr lines written since `offset`, less granian's start-up notice of a worker.

    A worker announces that it started after it bound its socket, which can come after
    /health/ready first answers; every other line is the test's doing.
    """
    return [line for line in server.stderr_since(offset).splitlines() if '"message": "Started worker-' not in line]


def _wait_for(predicate, deadline_s: float, what: str, interval_s: float = 0.02):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        threading.Event().wait(interval_s)  # poll interval, bounded by the deadline
    pytest.fail(f"timed out after {deadline_s} s waiting for {what}")


def test_health_endpoints_answer_200_and_log_nothing(serve, handler):
    server = serve("http_errors", handler)
    before = server.stderr_offset()
    for path in HEALTH_PATHS:
        for method in ("GET", "HEAD"):
            reply = server.request(method, path)
            assert reply.status == 200, (method, path, reply.body)
    assert server.request("GET", "/health/ready").body == b"OK"
    assert _logged_since(server, before) == []
    # ...and they are the invoker's, not the function's (which answers JSON on every path).
    assert server.request("GET", "/health/other").json()["path"] == "/health/other"


def test_function_error_is_a_500_with_one_json_log_line_and_no_request_content(serve, handler):
    server = serve("http_errors", handler)
    secret = f"S3CRET-{uuid.uuid4().hex}"
    before = server.stderr_offset()
    reply = server.request(
        "POST",
        "/boom",
        body=json.dumps({"card": secret, "name": "Ada"}),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}", "X-Api-Key": secret},
    )

    assert reply.status == 500
    assert reply.headers["content-type"].startswith("application/json")
    assert set(reply.json()) == {"error"}
    assert "ValueError" in reply.json()["error"]
    assert secret not in reply.body.decode()

    lines = _logged_since(server, before)
    logged = "\n".join(lines)
    assert len(lines) == 1, logged
    entry = json.loads(lines[0])
    assert entry["severity"] == "ERROR"
    assert "ValueError" in entry["message"]
    assert "ValueError: order rejected (2 fields)" in entry["traceback"]
    assert secret not in logged
    assert secret not in server.stderr()

    # The process survives and keeps serving.
    after = server.request("POST", "/still-there", body="abc")
    assert after.status == 200
    assert after.json() == {"ok": True, "path": "/still-there", "length": 3}
    assert server.proc.poll() is None


def test_body_over_max_body_bytes_is_413(serve, handler):
    server = serve("http_errors", handler, env={"MAX_BODY_BYTES": "1024"})

    assert server.request("POST", "/", body=b"x" * 1024).json() == {"ok": True, "path": "/", "length": 1024}

    too_big = server.request("POST", "/", body=b"x" * 1025)
    assert too_big.status == 413
    assert too_big.headers["content-type"].startswith("application/json")
    assert "1024" in too_big.json()["error"]

    # Without Content-Length (chunked) the limit holds too, when the body is read.
    chunked = server.request("POST", "/", body=b"y" * 5000, chunked=True)
    assert chunked.status == 413, chunked.body
    assert "1024" in chunked.json()["error"]

    assert server.request("GET", "/small").status == 200


def test_timeout_gives_504_and_the_server_keeps_serving(serve, handler, tmp_path: Path):
    marker = tmp_path / "entered"
    server = serve("slow", handler, env={"TIMEOUT": "1", "KN_FN_TEST_MARKER": str(marker)})
    before = server.stderr_offset()

    started = time.monotonic()
    reply = server.request("POST", "/slow?sleep=3", body="late")
    elapsed = time.monotonic() - started

    assert reply.status == 504
    assert reply.headers["content-type"].startswith("application/json")
    assert "TIMEOUT" in reply.json()["error"]
    assert 0.9 <= elapsed < 2.5, elapsed
    assert "late" not in reply.body.decode()
    assert [json.loads(line)["message"] for line in _logged_since(server, before)] == ["function timed out"]

    fast = server.request("POST", "/fast?sleep=0", body="quick")
    assert fast.status == 200
    assert fast.body == b"slept:quick"
    assert marker.read_text().splitlines() == ["/slow", "/fast"]


def _connect_refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True


def _start_in_flight(server, path: str, body: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def send() -> None:
        started = time.monotonic()
        try:
            outcome["reply"] = server.request("POST", path, body=body, timeout=15)
        except OSError as error:
            outcome["error"] = error
        outcome["elapsed"] = time.monotonic() - started

    client = threading.Thread(target=send, daemon=True)
    client.start()
    return client, outcome


def _exit_code(server, within_s: float) -> int:
    try:
        return server.proc.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server did not exit within {within_s} s of SIGTERM; stderr:\n{server.stderr()}")


def test_sigterm_drains_the_request_in_flight_then_exits_0(serve, handler, tmp_path: Path):
    marker = tmp_path / "entered"
    server = serve("slow", handler, env={"KN_FN_TEST_MARKER": str(marker)})  # GRACEFUL_TIMEOUT: default 30
    client, outcome = _start_in_flight(server, "/drain?sleep=2", "drain-me")
    _wait_for(marker.exists, 10, "the function to start")
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)

    client.join(15)
    assert not client.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["reply"].status == 200
    assert outcome["reply"].body == b"slept:drain-me"

    assert _exit_code(server, 10) == 0, server.stderr()
    assert time.monotonic() - signalled < 8
    assert _connect_refused(server.port)


def test_sigterm_refuses_new_connections_while_draining(serve, handler, tmp_path: Path):
    """After SIGTERM a new connection must be refused at once, not parked until the drain ends:
    a connection accepted but never served ends in ECONNRESET, and a client cannot tell
    whether it is safe to retry."""
    marker = tmp_path / "entered"
    server = serve("slow", handler, env={"KN_FN_TEST_MARKER": str(marker)})
    client, outcome = _start_in_flight(server, "/drain?sleep=2", "drain-me")
    _wait_for(marker.exists, 10, "the function to start")
    server.proc.send_signal(signal.SIGTERM)

    # The master handles the signal within a moment; from then on, connects are refused.
    refused = False
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and client.is_alive():
        if _connect_refused(server.port):
            refused = True
            break
        threading.Event().wait(0.05)
    in_flight_still_running = client.is_alive()

    client.join(15)
    assert outcome.get("reply") is not None and outcome["reply"].status == 200, outcome
    assert _exit_code(server, 10) == 0
    assert in_flight_still_running, "the slow request finished before the check; make it slower"
    assert refused, "a new TCP connection was still accepted 1 s after SIGTERM, while the server was draining"


def test_graceful_timeout_setting_bounds_the_drain(serve, handler, tmp_path: Path):
    """GRACEFUL_TIMEOUT=1: a request still running 1 s after SIGTERM is cut and the server exits 0."""
    marker = tmp_path / "entered"
    server = serve("slow", handler, env={"KN_FN_TEST_MARKER": str(marker), "GRACEFUL_TIMEOUT": "1"})
    client, outcome = _start_in_flight(server, "/cut?sleep=6", "too-slow")
    _wait_for(marker.exists, 10, "the function to start")
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)

    assert _exit_code(server, 5) == 0, server.stderr()
    assert time.monotonic() - signalled < 3.5
    client.join(5)
    assert not client.is_alive()
    assert "reply" not in outcome or outcome["reply"].status != 200, outcome
