"""Sustained load on the templates' images: no errors, and memory that does not grow.

KN_FN_LOAD_SECONDS (60) at KN_FN_LOAD_CONNECTIONS (64) through wrk; the memory is the
container's Pss (harness/load.py, `memory_kib`, says why Pss), sampled while the load runs:
once after KN_FN_LOAD_WARMUP_SECONDS, once a second before the end.
"""

from __future__ import annotations

import time

from harness import load
from harness.container import Function

from .support import incarnation

MAX_GROWTH = 0.10


def loaded(fn: Function, path: str, **request) -> tuple[load.Load, int, int]:
    running = load.start(fn.url + path.lstrip("/"), **request)
    started = time.monotonic()
    time.sleep(load.WARMUP_SECONDS)
    warm = load.memory_kib(fn.container)
    time.sleep(max(0.0, started + load.LOAD_SECONDS - 1 - time.monotonic()))
    end = load.memory_kib(fn.container)
    return running.wait(), warm, end


def check(fn: Function, result: load.Load, warm: int, end: int, record_property) -> None:
    growth = (end - warm) / warm
    print(f"\n{fn.image}: {result.summary()}; Pss {warm} KiB -> {end} KiB ({growth:+.1%})")
    record_property("load", result.summary())
    record_property("pss_growth", f"{growth:+.2%}")
    assert result.errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}, result.summary()
    assert set(result.statuses) == {200}, result.summary()
    assert result.total > load.LOAD_SECONDS * 10, f"too little traffic to mean anything: {result.summary()}"
    assert growth < MAX_GROWTH, f"Pss grew {growth:.1%} under load ({warm} KiB -> {end} KiB)"


def test_http_template_under_load(images, functions, record_property):
    fn = functions.start(images("kn-fn-e2e/rel-http"))
    before = incarnation(fn)
    result, warm, end = loaded(fn, "/?name=load")
    check(fn, result, warm, end, record_property)
    assert incarnation(fn) == before


def test_cloudevents_template_under_load(images, functions, record_property):
    fn = functions.start(images("kn-fn-e2e/rel-cloudevents"))
    before = incarnation(fn)
    # A binary-mode event, a fresh ce-id on every request.
    headers = {
        "ce-specversion": "1.0",
        "ce-type": "dev.kn-fn.e2e.load",
        "ce-source": "/e2e/reliability/load",
        "content-type": "application/json",
    }
    result, warm, end = loaded(fn, "/", method="POST", headers=headers, body='{"n": 1, "text": "load"}', sequence_header="ce-id")
    check(fn, result, warm, end, record_property)
    assert incarnation(fn) == before
