"""One asyncio event loop per worker process, on a thread of its own.

Async functions and async lifecycle hooks run on it instead of on a fresh loop per call
(`asyncio.run` makes and closes one each time): a client made in `start()` (an HTTP session,
a database pool) belongs to the loop every later call runs on, calls that wait overlap on
it, and a call past TIMEOUT is cancelled, which a thread cannot be. The request thread waits
for its call, so the server's threads still bound how many run at once.

Each call runs in a copy of the calling thread's context, so Flask's `request` (a context
variable) works inside it. A coroutine that blocks (time.sleep, a blocking client) holds up
the other calls on the loop of its worker: such a function should be a plain `def`.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import os
import threading
from typing import Any, Awaitable


class WorkerLoop:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: Any = None
        self._pid: int | None = None

    def _running(self) -> Any:
        import asyncio  # only async functions and hooks need it: ~11 ms off every cold start

        with self._lock:
            # A fork (gunicorn's workers) copies no threads: each process starts its own loop.
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="kn-fn-event-loop", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, awaitable: Awaitable[Any], timeout: float | None = None) -> Any:
        """The awaitable's result; TimeoutError after `timeout` seconds, the call cancelled."""
        loop = self._running()
        context = contextvars.copy_context()
        outcome: concurrent.futures.Future[Any] = concurrent.futures.Future()
        tasks: list[Any] = []

        def schedule() -> None:
            if not outcome.set_running_or_notify_cancel():
                return  # timed out before it started
            task = loop.create_task(_awaited(awaitable), context=context)
            tasks.append(task)
            task.add_done_callback(lambda done: _settle(done, outcome))

        loop.call_soon_threadsafe(schedule)
        try:
            return outcome.result(timeout)
        except concurrent.futures.TimeoutError:
            outcome.cancel()
            loop.call_soon_threadsafe(lambda: [task.cancel() for task in tasks])
            raise TimeoutError() from None


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _settle(task: Any, outcome: concurrent.futures.Future[Any]) -> None:
    if outcome.done():
        return
    if task.cancelled():
        outcome.set_exception(concurrent.futures.CancelledError())
    elif task.exception() is not None:
        outcome.set_exception(task.exception())
    else:
        outcome.set_result(task.result())


# The worker's loop: made on first use in each process.
LOOP = WorkerLoop()
