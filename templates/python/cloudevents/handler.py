from typing import Any


def handler(data: Any, attributes: dict):
    """Receives a CloudEvent; the returned (attributes, data) is sent back as a reply event.

    The reply gets a new `type`: replying with the incoming type would make a Knative
    Trigger that matches it deliver the reply to this function again.
    """
    reply = {"type": "com.example.handled", "source": "kn-fn/templates/cloudevents"}
    return reply, {"received": data, "from": attributes["source"]}
