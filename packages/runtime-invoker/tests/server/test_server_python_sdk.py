"""The Python CloudEvents SDK (2.2, cloudevents.core) against the real server over HTTP.

Requests are encoded by the SDK, sent with http.client, and the replies are decoded by the
SDK: nothing here hand-builds or hand-parses a CloudEvent.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.v03.event import CloudEvent as CloudEventV03
from cloudevents.core.v1.event import CloudEvent

pytestmark = pytest.mark.server

REPLY_SOURCE = "urn:kn-fn:test:reply-source"  # what functions/ce_reply sets
REPLY_TYPE = "dev.kn-fn.test.reply"
OLD_TIME = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _event(cls=CloudEvent, **extra):
    attributes = {
        "id": f"req-{uuid.uuid4()}",
        "source": "urn:kn-fn:test:python-sdk",
        "type": "dev.kn-fn.test.request",
        "datacontenttype": "application/json",
        "time": OLD_TIME,
        **extra,
    }
    return cls(attributes=attributes, data={"order": 42, "items": ["a", "b"], "note": "héllo"})


def _send(server, message: ce_http.HTTPMessage):
    reply = server.request("POST", "/", body=message.body, headers=dict(message.headers))
    parsed = ce_http.from_http_event(ce_http.HTTPMessage(headers=reply.headers, body=reply.body)) if reply.body else None
    return reply, parsed


def _assert_reply(reply_event, request_event, sent_at: datetime) -> None:
    assert reply_event.get_id() and reply_event.get_id() != request_event.get_id()
    assert reply_event.get_source() == REPLY_SOURCE
    assert reply_event.get_type() == REPLY_TYPE
    assert reply_event.get_specversion() == request_event.get_specversion()
    time = reply_event.get_time()
    assert isinstance(time, datetime) and time.tzinfo is not None, time
    assert time != OLD_TIME
    assert sent_at - timedelta(seconds=5) <= time <= datetime.now(timezone.utc) + timedelta(seconds=5), time
    assert reply_event.get_datacontenttype().startswith("application/json")
    assert reply_event.get_data() == {
        "received_id": request_event.get_id(),
        "received_type": "dev.kn-fn.test.request",
        "received_specversion": request_event.get_specversion(),
        "echo": {"order": 42, "items": ["a", "b"], "note": "héllo"},
    }


def test_binary_request_gets_a_binary_reply(reply_server, received):
    event = _event()
    sent_at = datetime.now(timezone.utc)
    reply, parsed = _send(reply_server, ce_http.to_binary_event(event))

    assert reply.status == 200, reply.body
    assert reply.headers["ce-specversion"] == "1.0"
    assert reply.headers["ce-id"] == parsed.get_id()
    assert reply.headers["content-type"].startswith("application/json")
    _assert_reply(parsed, event, sent_at)
    assert event.get_id() in [e["attributes"]["id"] for e in received(reply_server)]


def test_structured_request_gets_a_structured_reply(reply_server):
    event = _event()
    sent_at = datetime.now(timezone.utc)
    message = ce_http.to_structured_event(event)
    assert message.headers["content-type"].startswith("application/cloudevents+json")
    reply, parsed = _send(reply_server, message)

    assert reply.status == 200, reply.body
    assert reply.headers["content-type"].startswith("application/cloudevents+json")
    assert not [name for name in reply.headers if name.startswith("ce-")], reply.headers
    _assert_reply(parsed, event, sent_at)


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_spec_0_3_event_gets_a_0_3_reply(reply_server, mode):
    event = _event(CloudEventV03, specversion="0.3")
    sent_at = datetime.now(timezone.utc)
    encode = ce_http.to_binary_event if mode == "binary" else ce_http.to_structured_event
    reply, parsed = _send(reply_server, encode(event))

    assert reply.status == 200, reply.body
    assert isinstance(parsed, CloudEventV03)
    if mode == "binary":
        assert reply.headers["ce-specversion"] == "0.3"
    else:
        assert reply.headers["content-type"].startswith("application/cloudevents+json")
    _assert_reply(parsed, event, sent_at)


def test_function_returning_none_gives_202_and_no_body(serve):
    server = serve("ce_none")
    for encode in (ce_http.to_binary_event, ce_http.to_structured_event):
        reply, parsed = _send(server, encode(_event()))

        assert reply.status == 202, (encode.__name__, reply.body)
        assert reply.body == b""
        assert parsed is None
        assert not [name for name in reply.headers if name.startswith("ce-")], reply.headers
