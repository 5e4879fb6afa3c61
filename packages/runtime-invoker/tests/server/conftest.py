"""Start the real invoker (`python -m kn_fn_invoker`, granian) in a subprocess.

`serve(scenario, env=...)` starts the server on a free 127.0.0.1 port with the function in
tests/server/functions/<scenario>/, waits for GET /health/ready (polled, bounded deadline),
and returns a `Server`. Every server a test started is killed (its whole process group) on
teardown, whatever the test did. The server's stderr goes to a file, so a test can read
exactly what was logged while it made a request: the invoker writes its log line before it
sends the response, so once the response has arrived the line is in the file.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

FUNCTIONS = Path(__file__).parent / "functions"
READY_DEADLINE_S = 20.0

# Settings a developer's shell might export that would change what the tests see.
_SCRUBBED_ENV = (
    "PORT",
    "HOST",
    "WORKERS",
    "THREADS",
    "TIMEOUT",
    "GRACEFUL_TIMEOUT",
    "MAX_BODY_BYTES",
    "CE_REPLY_SOURCE",
    "CE_REPLY_TYPE",
    "PYTHON_HANDLER",
    "BP_FUNCTION",
    "GUNICORN_CMD_ARGS",
)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    stderr_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str = "/",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
        chunked: bool = False,
    ) -> Reply:
        """One request on a fresh connection (http.client: a client nobody here wrote)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if chunked:
                connection.request(method, path, body=iter([body or b""]), headers=headers or {}, encode_chunked=True)
            else:
                connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    # --- stderr -------------------------------------------------------------------------

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stderr_offset(self) -> int:
        return self.stderr_path.stat().st_size

    def stderr_since(self, offset: int) -> str:
        with open(self.stderr_path, "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")

    # --- lifetime -----------------------------------------------------------------------

    def wait_ready(self, deadline_s: float = READY_DEADLINE_S) -> None:
        deadline = time.monotonic() + deadline_s
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                reply = self.request("GET", "/health/ready", timeout=1.0)
                if reply.status == 200:
                    return
                last_error = AssertionError(f"/health/ready answered {reply.status}")
            except OSError as error:  # refused until a worker has bound the port
                last_error = error
            try:
                # The poll interval doubles as the check that the server has not died.
                code = self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"the server exited with code {code} before it was ready; stderr:\n{self.stderr()}")
        pytest.fail(f"the server was not ready within {deadline_s} s ({last_error!r}); stderr:\n{self.stderr()}")

    def kill(self) -> None:
        if self.proc.poll() is None or _group_alive(self.proc.pid):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: workers included
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
            pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class ServerFactory:
    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._servers: list[Server] = []

    def __call__(self, scenario: str, handler: str = "handler.handler", env: dict[str, str] | None = None) -> Server:
        directory = FUNCTIONS / scenario
        assert (directory / (handler.rsplit(".", 1)[0].replace(".", "/") + ".py")).is_file(), directory
        port = free_port()
        child_env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        child_env["PYTHONUNBUFFERED"] = "1"
        child_env.update(env or {})
        stderr_path = self._logs / f"{scenario}-{port}.stderr.log"
        with open(stderr_path, "wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "kn_fn_invoker", "--dir", str(directory), "--handler", handler,
                 "--port", str(port), "--host", "127.0.0.1"],
                cwd=directory,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
            )
        server = Server(proc, port, stderr_path, env or {})
        self._servers.append(server)
        server.wait_ready()
        return server

    def close(self) -> None:
        for server in self._servers:
            server.kill()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start a real server for this test: `serve("scenario", env={...})`."""
    factory = ServerFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def reply_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server running functions/ce_reply, shared by the SDK and conformance tests.

    The function appends every event it receives to `reply_server.env["KN_FN_TEST_RECORD"]`.
    """
    logs = tmp_path_factory.mktemp("reply-server")
    record = logs / "received.jsonl"
    record.touch()
    factory = ServerFactory(logs)
    try:
        yield factory("ce_reply", env={"KN_FN_TEST_RECORD": str(record)})
    finally:
        factory.close()


def received_events(server: Server) -> list[dict[str, Any]]:
    """What the ce_reply function recorded, one dict per event (attributes, data)."""
    text = Path(server.env["KN_FN_TEST_RECORD"]).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def received():
    return received_events
