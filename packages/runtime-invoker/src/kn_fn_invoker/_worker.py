"""gunicorn's threaded worker, with a drain that refuses new connections.

On SIGTERM the stock gthread worker stops accepting but keeps its listening socket open
until in-flight requests finish, so a new connection waits in the kernel's backlog for the
whole drain and is then reset: the client cannot tell whether to retry. Closing the socket
when accepting stops makes new connections fail at once (refused), which a load balancer
or client retries elsewhere.
"""

from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class DrainingWorker(ThreadWorker):
    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()
