"""A local OCI registry: Debian's docker-registry on 127.0.0.1:<free port>, storage in a temp dir.

The engine trusts 127.0.0.0/8 as an insecure registry, so `docker push`/`pull` to it need no
daemon configuration; the lifecycle (go-containerregistry) talks plain HTTP to loopback too.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DOCKER_REGISTRY = "/usr/bin/docker-registry"
READY_DEADLINE_S = 20.0
MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


@dataclass
class Manifest:
    status: int
    content_type: str
    digest: str
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class Registry:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    @property
    def host(self) -> str:
        """What image references start with: 127.0.0.1:PORT."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def manifest(self, repository: str, reference: str) -> Manifest:
        """GET /v2/<repository>/manifests/<tag or digest>, as a client that accepts OCI and Docker types."""
        status, headers, body = self.get(f"/v2/{repository}/manifests/{reference}", {"Accept": MANIFEST_TYPES})
        return Manifest(status, headers.get("content-type", ""), headers.get("docker-content-digest", ""), body)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory: Path, port: int | None = None) -> Registry:
    """Start a registry storing into `directory` on `port` (default: a free one); returns once
    GET /v2/ answers 200."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {directory / 'storage'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n",
        encoding="utf-8",
    )
    log = directory / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([DOCKER_REGISTRY, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT)
    registry = Registry(proc, port, log)
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"docker-registry exited with {proc.returncode}:\n{registry.logs()}")
        try:
            if registry.get("/v2/")[0] == 200:
                return registry
        except OSError:
            pass
        time.sleep(0.1)
    registry.stop()
    raise AssertionError(f"docker-registry did not answer on {registry.host} within {READY_DEADLINE_S:.0f}s:\n{registry.logs()}")
