"""(e) An async function on the thread-per-request path: the invoker's WSGI app (create_app),
where each call runs on a fresh event loop (asyncio.run) in one of granian's THREADS request
threads, as every async function was served before the ASGI path. The server code and its
options are (a)'s; only the path differs, so (a)/(e) is what the worker's own loop gains.

    python threads_baseline.py {async|async_nowait} --host 127.0.0.1 --port N
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from kn_fn_invoker import create_app
from kn_fn_invoker._server import serve
from kn_fn_invoker._settings import from_environment

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["async", "async_nowait"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = replace(from_environment(), host=args.host, port=args.port)
    app = create_app("func.handler", HERE / "functions" / args.case, settings)
    print(f"threads baseline: {settings.threads} request threads, asyncio.run per call", file=sys.stderr, flush=True)
    serve(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
