"""The baseline: a hand-written minimal Flask app served by gunicorn with the invoker's options.

    python baseline.py {http|cloudevent} --host 127.0.0.1 --port N

WORKERS and THREADS are read from the environment by the invoker's own Settings, and the
gunicorn options are the invoker's `gunicorn_options`, so the only difference from (a) is the
app: one route, the function body inlined, no signature dispatch or CloudEvents SDK.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from flask import Flask, Response, request

from kn_fn_invoker._server import gunicorn_options, serve
from kn_fn_invoker._settings import from_environment


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


def main() -> int:
    args = arguments()
    settings = replace(from_environment(), host=args.host, port=args.port)
    options = gunicorn_options(settings)
    print(f"baseline gunicorn options: {options}", file=sys.stderr, flush=True)
    app = http_app() if args.case == "http" else cloudevent_app()
    serve(app, settings)  # the invoker's own gunicorn application and options
    return 0


if __name__ == "__main__":
    sys.exit(main())
