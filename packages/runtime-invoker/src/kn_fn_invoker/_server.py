"""The production server: gunicorn with threaded workers, configured from Settings."""

from __future__ import annotations

import math
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ._settings import Settings
from ._worker import start_hooks


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "worker_class": "kn_fn_invoker._worker.DrainingWorker",
        "post_worker_init": start_hooks,
        "workers": settings.workers,
        "threads": settings.threads,
        # gunicorn's own timeout is a worker heartbeat, not a request limit (the gthread
        # worker keeps beating while a request runs); request deadlines are TIMEOUT's job.
        "timeout": 30,
        "graceful_timeout": math.ceil(settings.graceful_timeout),  # gunicorn takes whole seconds
        "keepalive": 5,
        # The app is loaded before forking, so a broken function stops start-up with its
        # message instead of a loop of failing worker boots.
        "preload_app": True,
        # No access log: health probes would fill it; errors are logged by the app.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn's control socket lives in $HOME or $XDG_RUNTIME_DIR, and a second server
        # on the host would replace the first one's; the invoker does not use it.
        "control_socket_disable": True,
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


class _Server(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            # gunicorn before 25.1 has no control socket, so no setting to turn it off.
            if key == "control_socket_disable" and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(app: Flask, settings: Settings) -> None:
    _Server(app, gunicorn_options(settings)).run()
