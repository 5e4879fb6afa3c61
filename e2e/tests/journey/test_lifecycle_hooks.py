"""Lifecycle hooks in a built image (fixtures/lifecycle-hooks: all four, start async), direct
and behind Knative's queue-proxy: the build names them, start runs in each worker before it
serves, ready and alive decide the health paths (and so queue-proxy's readiness), stop runs
after the drain and the process exits 0."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness import knative, pack
from harness.container import Function
from harness.shell import must

FIXTURE = Path(__file__).parent / "fixtures" / "lifecycle-hooks"


@pytest.fixture(scope="module")
def image() -> str:
    build = pack.must_build("kn-fn-e2e/lifecycle-hooks", FIXTURE)
    assert "Lifecycle hooks: start, stop, ready, alive (see the invoker README)" in build.log, build.log
    return build.image


def stopped(fn: Function) -> str:
    """`docker stop` (SIGTERM, 30 s grace): the logs, once it exited 0."""
    must(["docker", "stop", "--time", "30", fn.container])
    assert must(["docker", "inspect", "-f", "{{.State.ExitCode}}", fn.container]).strip() == "0", fn.logs()
    return fn.logs()


@pytest.mark.parametrize("functions", knative.THROUGH, indirect=True)
def test_start_ready_alive_and_stop(functions, image):
    fn = functions.start(image, env={"MODEL_NAME": "m-42", "WORKERS": "2"})
    assert fn.get("/").text == "m-42 answers"
    direct = fn.direct if isinstance(fn, knative.Pod) else fn
    ready = direct.get("/health/ready")
    assert (ready.status, ready.text) == (200, "ready with m-42")
    starts = lines_starting(fn, "start: loaded m-42 in worker ", 2)  # the second worker may boot later
    assert len(starts) == 2 and len(set(starts)) == 2, fn.logs()

    # alive() answers per worker: make every worker sick, one POST each (WORKERS=2 processes
    # share the port; keep going until /health/live is 503 twice in a row).
    deadline = time.monotonic() + 20
    while not all(direct.get("/health/live").status == 503 for _ in range(6)):
        assert time.monotonic() < deadline, fn.logs()
        direct.post("/sick")
    assert direct.get("/health/live").text == "sick on request"

    logs = shut_down(fn)
    stops = [line for line in logs.splitlines() if line.startswith("stop: worker ")]
    assert len(stops) == 2, logs


def shut_down(fn) -> str:
    """SIGTERM to a container, or a Knative pod's shutdown (queue-proxy and function): the
    logs, once every process exited 0."""
    if isinstance(fn, knative.Pod):
        result = fn.shutdown(grace_s=30)
        assert (result.queue_exit, result.function_exit) == (0, 0), fn.logs()
        return fn.logs()
    return stopped(fn)


def lines_starting(fn: Function, prefix: str, count: int) -> list[str]:
    """The log lines starting with prefix, once there are `count` of them (or 15 s passed)."""
    deadline = time.monotonic() + 15
    while True:
        found = [line for line in fn.logs().splitlines() if line.startswith(prefix)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_queue_proxy_waits_for_ready(functions, image):
    """ready() says "warming up" for WARM_UP_S after start: queue-proxy's probe (the
    templates' httpGet /health/ready) fails until it says yes."""
    pod = functions.pod(image, env={"WARM_UP_S": "3"}, wait_ready=False)
    seen = set()
    while pod.probe() != 200:
        assert time.monotonic() - pod.started_at < knative.READY_DEADLINE_S, pod.logs()
        try:
            reply = pod.direct.get("/health/ready", timeout=1)
            seen.add((reply.status, reply.text))
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    assert time.monotonic() - pod.started_at >= 3
    assert (503, "warming up") in seen, seen
    assert pod.get("/").text == "default-model answers"
