"""(b) The reference: a hand-written minimal Flask app on gunicorn's gthread worker.

    python baseline.py {http|cloudevent} --host 127.0.0.1 --port N

Standalone: it needs Flask and gunicorn, not the invoker (run.sh runs it from the bench's
gunicorn venv, bench/throughput from an image holding only those). The gunicorn options are
the ones the invoker gave gunicorn before it moved to granian (issue 16), so this row keeps
the old server as a yardstick. WORKERS and THREADS come from the environment, as run.sh
sets them for every server.

http_app and cloudevent_app are also served by granian_baseline.py (d) and called directly
by profile_app.py, so gunicorn is imported only when this file serves.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from flask import Flask, Response, request


def http_app() -> Flask:
    app = Flask("baseline_http")

    @app.route("/")
    def index() -> str:
        return "hello"

    return app


def cloudevent_app() -> Flask:
    app = Flask("baseline_cloudevent")

    @app.post("/")
    def receive() -> Response:
        # What a hand-written binary-mode receiver does: attributes from ce-* headers, the
        # JSON body as data, and a 202 for "accepted, no reply".
        attributes = {name[3:].lower(): value for name, value in request.headers.items() if name.lower().startswith("ce-")}
        data = request.get_json()
        if not attributes or data is None:
            return Response(status=400)
        return Response(status=202)

    return app


def arguments() -> argparse.Namespace:
    """CASE --host H --port N, for this server and granian_baseline.py."""
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["http", "cloudevent"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    return parser.parse_args()


def gunicorn_options(host: str, port: int) -> dict[str, Any]:
    """The invoker's former gunicorn_options (its _server.py up to commit b4e035f), with the
    stock gthread worker for its subclass (which changed only the shutdown) and without its
    post_worker_init (lifecycle hooks: this app has none). WORKERS and THREADS default as the
    invoker's Settings did before they followed the CPU limit; run.sh always sets them."""
    return {
        "bind": f"{host}:{port}",
        "worker_class": "gthread",
        "workers": int(os.environ.get("WORKERS") or 1),
        "threads": int(os.environ.get("THREADS") or 8),
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "control_socket_disable": True,
        # The heartbeat file in memory, not on the container's overlay filesystem.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


def serve(app: Flask, options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Server().run()


def main() -> int:
    args = arguments()
    options = gunicorn_options(args.host, args.port)
    print(f"baseline gunicorn options: {options}", file=sys.stderr, flush=True)
    serve(http_app() if args.case == "http" else cloudevent_app(), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
