"""CloudEvent function that answers every event with a reply event of its own.

It records each event it receives (one JSON line per event, appended to the file named by
KN_FN_TEST_RECORD) so a test can prove the server handled an event even when the client
(the conformance tool) does not show the reply.
"""

import json
import os

REPLY_SOURCE = "urn:kn-fn:test:reply-source"
REPLY_TYPE = "dev.kn-fn.test.reply"


def _plain(value):
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value).decode("latin-1")}
    return value


def handler(attributes, data):
    record = os.environ.get("KN_FN_TEST_RECORD")
    if record:
        line = json.dumps({"attributes": attributes, "data": _plain(data)}, default=str) + "\n"
        with open(record, "a", encoding="utf-8") as out:
            out.write(line)
    reply = {
        "received_id": attributes["id"],
        "received_type": attributes["type"],
        "received_specversion": attributes["specversion"],
        "echo": _plain(data),
    }
    return {"source": REPLY_SOURCE, "type": REPLY_TYPE}, reply
