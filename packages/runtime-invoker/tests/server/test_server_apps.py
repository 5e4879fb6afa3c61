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
