"""`event` read and replied with the classic SDK's access (functions-framework's @cloudevent)."""
import copy

from cloudevents.core.v1.event import CloudEvent as CloudEvent10
from cloudevents.core.v03.event import CloudEvent as CloudEvent03
from cloudevents.v1.http import CloudEvent as ClassicCloudEvent


def describe(event):
    """Every classic access form, and the 2.x getters, as JSON."""
    data = event.data
    return {
        "type": event["type"],
        "id": event["id"],
        "source": event["source"],
        "specversion": event["specversion"],
        "time": event["time"],
        "subject": event.get("subject"),
        "subject_or_default": event.get("subject", "no subject"),
        "names": list(event),
        "len": len(event),
        "has_subject": "subject" in event,
        "has_data": "data" in event,
        "data_kind": type(data).__name__,
        "data": list(data) if isinstance(data, bytes) else data,
        "get_data_is_data": event.get_data() is data,
        "get_type": event.get_type(),
        "get_attributes_type": event.get_attributes()["type"],
        "is_sdk_event": isinstance(event, (CloudEvent10, CloudEvent03)),
    }


def missing_attribute(event):
    return {"subject": event["subject"]}


def modified(event):
    event["type"] = "com.example.modified"
    event["subject"] = "changed"
    del event["myext"]
    event.data = {"was": event.data}
    return event


def modified_copy(event):
    reply = copy.copy(event)
    reply["type"] = "com.example.copy"
    reply.data = {"original_type": event["type"], "original_get_type": event.get_type()}
    return reply


def classic_new_event(event):
    return ClassicCloudEvent({"type": "com.example.classic", "source": "/classic"}, {"seen": event["id"]})


def as_received(event):
    return event


def time_set_as_text(event):
    event["time"] = "2020-01-02T03:04:05Z"
    return {"time": event["time"], "get_time": event.get_time().isoformat()}


def new_id(event):
    event["id"] = "reply-7"
    return event


def shown(event):
    return repr(event)
