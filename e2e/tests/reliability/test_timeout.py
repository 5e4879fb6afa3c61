"""A function that runs past TIMEOUT: its request fails cleanly with 504 (the invoker's
contract), and the next request is served by the same process."""

from __future__ import annotations

import time

from .support import incarnation

TIMEOUT_S = 1


def test_past_timeout_is_504_and_the_next_request_succeeds(images, functions):
    fn = functions.start(images("kn-fn-e2e/rel-faults"), env={"TIMEOUT": str(TIMEOUT_S)})
    before = incarnation(fn)

    started = time.monotonic()
    late = fn.get("/sleep?s=4", timeout=30)
    elapsed = time.monotonic() - started
    assert late.status == 504, late.text
    assert late.headers["content-type"] == "application/json"
    assert "error" in late.json()
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 1.5, f"504 after {elapsed:.2f}s"

    quick = fn.get("/sleep?s=0", timeout=30)
    assert (quick.status, quick.text) == (200, "slept")
    assert incarnation(fn) == before
    assert '"message": "function timed out"' in fn.logs()
