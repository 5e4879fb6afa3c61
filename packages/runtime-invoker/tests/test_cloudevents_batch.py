"""Batch mode promises of the README (Responses): one failing event fails the whole batch
with 500, and a Flask Response is sent unchanged only outside batch mode."""

import json

import pytest

from fixtures import binary_headers, structured

BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"
RAISED = {"error": "the function raised RuntimeError; see the function's log"}


def logged(capfd) -> list[dict]:
    return [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("failing", [0, 1, 2], ids=["first", "middle", "last"])
def test_one_failing_event_fails_the_whole_batch_with_500(make_client, capfd, failing):
    events = [structured(id=f"evt-{i}", data={"i": i}) for i in range(3)]
    events[failing]["data"] = {"fail": True, "secret": "TOPSECRET"}
    client = make_client("cloudevents", "handler.fails_when_asked")

    response = client.post("/", data=json.dumps(events), content_type=BATCH)

    # 500, so the sender retries the batch: no batch of the other events' replies.
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == RAISED
    assert b"echo" not in response.data and b"TOPSECRET" not in response.data
    entries = logged(capfd)
    assert [(e["message"], e["ce_id"]) for e in entries] == [("function raised RuntimeError", f"evt-{failing}")]
    # The same events without the failing one are a 200 batch: the 500 is that event's doing.
    del events[failing]
    assert client.post("/", data=json.dumps(events), content_type=BATCH).status_code == 200


def test_a_response_is_sent_unchanged_outside_batch_mode(make_client):
    client = make_client("cloudevents", "handler.returns_response")
    for response in (
        client.post("/", json={"n": 1}, headers=binary_headers()),
        client.post("/", data=json.dumps(structured(data={"n": 1})), content_type=STRUCTURED),
    ):
        assert response.status_code == 299
        assert response.headers["Content-Type"] == "text/x-as-is"
        assert response.data == b"sent as it is"


def test_a_response_in_batch_mode_is_a_reply_that_cannot_be_sent_500(make_client, capfd):
    # "unchanged (not in batch mode)": one HTTP response cannot stand for several events, so
    # in a batch the Response is reply data that cannot be sent (500 naming its type), and
    # that one event fails the batch.
    events = [structured(id="evt-a", data={"n": 1}), structured(id="evt-b", data={"n": 2})]
    response = make_client("cloudevents", "handler.returns_response").post("/", data=json.dumps(events), content_type=BATCH)

    assert response.status_code == 500
    assert response.get_json() == {
        "error": "the function returned a value of type Response, which cannot be sent as a response; see the function's log"
    }
    assert b"sent as it is" not in response.data
    entries = logged(capfd)
    assert [e["ce_id"] for e in entries] == ["evt-a"]
    assert "type Response" in entries[0]["message"]
