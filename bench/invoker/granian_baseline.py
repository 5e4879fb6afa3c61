"""(d) The baseline's app on granian: the hand-written minimal Flask app of baseline.py, served
by granian's WSGI interface instead of gunicorn (issue 16: the server is the lever).
(e) With GRANIAN_APP=invoker: the invoker's own app (create_app of functions/CASE/func.py),
the same way: what the invoker would do on granian, before any change to it.

    python granian_baseline.py {http|cloudevent} --host 127.0.0.1 --port N

Run with the bench's granian venv (run.sh makes it: the same Flask and Werkzeug as the
invoker's, plus GRANIAN_VERSION) and PYTHONPATH=bench/invoker:packages/runtime-invoker/src.
WORKERS and THREADS as for the other servers: granian's workers and its WSGI blocking
threads (the threads that run the app); one runtime thread, HTTP/1 only, no access log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces

from baseline import arguments, cloudevent_app, http_app


def main() -> int:
    args = arguments()
    if os.environ.get("GRANIAN_APP") == "invoker":
        from kn_fn_invoker import create_app
        from kn_fn_invoker._settings import from_environment

        app = create_app("func.handler", Path(__file__).parent / "functions" / args.case, from_environment())
    else:
        app = http_app() if args.case == "http" else cloudevent_app()
    workers, threads = int(os.environ.get("WORKERS", "1")), int(os.environ.get("THREADS", "8"))
    print(f"granian baseline: workers={workers} blocking_threads={threads} runtime_threads=1 http=1", file=sys.stderr, flush=True)
    server = Granian("baseline:app", address=args.host, port=args.port, interface=Interfaces.WSGI, workers=workers,
                     blocking_threads=threads, runtime_threads=1, http=HTTPModes.http1, log_access=False,
                     workers_kill_timeout=30)
    # The app object made here, handed to each worker (forked): no import string needed.
    server.serve(target_loader=lambda _target: app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
