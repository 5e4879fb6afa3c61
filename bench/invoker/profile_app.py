"""Per-request cost of each app in-process, without a server or sockets, and a cProfile.

    <python> profile_app.py {http|cloudevent} [--server invoker|flask|ff] [--n N] [--profile] [--top K]
    <python> profile_app.py {http|cloudevent} --compare     # (a) and the bare app interleaved in one process

Calls the WSGI app directly in one thread with a fresh environ per request (the same
request wrk sends), so what is left is the app's own cost: routing, request and response
objects, the invoker's dispatch, the CloudEvents SDK. --server flask is baseline.py's bare
app, which run.sh serves as (b) on gunicorn and as (d) on the invoker's granian server; the
server's share is the same for (a) and (d), so the difference in microseconds here is the
difference in the app. Run --server ff with the functions-framework venv's python (it cannot
import the invoker).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CE_HEADERS = {
    "Content-Type": "application/json",
    "ce-specversion": "1.0",
    "ce-id": "bench-0001",
    "ce-source": "/bench/wrk",
    "ce-type": "dev.kn-fn.bench",
}
CE_BODY = b'{"message":"hello","count":1}'


def make_app(case: str, server: str):
    if server == "invoker":
        from kn_fn_invoker import create_app

        return create_app("func.handler", HERE / "functions" / case)
    if server == "flask":
        sys.path.insert(0, str(HERE))
        import baseline

        return baseline.http_app() if case == "http" else baseline.cloudevent_app()
    import functions_framework

    source = HERE / "functions" / ("http" if case == "http" else "ff_cloudevent") / "func.py"
    return functions_framework.create_app("handler", str(source))


def make_environ(case: str) -> tuple[dict, bytes]:
    from werkzeug.test import EnvironBuilder

    if case == "http":
        builder = EnvironBuilder(path="/", method="GET", base_url="http://127.0.0.1:8080")
        body = b""
    else:
        builder = EnvironBuilder(path="/", method="POST", headers=CE_HEADERS, data=CE_BODY, base_url="http://127.0.0.1:8080")
        body = CE_BODY
    environ = builder.get_environ()
    builder.close()
    return environ, body


def one(app, environ: dict, body: bytes) -> str:
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(body)
    status = []
    result = app(env, lambda s, h, e=None: status.append(s))
    try:
        for _ in result:
            pass
    finally:
        if hasattr(result, "close"):
            result.close()
    return status[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["http", "cloudevent"])
    parser.add_argument("--server", choices=["invoker", "flask", "ff"], default="invoker")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--compare", action="store_true", help="time invoker and flask apps alternately, 30 x 2000 requests each")
    args = parser.parse_args()

    if args.compare:
        # This machine's speed drifts within seconds, so the two apps alternate in short
        # batches and the fastest batch of each is compared.
        environ, body = make_environ(args.case)
        apps = {server: make_app(args.case, server) for server in ("invoker", "flask")}
        best = {server: float("inf") for server in apps}
        for server, app in apps.items():
            for _ in range(2000):
                one(app, environ, body)
        for _ in range(30):
            for server, app in apps.items():
                start = time.perf_counter()
                for _ in range(2000):
                    one(app, environ, body)
                best[server] = min(best[server], (time.perf_counter() - start) / 2000 * 1e6)
        print(f"{args.case}: invoker {best['invoker']:.1f} us/request, flask {best['flask']:.1f} us/request, "
              f"difference {best['invoker'] - best['flask']:+.1f} us (fastest of 30 batches of 2000)")
        return 0

    app = make_app(args.case, args.server)
    environ, body = make_environ(args.case)
    print(f"{args.case}/{args.server}: first answer {one(app, environ, body)}")
    for _ in range(2000):
        one(app, environ, body)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            one(app, environ, body)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        return 0

    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(args.n):
            one(app, environ, body)
        samples.append((time.perf_counter() - start) / args.n * 1e6)
    print(f"{args.case}/{args.server}: {statistics.median(samples):.1f} us/request (median of 5 x {args.n}; min {min(samples):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
