"""A function written for functions-framework's `@cloudevent` (the classic CloudEvents SDK's
access: `event["type"]`, `event.get(...)`, `event.data`, iteration) built as it is, and the
modified copy it returns sent back: binary, structured and batch, spec 1.0 and 0.3.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v03.event import CloudEvent as CloudEvent03
from cloudevents.core.v1.event import CloudEvent as CloudEvent10

from harness import apps, container, pack
from harness.cloudevents import send

HANDLER_PY = '''\
import copy


def handler(event):
    reply = copy.copy(event)
    reply["type"] = "com.example.classic.reply"
    reply.data = {
        "type": event["type"],
        "id": event["id"],
        "subject": event.get("subject"),
        "tenant": event.get("tenant", "no tenant"),
        "names": sorted(event),
        "count": len(event),
        "has_subject": "subject" in event,
        "time_is_text": isinstance(event["time"], str),
        "data": event.data,
    }
    return reply
'''

TYPE = "com.example.order.placed"
CLASSES = {"1.0": CloudEvent10, "0.3": CloudEvent03}


@pytest.fixture(scope="module")
def fn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[container.Function]:
    app = apps.new(tmp_path_factory.mktemp("classic-event") / "app", {"handler.py": HANDLER_PY})
    image = f"{pack.IMAGE_PREFIX}journey-classic-event"
    built = pack.must_build(image, app.path)
    assert "  Imported handler.handler: CloudEvent function" in built.log
    started = container.start(image)
    yield started
    started.stop()


def an_event(specversion: str, **extra) -> CloudEvent10 | CloudEvent03:
    attributes = {"id": f"e2e-{uuid.uuid4()}", "source": "/e2e/orders", "type": TYPE, "subject": "order-7",
                  "datacontenttype": "application/json", "time": datetime.now(timezone.utc), **extra}
    return CLASSES[specversion](attributes, {"order": 7})


def assert_classic_reply(reply, sent) -> None:
    assert reply.get_specversion() == sent.get_specversion()
    assert reply.get_type() == "com.example.classic.reply"
    assert (reply.get_source(), reply.get_subject()) == ("/e2e/orders", "order-7")  # kept by the copy
    assert reply.get_id() != sent.get_id()
    names = sorted(sent.get_attributes())
    assert reply.get_data() == {
        "type": TYPE,
        "id": sent.get_id(),
        "subject": "order-7",
        "tenant": "no tenant",
        "names": names,
        "count": len(names),
        "has_subject": True,
        "time_is_text": True,
        "data": {"order": 7},
    }


@pytest.mark.parametrize("specversion", ["1.0", "0.3"])
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_classic_access_and_a_modified_copy_reply(fn, mode, specversion):
    sent = an_event(specversion)
    reply, parsed = send(fn, sent, mode)
    assert reply.status == 200, reply.text
    if mode == "structured":
        assert reply.headers["content-type"] == "application/cloudevents+json"
    else:
        assert reply.headers["ce-type"] == "com.example.classic.reply"
    assert_classic_reply(parsed, sent)


def test_classic_access_in_a_batch_of_both_spec_versions(fn):
    sent = [an_event("1.0"), an_event("0.3")]
    body = b"[" + b",".join(JSONFormat().write(event) for event in sent) + b"]"
    reply = fn.post("/", body=body, headers={"Content-Type": "application/cloudevents-batch+json"})
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"] == "application/cloudevents-batch+json"
    replies = [JSONFormat().read(None, json.dumps(item)) for item in reply.json()]
    assert len(replies) == 2
    for parsed, event in zip(replies, sent):
        assert_classic_reply(parsed, event)
