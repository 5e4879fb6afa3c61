"""WORKERS: that many granian worker processes really serve requests."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

CONNECTIONS = 16
MIN_REQUESTS = 64
DEADLINE_S = 20.0


def parent_pid(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def serving_pids(server, expected: int) -> set[int]:
    """Pids that answered, from concurrent fresh connections: at least MIN_REQUESTS, and
    on until `expected` distinct pids were seen or DEADLINE_S passed."""
    pids: set[int] = set()
    requests = 0
    deadline = time.monotonic() + DEADLINE_S
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        while time.monotonic() < deadline and (requests < MIN_REQUESTS or len(pids) < expected):
            for reply in pool.map(lambda _: server.request("GET", "/"), range(CONNECTIONS)):
                assert reply.status == 200, reply.body
                pids.add(int(reply.body))
            requests += CONNECTIONS
    return pids


@pytest.mark.parametrize(("workers", "expected"), [(None, 1), ("2", 2)], ids=["default", "WORKERS=2"])
def test_workers_setting_is_the_number_of_processes_serving(serve, workers, expected):
    server = serve("pid", env={"WORKERS": workers} if workers else {})

    pids = serving_pids(server, expected)

    assert len(pids) == expected, pids
    # Workers forked by granian's main process (the process started), not the main process itself.
    assert server.proc.pid not in pids
    assert {parent_pid(pid) for pid in pids} == {server.proc.pid}


@pytest.mark.parametrize("handler", ["frozen.handler"])
def test_what_was_imported_before_the_fork_is_frozen_for_the_collector(serve, handler):
    """The server freezes the objects made before it forks (the function's module, Flask,
    granian), so the workers' collections never write to the pages they share with the
    main process (bench/RESULTS.md: 4 MiB less Pss per worker after load)."""
    server = serve("pid", handler)
    assert server.request("GET", "/").json()["frozen"] > 10_000
