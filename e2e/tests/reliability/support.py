"""Helpers of the reliability tests: whether a function restarted, and raw HTTP for bytes
that ordinary clients refuse to send."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from harness import load
from harness.container import Function
from harness.shell import must


@dataclass(frozen=True)
class Incarnation:
    """What changes when a function's process restarts: its worker, the container's start."""

    workers: tuple[int, ...]
    started_at: str
    restarts: int


def incarnation(fn: Function) -> Incarnation:
    started_at, restarts = must(["docker", "inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", fn.container]).split()
    return Incarnation(tuple(load.worker_pids(fn.container)), started_at, int(restarts))


# ---- raw HTTP -------------------------------------------------------------------------------

@dataclass
class RawReply:
    status: int
    head: bytes
    body: bytes


def raw_request(port: int, data: bytes, timeout: float = 15) -> RawReply:
    """Send `data` as it is (one request, which should say Connection: close), read the reply.

    The server may answer (413, 431) before it has read everything: a send that then fails
    is not an error as long as a reply came back.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), f"no HTTP reply to {data[:200]!r}…: {received[:200]!r}"
    return RawReply(int(head.split(b" ", 2)[1]), head, body)


def http_request(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"",
                 *, chunked: bool = False) -> bytes:
    """Bytes of one HTTP/1.1 request; Content-Length (or chunked framing) added here."""
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    lines += [name + b": " + value for name, value in headers]
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 16384]), body[i:i + 16384]) for i in range(0, len(body), 16384))
        payload = framed + b"0\r\n\r\n"
    else:
        lines.append(b"Content-Length: %d" % len(body))
        payload = body
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload
