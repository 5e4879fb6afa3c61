"""The production server: granian (its WSGI interface), configured from Settings.

granian was chosen by measurement over gunicorn's gthread worker (bench/RESULTS.md, issue 16):
its HTTP/1 and its thread hand-off are Rust, so the server costs a fraction of what gunicorn's
Python did per request. What the contract promises is the app's (_app.py: health paths, body
limit, TIMEOUT, error logging); what is the server's is here:

- The app is made before the workers fork (the caller's create_app), so a broken function
  stops start-up with its message instead of a loop of failing worker starts.
- Each worker runs the function's start() hook before it binds its listener (on Linux each
  worker has its own SO_REUSEPORT socket), and stop() after its drain. A failing start() is
  one log line and the worker's exit, on which granian's main process stops (exit 1).
- SIGTERM: each worker closes its listener (new connections are refused, so a client or load
  balancer retries elsewhere) and finishes the requests it accepted; GRACEFUL_TIMEOUT later
  the main process kills what is left.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import sys
from typing import Any

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server.mp import MPServer

from . import _hooks as hooks
from ._app import log
from ._asgi import AsgiApp
from ._settings import Settings
from ._target import InvokerError

# The longest wait for a worker that Python's process join takes: it polls with the timeout in
# milliseconds as a C int, and raises OverflowError past it (about 24.8 days).
MAX_KILL_WAIT = (2**31 - 1) // 1000

# granian's advice that THREADS exceeds 2 x cores + 1 and WORKERS the cores: the invoker's
# defaults follow the container's CPU limit on purpose (_cpu.py) and a user who set them
# chose, so the advice would be noise at every start. Its other lines are kept.
_ADVICE = ("Configuration allows spawning up to", "Configured number of workers appears to be higher")


class _NoAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_ADVICE)


def _log_config() -> dict[str, Any]:
    # granian's own lines (start, workers, shutdown) as the invoker's: JSON, on stderr.
    return {
        "formatters": {"json": {"()": "kn_fn_invoker._app.JsonLines"}},
        "filters": {"no_advice": {"()": "kn_fn_invoker._server._NoAdvice"}},
        "handlers": {"console": {"formatter": "json", "class": "kn_fn_invoker._app.Stderr", "filters": ["no_advice"]}},
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def granian_options(settings: Settings, interface: Interfaces = Interfaces.WSGI) -> dict[str, Any]:
    return {
        "address": settings.host,
        "port": settings.port,
        "interface": interface,
        "workers": settings.workers,
        # THREADS: the Python threads of a worker that run the app, as gunicorn's threads were.
        # One Rust runtime thread does a worker's I/O; more would compete for the same cores.
        # Under ASGI one thread runs the worker's event loop (granian takes no other value).
        "blocking_threads": settings.threads if interface is Interfaces.WSGI else 1,
        "runtime_threads": 1,
        # Knative's queue-proxy speaks HTTP/1.1 to the container (h2c only when the port is
        # named so); HTTP/1 only keeps one parser and one set of limits.
        "http": HTTPModes.http1,
        "http1_settings": HTTP1Settings(keep_alive=True),
        # granian waits forever for a worker when this is 0 or None; GRACEFUL_TIMEOUT=0 means
        # no grace, so the shortest wait it takes.
        "workers_kill_timeout": min(max(settings.graceful_timeout, 0.001), MAX_KILL_WAIT),
        "log_access": False,  # health probes would fill it; the app logs errors
        "log_dictconfig": _log_config(),
        "websockets": False,
    }


class _Worker:
    """granian's WSGI worker with the function's lifecycle hooks: start() before it serves,
    stop() after its drain. Forked with the app, so each worker has its own copy of this."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        # An app that create_app did not make (the bench's bare Flask baseline) has none.
        self._hooks: hooks.Hooks = app.config.get("KN_FN_HOOKS") or hooks.Hooks()
        self._started = False

    def load(self, _target: Any) -> Flask:
        """granian's target loader: runs in the worker after the fork, before it binds."""
        try:
            hooks.run_start(self._hooks)
        except InvokerError as failure:
            log.error(failure.message)
            sys.exit(hooks.WORKER_START_FAILED)
        self._started = True
        return self._app

    def run(self, *args: Any, **kwargs: Any) -> None:
        """granian's spawn target: its own WSGI worker, which returns once drained."""
        try:
            MPServer._spawn_wsgi_worker(*args, **kwargs)
        finally:
            failure = hooks.run_stop(self._hooks) if self._started else None
            if failure:
                log.error(failure)


def serve(app: Flask | AsgiApp, settings: Settings) -> None:
    """Serve a WSGI app (create_app) or the ASGI app of an async function or ASGI application
    (create_asgi_app). Under ASGI the hooks run in the app's lifespan, on the worker's loop."""
    # The workers must inherit the app made here (and its imported function), so they are
    # forked; Python 3.14 would otherwise start them with forkserver.
    if multiprocessing.get_start_method(allow_none=True) is None:
        multiprocessing.set_start_method("fork")
    # What was imported and made so far (the function, Flask, granian) goes to the
    # collector's permanent generation: a worker's collections would otherwise touch every
    # inherited object's header and so copy the page it is on, giving each worker its own
    # copy of memory it could share with the main process (4 MiB Pss per worker after load,
    # bench/RESULTS.md). No gc.collect() first: it cost ~20 ms of every cold start, for the
    # little garbage the imports leave (frozen, it stays shared and is never freed).
    gc.freeze()
    interface = Interfaces.WSGI if isinstance(app, Flask) else Interfaces.ASGI
    server = MPServer("kn_fn_invoker:app", **granian_options(settings, interface))  # the target string is unused: the loader returns the app
    if interface is Interfaces.ASGI:
        server.serve(target_loader=lambda _target: app)
        return
    worker = _Worker(app)
    server.serve(spawn_target=worker.run, target_loader=worker.load)
