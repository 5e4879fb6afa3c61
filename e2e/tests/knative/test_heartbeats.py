"""Knative's heartbeats source (knative.dev/eventing cmd/heartbeats, a real Knative
CloudEvents source built by scripts/setup.sh) sends to a CloudEvents function through
queue-proxy, as a SinkBinding to a Knative Service would (`K_SINK`)."""

from __future__ import annotations

import http.server
import re
import threading
import time
from collections.abc import Iterator

import pytest
from cloudevents.core.bindings import http as ce_http

from harness import knative
from harness.shell import must, run

LABEL = "kn-fn"
HEARTBEAT_TYPE = "dev.knative.eventing.samples.heartbeat"
REPLY_TYPE = "com.example.heartbeat.seen"
SOURCE_POD = "heartbeats-7b9c6d5f4-k8x2p"
SOURCE = f"https://knative.dev/eventing-contrib/cmd/heartbeats/#default/{SOURCE_POD}"


def heartbeats(sink: str, *, one_shot: bool, detach: bool) -> list[str]:
    return ["docker", "run", *(["-d"] if detach else ["--rm"]), "--network", "host",
            "-e", f"K_SINK={sink}", "-e", f"POD_NAME={SOURCE_POD}", "-e", "POD_NAMESPACE=default",
            "-e", f"ONE_SHOT={'true' if one_shot else 'false'}",
            knative.HEARTBEATS_IMAGE, "--period", "200ms", "--label", LABEL]


@pytest.fixture
def source() -> Iterator[list[str]]:
    started: list[str] = []
    yield started
    if started:
        run(["docker", "rm", "-f", *started])


def test_heartbeats_arrive_decoded_and_logged(images, functions, source):
    pod = functions.pod(images("kn-fn-e2e/kn-heartbeat-logger"))
    source.append(must(heartbeats(f"http://127.0.0.1:{pod.port}", one_shot=False, detach=True)).strip())
    deadline = time.monotonic() + 30
    while len(beats := re.findall(r"^heartbeat (\d+) (.*)$", pod.logs(), re.MULTILINE)) < 3:
        assert time.monotonic() < deadline, pod.logs() + run(["docker", "logs", source[0]]).stdout
        time.sleep(0.2)
    run(["docker", "rm", "-f", source[0]])
    numbers = [int(n) for n, _ in beats]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert beats[0][1] == (f"label='{LABEL}' type={HEARTBEAT_TYPE} source={SOURCE} the=42 heart=yes beats=true")
    sent = run(["docker", "logs", source[0]]).stdout
    assert "failed to send" not in sent, sent


class Relay(http.server.ThreadingHTTPServer):
    """What a Knative dispatcher does with a reply, on 127.0.0.1: forwards each event as it
    came to the function (through queue-proxy) and keeps the reply."""

    def __init__(self, pod: knative.Pod) -> None:
        self.pod = pod
        self.exchanges: list[tuple[dict[str, str], bytes, int, dict[str, str], bytes]] = []
        super().__init__(("127.0.0.1", 0), RelayHandler)


class RelayHandler(http.server.BaseHTTPRequestHandler):
    server: Relay

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("ce-") or k.lower() == "content-type"}
        reply = self.server.pod.post("/", body=body, headers=headers)
        self.server.exchanges.append((headers, body, reply.status, reply.headers, reply.body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_the_reply_to_a_heartbeat_is_a_valid_event(images, functions):
    pod = functions.pod(images("kn-fn-e2e/kn-heartbeat-logger"))
    relay = Relay(pod)
    serving = threading.Thread(target=relay.serve_forever, daemon=True)
    serving.start()
    try:
        done = run(heartbeats(f"http://127.0.0.1:{relay.server_address[1]}", one_shot=True, detach=False), timeout=60)
    finally:
        relay.shutdown()
    assert done.returncode == 0, done.stdout
    assert "failed to send" not in done.stdout, done.stdout
    assert len(relay.exchanges) == 1, relay.exchanges
    sent_headers, _, status, headers, body = relay.exchanges[0]
    assert sent_headers["ce-type"] == HEARTBEAT_TYPE
    assert status == 200, body
    reply = ce_http.from_http_event(ce_http.HTTPMessage(headers=headers, body=body))  # the SDK validates it
    assert reply.get_type() == REPLY_TYPE
    assert reply.get_source() == "kn-fn/e2e/heartbeat-logger"
    assert reply.get_id() and reply.get_id() != sent_headers["ce-id"]
    assert reply.get_data() == {"seen": 1, "label": LABEL}
    assert re.search(rf"^heartbeat 1 label='{LABEL}'", pod.logs(), re.MULTILINE), pod.logs()
