from typing import Any


def handler(data: Any, attributes: dict):
    """Receives a CloudEvent; the returned (attributes, data) is sent back as a reply event.

    `data` is the event's data: a dict/list for JSON, str for text/*, bytes otherwise.
    The reply gets a new `type`: replying with the incoming type would make a Knative
    Trigger that matches it deliver the reply to this function again.
    """
    if isinstance(data, bytes):
        # Bytes do not fit in a JSON reply as they are: say how many there were.
        data = {"bytes": len(data)}
    reply = {"type": "com.example.handled", "source": "kn-fn/templates/cloudevents"}
    return reply, {"received": data, "from": attributes["source"]}
