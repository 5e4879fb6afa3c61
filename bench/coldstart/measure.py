"""One cold start: from `docker run` to the first 200, or to the exit of the container.

    python measure.py serve IMAGE NAME --path /?x --expect PREFIX   # a server on 8080
    python measure.py pod   IMAGE NAME --path /?x --expect PREFIX   # the same, behind queue-proxy
    python measure.py exit  IMAGE NAME [-- CMD...]                   # a command that exits 0

Both modes run `docker run --name NAME -p 127.0.0.1:PORT:8080 IMAGE` with a free PORT (the
same flags, so the engine's work is the same: container, network namespace, port proxy).
The clock starts just before the docker CLI is started, and stops
  serve: at the first HTTP 200 to GET PATH on 127.0.0.1:PORT whose body starts with
         PREFIX (polled every 5 ms; connection refused/reset while the server starts is
         retried); the container runs detached (-d) and is removed afterwards, untimed;
  pod:   like serve, but IMAGE runs as a Knative revision pod (e2e/harness/knative.py: the
         env Knative gives both containers): `docker run -d --name NAME -p 127.0.0.1:PORT:8012
         IMAGE`, then Knative 1.23's queue-proxy ($KN_FN_QUEUE_IMAGE) in its network namespace;
         the GET goes through queue-proxy, and its 502/503 while the function starts are retried;
  exit:  when `docker run` (attached) returns, i.e. after the command exited and the
         engine reported it; exit status 0 is required.
Prints one JSON line: {"seconds": ..., "docker_run": when `docker run` returned, "port": ...}.
The container is always removed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from harness import knative  # noqa: E402 - the one description of a revision pod's environment

DEADLINE_S = 60.0
POLL_S = 0.005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_ok(port: int, path: str, expect: bytes, deadline: float, retry: frozenset[int] = frozenset({503})) -> float:
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            res = conn.getresponse()
            body = res.read()
            if res.status == 200 and body.startswith(expect):
                return time.monotonic()
            if res.status not in retry:
                raise SystemExit(f"GET {path} answered {res.status}: {body[:200]!r}")
        except (ConnectionError, OSError, http.client.HTTPException):
            pass  # not listening yet: docker-proxy accepts and closes until the server does
        finally:
            conn.close()
        time.sleep(POLL_S)
    raise SystemExit(f"no 200 within {DEADLINE_S:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["serve", "pod", "exit"])
    parser.add_argument("image")
    parser.add_argument("name")
    parser.add_argument("--path", default="/")
    parser.add_argument("--expect", default="")
    # The container's command follows "--" (argparse would take "-c" for an option of ours).
    argv = sys.argv[1:]
    cmd = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    port = free_port()
    run = ["docker", "run", "--name", args.name, "-p", f"127.0.0.1:{port}:8080"]
    queue = f"{args.name}-queue"
    try:
        if args.mode == "pod":
            revision = knative.Revision()
            user = [a for k, v in knative.user_env(revision, knative.USER_PORT).items() for a in ("-e", f"{k}={v}")]
            proxy = [a for k, v in knative.queue_env(revision, user_port=knative.USER_PORT, queue_port=knative.QUEUE_PORT,
                                                      pod_ip="127.0.0.1").items() for a in ("-e", f"{k}={v}")]
            t0 = time.monotonic()
            subprocess.run(["docker", "run", "-d", "--name", args.name, "-p", f"127.0.0.1:{port}:{knative.QUEUE_PORT}",
                            *user, args.image], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["docker", "run", "-d", "--name", queue, "--network", f"container:{args.name}", *proxy,
                            os.environ["KN_FN_QUEUE_IMAGE"]], check=True, stdout=subprocess.DEVNULL)
            returned = time.monotonic()
            t1 = first_ok(port, args.path, args.expect.encode(), t0 + DEADLINE_S, frozenset({502, 503}))
        elif args.mode == "serve":
            t0 = time.monotonic()
            subprocess.run([*run, "-d", args.image, *cmd], check=True, stdout=subprocess.DEVNULL)
            returned = time.monotonic()
            t1 = first_ok(port, args.path, args.expect.encode(), t0 + DEADLINE_S)
        else:
            t0 = time.monotonic()
            done = subprocess.run([*run, args.image, *cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            t1 = returned = time.monotonic()
            if done.returncode != 0:
                raise SystemExit(f"{args.image} exited {done.returncode}: {done.stdout.decode(errors='replace')[-500:]}")
    except BaseException:
        logs = subprocess.run(["docker", "logs", args.name], capture_output=True, text=True)
        print(f"container {args.name} logs:\n{logs.stdout[-2000:]}{logs.stderr[-2000:]}", file=sys.stderr)
        raise
    finally:
        subprocess.run(["docker", "rm", "-f", queue, args.name], capture_output=True)
    print(json.dumps({"seconds": round(t1 - t0, 4), "docker_run": round(returned - t0, 4), "port": port}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
