"""SIGTERM under load (what Knative sends before it removes a pod): every request accepted
before the signal completes; connections after it fail at once instead of hanging."""

from __future__ import annotations

import json
import threading
import time

import pytest

from harness import load
from harness.shell import must

SLOW_S = 1.5
IN_FLIGHT = 16


def test_sigterm_finishes_accepted_requests_and_refuses_new_ones(images, functions):
    # Two threads more than the slow requests, so /count still answers while they sleep.
    fn = functions.start(images("kn-fn-e2e/rel-faults"), env={"THREADS": str(IN_FLIGHT + 2), "GRACEFUL_TIMEOUT": "30"})
    background = load.start(fn.url + "count", seconds=5, connections=8)
    replies: dict[int, tuple[int, str] | BaseException] = {}

    def slow(i: int) -> None:
        try:
            reply = fn.get(f"/sleep?s={SLOW_S}", timeout=30)
            replies[i] = (reply.status, reply.text)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            replies[i] = error

    threads = [threading.Thread(target=slow, args=(i,)) for i in range(IN_FLIGHT)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while json.loads(fn.get("/count").text)["sleeping"] < IN_FLIGHT:
        assert time.monotonic() < deadline, "the slow requests never all started"
        time.sleep(0.02)

    assert background.process.poll() is None, "the background load ended before the signal"
    must(["docker", "kill", "--signal", "TERM", fn.container])
    signalled = time.monotonic()
    # New connections: refused by the engine's port (its proxy resets them) once the function
    # has closed its listening socket; what must not happen is a wait for the drain to end.
    time.sleep(0.2)
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(ConnectionError):
            fn.get("/count", timeout=5)
        assert time.monotonic() - started < 1, "a new connection hung after SIGTERM"
        time.sleep(0.1)

    for t in threads:
        t.join(timeout=30)
    assert replies == {i: (200, "slept") for i in range(IN_FLIGHT)}
    deadline = signalled + 15
    while fn.running():
        assert time.monotonic() < deadline, "the function did not exit after draining"
        time.sleep(0.1)
    assert must(["docker", "inspect", "-f", "{{.State.ExitCode}}", fn.container]).strip() == "0", fn.logs()
    assert time.monotonic() - signalled < SLOW_S + 5, "the drain took longer than the slowest request"
    assert background.wait().requests > 0
