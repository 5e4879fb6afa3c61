"""What a client sees is the same through Knative's queue-proxy as from the function alone.

Each request is sent twice to the same pod: to queue-proxy's port (the way every request
reaches a Knative Service) and to the function's own port. The answers must agree in status,
body and headers, except for what differs on purpose: the per-reply `id` and `time` of a reply
event, the `Date`, and the hop-by-hop `Connection: keep-alive` that queue-proxy (Go's reverse
proxy) does not forward. The function sees the request as sent, from queue-proxy's address
(127.0.0.1 in the pod), plus the `X-Forwarded-For` header naming the client queue-proxy saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from harness import cloudevents as ce
from harness.container import Function, Reply

from cloudevents.core.bindings import http as ce_http

MAX_BODY = 1000
TIMEOUT_S = 1
SETTINGS = {"MAX_BODY_BYTES": str(MAX_BODY), "TIMEOUT": str(TIMEOUT_S)}
NOT_COMPARED = {"date", "connection", "keep-alive", "ce-id", "ce-time"}
EVENT_TYPE = "com.example.requested"


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False

    def send(self, fn: Function) -> Reply:
        body: Any = iter([self.body]) if self.chunked else self.body
        return fn.request(self.method, self.path, body=body, headers=dict(self.headers), timeout=30)


def event_call(name: str, mode: str, data: Any = None, **extra: Any) -> Call:
    ev = ce.event(EVENT_TYPE, f"/same-answers/{name}", {"n": 1} if data is None else data, **extra)
    message = ce_http.to_binary_event(ev) if mode == "binary" else ce_http.to_structured_event(ev)
    return Call(name, "POST", "/", message.body, tuple(dict(message.headers).items()))


def batch_call(name: str) -> Call:
    events = [{"specversion": "1.0", "id": f"b-{i}", "source": "/same-answers/batch", "type": EVENT_TYPE,
               "datacontenttype": "application/json", "data": {"n": i}} for i in range(3)]
    return Call(name, "POST", "/", json.dumps(events).encode(), (("Content-Type", "application/cloudevents-batch+json"),))


HTTP_CALLS = [
    Call("get", "GET", "/status/200?x=1"),
    Call("created", "POST", "/status/201", b"made"),
    Call("not-found", "GET", "/status/404"),
    Call("teapot", "GET", "/status/418"),
    Call("no-such-path", "GET", "/other"),
    Call("head", "HEAD", "/status/200"),
    Call("500", "GET", "/raise"),
    Call("504", "GET", f"/sleep?s={TIMEOUT_S + 2}"),
    Call("413", "POST", "/status/200", b"x" * (MAX_BODY + 1)),
    Call("413-chunked", "POST", "/status/200", b"x" * (MAX_BODY + 1), chunked=True),
    Call("body-at-the-limit", "POST", "/status/200", b"x" * MAX_BODY),
    Call("health", "GET", "/health/ready"),
]

CLOUDEVENT_CALLS = [
    event_call("binary", "binary"),
    event_call("structured", "structured"),
    event_call("binary-bytes", "binary", b"\x00\x01", datacontenttype="application/octet-stream"),
    batch_call("batch"),
    Call("400-no-source", "POST", "/", b"{}", (("Content-Type", "application/json"), ("ce-specversion", "1.0"),
                                               ("ce-id", "x"), ("ce-type", EVENT_TYPE))),
    Call("400-not-json", "POST", "/", b"{not json", (("Content-Type", "application/cloudevents+json"),)),
    Call("400-plain-post", "POST", "/", b"hello", (("Content-Type", "text/plain"),)),
    Call("413", "POST", "/", b"x" * (MAX_BODY + 1), (("Content-Type", "application/cloudevents+json"),)),
    Call("405", "GET", "/"),
]


def comparable(reply: Reply) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in reply.headers.items() if k not in NOT_COMPARED}
    body: Any = reply.body
    media = reply.headers.get("content-type", "")
    if media.startswith("application/cloudevents"):
        parsed = json.loads(reply.body)
        for ev in parsed if isinstance(parsed, list) else [parsed]:
            ev.pop("id", None)
            ev.pop("time", None)
        body = parsed
        headers.pop("content-length", None)  # a new id can have another length
    return reply.status, headers, body


@pytest.mark.parametrize("call", HTTP_CALLS, ids=[c.name for c in HTTP_CALLS])
def test_http_function(images, functions, call):
    pod = functions.pod(images("kn-fn-e2e/kn-contract"), env=SETTINGS)
    direct, proxied = call.send(pod.direct), call.send(pod)
    assert comparable(proxied) == comparable(direct)


@pytest.mark.parametrize("call", CLOUDEVENT_CALLS, ids=[c.name for c in CLOUDEVENT_CALLS])
def test_cloudevent_function(images, functions, call):
    pod = functions.pod(images("kn-fn-e2e/kn-cloudevents"), env=SETTINGS)
    direct, proxied = call.send(pod.direct), call.send(pod)
    assert comparable(proxied) == comparable(direct)


def test_the_expected_statuses_really_come_back(images, functions):
    """The comparisons above compare the answers the invoker's contract promises."""
    pod = functions.pod(images("kn-fn-e2e/kn-contract"), env=SETTINGS)
    got = {c.name: c.send(pod).status for c in HTTP_CALLS}
    assert got == {"get": 200, "created": 201, "not-found": 404, "teapot": 418, "no-such-path": 404, "head": 200,
                   "500": 500, "504": 504, "413": 413, "413-chunked": 413, "body-at-the-limit": 200, "health": 200}
    pod = functions.pod(images("kn-fn-e2e/kn-cloudevents"), env=SETTINGS)
    got = {c.name: c.send(pod).status for c in CLOUDEVENT_CALLS}
    assert got == {"binary": 200, "structured": 200, "binary-bytes": 200, "batch": 200, "400-no-source": 400,
                   "400-not-json": 400, "400-plain-post": 400, "413": 413, "405": 405}
    reply = CLOUDEVENT_CALLS[0].send(pod)
    assert ce_http.from_http_event(ce_http.HTTPMessage(headers=reply.headers, body=reply.body)).get_type() == \
        "com.example.handled"


def test_the_function_sees_the_request_as_sent_plus_x_forwarded_for(images, functions):
    pod = functions.pod(images("kn-fn-e2e/kn-contract"))
    call = Call("echo", "POST", "/echo?a=1&b=%C3%A9", b"payload", (("Content-Type", "text/plain"), ("X-Custom", "kept")))
    direct, proxied = call.send(pod.direct).json(), call.send(pod).json()
    request = ("method", "path", "query", "body_bytes")
    assert [proxied[k] for k in request] == [direct[k] for k in request] == ["POST", "/echo", "a=1&b=%C3%A9", 7]
    added = {k: v for k, v in proxied["headers"].items() if k not in direct["headers"]}
    assert added == {"x-forwarded-for": direct["remote_addr"]}
    assert proxied["remote_addr"] == "127.0.0.1"
    same = {k: v for k, v in proxied["headers"].items() if k not in added and k != "host"}
    assert same == {k: v for k, v in direct["headers"].items() if k != "host"}
    # The Host header is passed through as the client sent it (the port published here).
    assert (direct["headers"]["host"], proxied["headers"]["host"]) == (f"127.0.0.1:{pod.direct_port}", f"127.0.0.1:{pod.port}")
