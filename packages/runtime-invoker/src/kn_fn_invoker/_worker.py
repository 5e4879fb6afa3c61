"""gunicorn's threaded worker, with a drain that refuses new connections, and the function's
lifecycle hooks (start before serving, stop after the drain).

On SIGTERM the stock gthread worker stops accepting but keeps its listening socket open
until in-flight requests finish, so a new connection waits in the kernel's backlog for the
whole drain and is then reset: the client cannot tell whether to retry. Closing the socket
when accepting stops makes new connections fail at once (refused), which a load balancer
or client retries elsewhere.
"""

from __future__ import annotations

import sys

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker

from . import _hooks as hooks
from ._app import log
from ._target import InvokerError


def _hooks_of(worker: Worker) -> hooks.Hooks:
    # An app that create_app did not make (the bench's bare Flask baseline) has none.
    return worker.wsgi.config.get("KN_FN_HOOKS") or hooks.Hooks()


def start_hooks(worker: Worker) -> None:
    """gunicorn's post_worker_init: start() before the worker serves. A failure is one log
    line and the boot-error exit, on which gunicorn's master stops ("Worker failed to boot")."""
    try:
        hooks.run_start(_hooks_of(worker))
    except InvokerError as failure:
        log.error(failure.message)
        sys.exit(Arbiter.WORKER_BOOT_ERROR)


class DrainingWorker(ThreadWorker):
    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()

    def run(self) -> None:
        # ThreadWorker.run returns once the in-flight requests finished (or the grace ran out).
        try:
            super().run()
        finally:
            failure = hooks.run_stop(_hooks_of(self))
            if failure:
                log.error(failure)
