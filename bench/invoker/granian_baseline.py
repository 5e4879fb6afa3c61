"""(d) The bare app on the invoker's own server: baseline.py's minimal Flask app served by
kn_fn_invoker._server.serve, with the invoker's Settings (WORKERS, THREADS, ... from the
environment). The server code and its options are (a)'s, so (a)/(d) is what the invoker's
app (signature dispatch, CloudEvents SDK, health paths) costs on top of Flask.

    python granian_baseline.py {http|cloudevent} --host 127.0.0.1 --port N

Run with a python that has kn_fn_invoker installed (run.sh: .venv; bench/throughput: the
venv the buildpack's wheelhouse makes); baseline.py beside it is imported for the app only.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from kn_fn_invoker._server import granian_options, serve
from kn_fn_invoker._settings import from_environment

from baseline import arguments, cloudevent_app, http_app


def main() -> int:
    args = arguments()
    settings = replace(from_environment(), host=args.host, port=args.port)
    options = granian_options(settings)
    shown = ", ".join(f"{key}={options[key]}" for key in ("workers", "blocking_threads", "runtime_threads"))
    print(f"granian baseline: {shown}, http={options['http'].name}", file=sys.stderr, flush=True)
    serve(http_app() if args.case == "http" else cloudevent_app(), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
