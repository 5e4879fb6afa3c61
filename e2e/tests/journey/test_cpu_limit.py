"""WORKERS and THREADS follow the container's CPU limit (`docker run --cpus`), not the host's
core count; the start-up log says what was chosen and why, and WORKERS set by the user wins."""

from __future__ import annotations

import json
import os
import time

import pytest

from harness import load, pack
from harness.shell import REPO_ROOT

HOST_CPUS = len(os.sched_getaffinity(0))


@pytest.fixture(scope="module")
def image() -> str:
    return pack.must_build("kn-fn-e2e/cpu-limit-http", REPO_ROOT / "templates" / "python" / "http").image


def booted_workers(fn, expected: int) -> int:
    """The worker processes, once `expected` of them are up (or 15 s passed): the first one
    answers while the others, slow under a small CPU limit, may still be forking."""
    deadline = time.monotonic() + 15
    while len(pids := load.worker_pids(fn.container)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # and no more come
    return len(load.worker_pids(fn.container)) if len(pids) >= expected else len(pids)


def start_up_line(logs: str) -> dict:
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{") and '"workers"' in line]
    assert len(lines) == 1, logs
    return lines[0]


@pytest.mark.parametrize("cpus, workers, threads", [("0.5", 1, 4), ("1", 1, 8), (str(HOST_CPUS), HOST_CPUS, 8)],
                         ids=["half-a-cpu", "one-cpu", "all-cpus"])
def test_the_cpu_limit_sets_the_defaults(functions, image, cpus, workers, threads):
    fn = functions.start(image, docker_args=("--cpus", cpus))
    line = start_up_line(fn.logs())
    assert (line["workers"], line["threads"], line["cpu_limit"]) == (workers, threads, float(cpus))
    assert line["message"].startswith(
        f"WORKERS={workers} THREADS={threads}: WORKERS from the CPU limit, THREADS from the CPU limit; "
        f"CPU limit: {float(cpus):g} CPUs (cgroup "), line
    assert booted_workers(fn, workers) == workers
    assert fn.get("/?name=cpu").text == "Hello, cpu!"


def test_no_limit_keeps_one_worker_and_says_how_to_use_more(functions, image):
    fn = functions.start(image)
    line = start_up_line(fn.logs())
    assert (line["workers"], line["threads"], line["cpu_limit"]) == (1, 8, None)
    assert line["message"].endswith("; set WORKERS to use more CPUs"), line
    assert booted_workers(fn, 1) == 1


def test_workers_set_by_the_user_win(functions, image):
    fn = functions.start(image, env={"WORKERS": "3"}, docker_args=("--cpus", "0.5"))
    line = start_up_line(fn.logs())
    assert (line["workers"], line["threads"]) == (3, 4)
    assert "WORKERS set in the environment, THREADS from the CPU limit" in line["message"]
    assert booted_workers(fn, 3) == 3
