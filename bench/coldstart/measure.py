"""One cold start: from `docker run` to the first 200, or to the exit of the container.

    python measure.py serve IMAGE NAME --path /?x --expect PREFIX   # a server on 8080
    python measure.py exit  IMAGE NAME [-- CMD...]                   # a command that exits 0

Both modes run `docker run --name NAME -p 127.0.0.1:PORT:8080 IMAGE` with a free PORT (the
same flags, so the engine's work is the same: container, network namespace, port proxy).
The clock starts just before the docker CLI is started, and stops
  serve: at the first HTTP 200 to GET PATH on 127.0.0.1:PORT whose body starts with
         PREFIX (polled every 5 ms; connection refused/reset while the server starts is
         retried); the container runs detached (-d) and is removed afterwards, untimed;
  exit:  when `docker run` (attached) returns, i.e. after the command exited and the
         engine reported it; exit status 0 is required.
Prints one JSON line: {"seconds": ..., "docker_run": when `docker run` returned, "port": ...}.
The container is always removed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import time

DEADLINE_S = 60.0
POLL_S = 0.005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_ok(port: int, path: str, expect: bytes, deadline: float) -> float:
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            res = conn.getresponse()
            body = res.read()
            if res.status == 200 and body.startswith(expect):
                return time.monotonic()
            if res.status != 503:
                raise SystemExit(f"GET {path} answered {res.status}: {body[:200]!r}")
        except (ConnectionError, OSError, http.client.HTTPException):
            pass  # not listening yet: docker-proxy accepts and closes until the server does
        finally:
            conn.close()
        time.sleep(POLL_S)
    raise SystemExit(f"no 200 within {DEADLINE_S:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["serve", "exit"])
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
    try:
        if args.mode == "serve":
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
        subprocess.run(["docker", "rm", "-f", args.name], capture_output=True)
    print(json.dumps({"seconds": round(t1 - t0, 4), "docker_run": round(returned - t0, 4), "port": port}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
