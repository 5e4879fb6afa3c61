"""Application objects on the real server: a Flask app on granian's WSGI interface, an ASGI
app on its ASGI one with its lifespan inside the hooks; both drain and exit 0 on SIGTERM."""

from __future__ import annotations

import signal

import pytest

pytestmark = pytest.mark.server


def _stopped(server) -> str:
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0, server.stderr()
    return server.stderr()


def test_a_flask_app_is_served_with_the_runtimes_health_paths(serve):
    server = serve("apps", "main.wsgi")
    assert server.request("GET", "/").body.startswith(b"flask in ")
    assert server.request("GET", "/health/live").body == b"OK"
    assert server.request("POST", "/", body=b"x" * 20, headers={"Content-Type": "text/plain"}).status == 200
    output = _stopped(server)
    assert output.count("hook start") == 1 and output.count("hook stop") == 1, output


def test_an_asgi_app_runs_its_lifespan_between_the_hooks(serve):
    server = serve("apps", "main.asgi", env={"MAX_BODY_BYTES": "8"})
    assert server.request("POST", "/", body=b"12345678").body == b"asgi got 12345678"
    assert server.request("POST", "/", body=b"123456789").status == 413
    assert server.request("GET", "/health/ready").body == b"OK"
    order = [line for line in _stopped(server).splitlines() if line.startswith(("hook ", "app "))]
    assert order == ["hook start", "app startup", "app shutdown", "hook stop"]


def test_header_bytes_outside_visible_ascii_reach_an_async_function_as_latin_1(serve):
    """granian's ASGI interface hands header bytes on (its WSGI one empties such values: the
    invoker README's "Known limits"); the invoker decodes them as PEP 3333 says, Latin-1."""
    import socket

    server = serve("apps", "main.echo_header")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Thing: caf\xe9\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := connection.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert reply.split(b"\r\n\r\n", 1)[1] == "café".encode("utf-8")
