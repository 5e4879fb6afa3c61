"""moto's server standing in for S3 and SQS, reached by the tests and by function containers.

It listens on 127.0.0.1 at a free port, never on 0.0.0.0. A function container reaches it by
sharing the host's network namespace (`functions.start(..., host_loopback=True)`, see
harness/container.py) with `env()` as its environment (boto3 >= 1.28 reads
AWS_ENDPOINT_URL); the tests check the store with `client()`. No bridge address is used:
a fresh engine may describe its bridge without a gateway, and traffic stays on loopback.
moto keeps everything in memory; tests use fresh bucket and queue names instead of resets.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3

from harness.shell import VENV_PYTHON

MOTO_SERVER = VENV_PYTHON.parent / "moto_server"
REGION = "us-east-1"
# moto accepts any credentials; these only have to be present for boto3 to sign requests.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
READY_DEADLINE_S = 30.0
LOOPBACK = "127.0.0.1"
START_ATTEMPTS = 3  # a free port can be taken between choosing it and moto binding it


@dataclass
class MotoServer:
    endpoint: str  # http://127.0.0.1:<port>
    process: subprocess.Popen
    log: Path

    def env(self) -> dict[str, str]:
        """The environment a function container needs to use this server instead of AWS."""
        return {"AWS_ENDPOINT_URL": self.endpoint, **CREDENTIALS}

    def client(self, service: str):
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.unlink(missing_ok=True)


def fresh_name(prefix: str) -> str:
    """A bucket or queue name no other test uses (lower case; S3 allows 63 characters)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start() -> MotoServer:
    """Start moto_server and return once it answers; raises with its log when it does not."""
    host = LOOPBACK
    failures = []
    for _ in range(START_ATTEMPTS):
        server = _launch(host, free_port(host))
        if _wait_ready(server):
            return server
        failures.append(server.log_tail())
        server.stop()
    raise AssertionError(f"moto_server did not answer on {host} after {START_ATTEMPTS} attempts:\n" + "\n---\n".join(failures))


def _launch(host: str, port: int) -> MotoServer:
    log = Path(tempfile.mkstemp(prefix="kn-fn-e2e-moto-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen([str(MOTO_SERVER), "-H", host, "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    return MotoServer(f"http://{host}:{port}", process, log)


def _wait_ready(server: MotoServer) -> bool:
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False  # exited, e.g. the port was taken
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False
