"""Receives Knative's heartbeats source: logs each heartbeat and replies with a new event."""


def handler(data, attributes):
    print(
        f"heartbeat {data['id']} label={data['label']!r} type={attributes['type']}"
        f" source={attributes['source']} the={attributes.get('the')} heart={attributes.get('heart')}"
        f" beats={attributes.get('beats')}",
        flush=True,
    )
    reply = {"type": "com.example.heartbeat.seen", "source": "kn-fn/e2e/heartbeat-logger"}
    return reply, {"seen": data["id"], "label": data["label"]}
