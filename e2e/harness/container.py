"""A built function running in a container, reached only through 127.0.0.1.

`start()` publishes container port 8080 on a free 127.0.0.1 port chosen by the engine (no
race with other tests), then polls GET /health/ready until it answers (bounded; the logs are
in the failure message), so no test sleeps for a fixed time.

`start(..., host_loopback=True)` is for a function that must reach a server the tests run
on the host (moto): the container joins the host's network namespace and the invoker listens
on 127.0.0.1 at a free port (`HOST`, `PORT`), so every packet stays on loopback and nothing
depends on how a fresh engine describes its bridge network (Debian's dockerd 20.10 on a new
machine reports the default bridge without a `Gateway`).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from harness.shell import must, run

READY_DEADLINE_S = 30.0
HOST_LOOPBACK_ATTEMPTS = 3  # a free port can be taken between choosing it and the invoker binding it


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Function:
    container: str
    image: str
    port: int
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def request(self, method: str, path: str = "/", body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return Reply(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
        finally:
            conn.close()

    def get(self, path: str = "/", **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str = "/", body: bytes | str | None = None, **kwargs) -> Reply:
        return self.request("POST", path, body=body, **kwargs)

    def logs(self) -> str:
        return run(["docker", "logs", self.container]).stdout

    def exec(self, *args: str) -> str:
        return must(["docker", "exec", self.container, *args])

    def running(self) -> bool:
        return run(["docker", "inspect", "-f", "{{.State.Running}}", self.container]).stdout.strip() == "true"

    def stop(self) -> None:
        run(["docker", "rm", "-f", self.container])


def start(image: str, *, env: dict[str, str] | None = None, docker_args: tuple[str, ...] = (),
          host_loopback: bool = False) -> Function:
    if not host_loopback:
        return _start(image, env or {}, ["-p", "127.0.0.1::8080", *docker_args], published=True)
    failures = []
    for _ in range(HOST_LOOPBACK_ATTEMPTS):
        port = free_loopback_port()
        env_here = {**(env or {}), "HOST": "127.0.0.1", "PORT": str(port)}
        try:
            return _start(image, env_here, ["--network", "host", *docker_args], published=False)
        except AssertionError as failure:
            failures.append(str(failure))
    raise AssertionError(f"{image} did not start on the host's loopback in {HOST_LOOPBACK_ATTEMPTS} attempts:\n"
                         + "\n---\n".join(failures))


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(image: str, env: dict[str, str], docker_args: list[str], *, published: bool) -> Function:
    args = ["docker", "run", "-d"]
    for name, value in env.items():
        args += ["-e", f"{name}={value}"]
    container = must([*args, *docker_args, image]).strip()
    if published:
        port = int(must(["docker", "port", container, "8080/tcp"]).splitlines()[0].rsplit(":", 1)[1])
    else:
        port = int(env["PORT"])
    fn = Function(container, image, port, dict(env))
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if not fn.running():
            logs = fn.logs()
            fn.stop()
            raise AssertionError(f"{image} exited before it was ready:\n{logs}")
        try:
            if fn.get("/health/ready", timeout=2).status == 200:
                return fn
        except OSError:
            pass
        time.sleep(0.1)
    logs = fn.logs()
    fn.stop()
    raise AssertionError(f"{image} did not answer /health/ready within {READY_DEADLINE_S:.0f}s:\n{logs}")
