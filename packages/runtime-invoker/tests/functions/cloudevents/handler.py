"""CloudEvent fixture functions: one per row of the CloudEvent Responses table."""
import asyncio
import time

from cloudevents.core.v1.event import CloudEvent
from flask import Response, abort, current_app, jsonify


def handler(data, attributes):
    reply = dict(attributes)
    reply["type"] = "com.example.reply"
    return reply, {"received": data}


def data_only(data):
    return {"echo": data}


def text_only(payload):
    return "got " + str(payload)


def bytes_only(data):
    return b"\x00raw"


def list_only(data):
    return [1, True, None]


def describe(data, attributes):
    return {"type": type(data).__name__, "data": data if not isinstance(data, bytes) else list(data), "attributes": attributes}


def whole_event(event):
    return event


def new_event(event: CloudEvent):
    return CloudEvent({"id": "reply-1", "source": "/made", "type": "made.by.function"}, {"n": 1})


def annotated(e: CloudEvent):
    return {"id_seen": e.get_id()}


def returns_none(data):
    return None


def raises(data, attributes):
    raise RuntimeError("failed on " + str(data))


def bad_reply(data):
    return {"id": 5, "source": "/s", "type": "t"}, "x"


def unsupported(data):
    return object()


async def async_handler(data):
    await asyncio.sleep(0)
    return {"async": data}


def no_reply_attrs(attributes):
    return {}, None


def fails_when_asked(data):
    """Echoes the event's data, or raises when the data says {"fail": true}."""
    if isinstance(data, dict) and data.get("fail"):
        raise RuntimeError("asked to fail")
    return {"echo": data}


def returns_response(data):
    return Response("sent as it is", status=299, content_type="text/x-as-is")


def aborts_teapot(data):
    abort(418)


def aborts_bad_request(data):
    abort(400)


def replies_with_jsonify(data):
    # flask.jsonify needs the app's context: the function has it in CloudEvent mode too.
    return jsonify(answer=current_app.name)


def slow(data):
    time.sleep(data["s"])
    return {"slept": data["s"]}
