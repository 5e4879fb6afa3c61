"""A handler that raises on every 10th call, under the load of test_load.py: exactly those
calls get 500, every other one 200, and the process never restarts."""

from __future__ import annotations

import json

from harness import load

from .support import incarnation

# wrk drops the requests in flight when it stops; in the last seconds it sends health checks
# instead, so every call the function counted has its status in wrk's tally.
DRAIN_SECONDS = 2


def test_every_tenth_call_fails_alone(images, functions, record_property):
    fn = functions.start(images("kn-fn-e2e/rel-faults"), env={"WORKERS": "1", "THREADS": "8"})
    before = incarnation(fn)
    assert len(before.workers) == 1, before

    result = load.run(fn.url + "flaky", drain_seconds=DRAIN_SECONDS)
    counted = json.loads(fn.get("/count").text)
    print(f"\n{result.summary()}; the function counted {counted}")
    record_property("load", result.summary())
    record_property("function_counted", counted)

    calls, raised = counted["calls"], counted["raised"]
    assert result.socket_errors == 0, result.summary()
    assert result.drained > 0, "no health checks in the drain tail: the counts below are not exact"
    assert set(result.statuses) <= {200, 500}, result.summary()
    assert result.total == calls, f"wrk saw {result.total} statuses for {calls} calls"
    assert raised == calls // 10
    assert result.statuses.get(500, 0) == raised, result.summary()
    assert result.statuses.get(200, 0) == calls - raised, result.summary()
    assert result.errors["status"] == raised, "wrk's own non-2xx count disagrees with the tally"
    # One log record per failure, with the exception's type, and the same worker all along.
    logs = fn.logs()
    assert logs.count('"message": "function raised PlannedFailure"') == raised
    assert incarnation(fn) == before
    assert logs.count('"message": "Spawning worker-') == 1, logs[-2000:]
