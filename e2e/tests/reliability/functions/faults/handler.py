"""Faults on purpose, for the reliability tests; one image, the path picks the behaviour.

- /flaky        raises on every 10th call; the count is shared by the worker's threads, so it
                is taken under a lock (THREADS>1 runs calls at once)
- /sleep?s=1.5  sleeps, then answers 200 (slow requests: SIGTERM drain, TIMEOUT)
- /count        JSON {"calls", "raised", "sleeping"} without counting itself
"""

import json
import threading
import time

_lock = threading.Lock()
_calls = 0
_raised = 0
_sleeping = 0


class PlannedFailure(Exception):
    pass


def handler(req):
    global _calls, _raised, _sleeping
    if req.path == "/flaky":
        with _lock:
            _calls += 1
            n = _calls
            fail = n % 10 == 0
            if fail:
                _raised += 1
        if fail:
            raise PlannedFailure(f"call {n} fails on purpose")
        return f"call {n}"
    if req.path == "/sleep":
        with _lock:
            _sleeping += 1
        try:
            time.sleep(float(req.args.get("s", "1")))
        finally:
            with _lock:
                _sleeping -= 1
        return "slept"
    if req.path == "/count":
        with _lock:
            return json.dumps({"calls": _calls, "raised": _raised, "sleeping": _sleeping})
    return "faults: use /flaky, /sleep?s=N or /count", 404
