"""CloudEvent mode: binary, structured and batch input, 1.0 and 0.3, replies, errors."""

import base64
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event

from fixtures import binary_headers, structured

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def parse_reply(response):
    return from_http_event(HTTPMessage(headers=dict(response.headers), body=response.data))


def assert_fresh(reply, request_id="req-1"):
    assert reply.get_id() != request_id
    uuid.UUID(reply.get_id())
    assert abs(datetime.now(timezone.utc) - reply.get_time()) < timedelta(seconds=30)


def test_binary_in_binary_out_with_attributes_as_returned(make_client):
    response = make_client("cloudevents").post("/", json={"n": 1}, headers=binary_headers(subject="s1"))
    assert response.status_code == 200
    assert response.headers["ce-type"] == "com.example.reply"
    assert response.headers["Content-Type"] == "application/json"
    reply = parse_reply(response)
    assert_fresh(reply)
    assert reply.get_source() == "/test"
    assert reply.get_subject() == "s1"
    assert reply.get_data() == {"received": {"n": 1}}


def test_structured_in_structured_out(make_client):
    event = structured(datacontenttype="application/json", data={"n": 2})
    response = make_client("cloudevents").post("/", data=json.dumps(event), content_type=STRUCTURED)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == STRUCTURED
    assert not any(name.lower().startswith("ce-") for name in response.headers.keys())
    reply = parse_reply(response)
    assert_fresh(reply)
    assert reply.get_type() == "com.example.reply"
    assert reply.get_data() == {"received": {"n": 2}}


def test_structured_content_type_with_parameters(make_client):
    event = structured(data={"n": 3})
    response = make_client("cloudevents", "handler.data_only").post(
        "/", data=json.dumps(event), content_type=STRUCTURED + "; charset=utf-8"
    )
    assert response.status_code == 200
    assert parse_reply(response).get_data() == {"echo": {"n": 3}}


@pytest.mark.parametrize(
    ("content_type", "body", "expected_type", "expected_data"),
    [
        ("application/json", b'{"a": [1, 2]}', "dict", {"a": [1, 2]}),
        ("application/vnd.api+json", b"[1, 2]", "list", [1, 2]),
        ("text/plain", "h\u00e9llo".encode(), "str", "h\u00e9llo"),
        ("text/csv; charset=latin-1", "caf\u00e9".encode("latin-1"), "str", "caf\u00e9"),
        ("application/octet-stream", b"\x00\xff", "bytes", [0, 255]),
        ("image/png", b"PNG", "bytes", [80, 78, 71]),
    ],
)
def test_binary_data_is_decoded_by_content_type(make_client, content_type, body, expected_type, expected_data):
    headers = binary_headers()
    headers["Content-Type"] = content_type
    response = make_client("cloudevents", "handler.describe").post("/", data=body, headers=headers)
    assert response.status_code == 200
    described = parse_reply(response).get_data()
    assert described["type"] == expected_type
    assert described["data"] == expected_data
    assert described["attributes"]["datacontenttype"] == content_type


def test_structured_data_base64_becomes_bytes(make_client):
    event = structured(datacontenttype="application/octet-stream", data_base64=base64.b64encode(b"\x01\x02").decode())
    response = make_client("cloudevents", "handler.describe").post("/", data=json.dumps(event), content_type=STRUCTURED)
    described = parse_reply(response).get_data()
    assert described["type"] == "bytes"
    assert described["data"] == [1, 2]


def test_binary_without_content_type_reads_json_or_keeps_bytes(make_client):
    client = make_client("cloudevents", "handler.describe")
    as_json = parse_reply(client.post("/", data=b'{"k": 1}', headers=binary_headers())).get_data()
    as_bytes = parse_reply(client.post("/", data=b"\x00not json", headers=binary_headers())).get_data()
    assert (as_json["type"], as_json["data"]) == ("dict", {"k": 1})
    assert (as_bytes["type"], as_bytes["data"]) == ("bytes", list(b"\x00not json"))


def test_attributes_include_extensions_and_time_as_text(make_client):
    headers = binary_headers(traceparent="00-abc-def-01", time="2024-05-01T10:00:00Z")
    described = parse_reply(make_client("cloudevents", "handler.describe").post("/", json={}, headers=headers)).get_data()
    attributes = described["attributes"]
    assert attributes["traceparent"] == "00-abc-def-01"
    assert attributes["time"] == "2024-05-01T10:00:00Z"
    assert attributes["specversion"] == "1.0"
    assert attributes["id"] == "req-1"


def test_spec_0_3_binary_and_structured_reply_in_0_3(make_client):
    client = make_client("cloudevents", "handler.data_only")
    headers = binary_headers(specversion="0.3")
    binary_reply = client.post("/", json={"v": 3}, headers=headers)
    assert binary_reply.status_code == 200
    assert binary_reply.headers["ce-specversion"] == "0.3"
    # 0.3 base64 data of a text type reads as text, as it would in binary mode.
    event = structured(specversion="0.3", datacontentencoding="base64", datacontenttype="text/plain", data=base64.b64encode(b"old").decode())
    structured_reply = client.post("/", data=json.dumps(event), content_type=STRUCTURED)
    assert structured_reply.status_code == 200
    reply = parse_reply(structured_reply)
    assert reply.get_specversion() == "0.3"
    assert reply.get_data() == {"echo": "old"}


def test_reply_data_that_is_not_json_is_a_500_explained_in_the_log(make_client, capfd):
    event = structured(datacontenttype="application/octet-stream", data_base64=base64.b64encode(b"raw").decode())
    response = make_client("cloudevents", "handler.data_only").post("/", data=json.dumps(event), content_type=STRUCTURED)
    assert response.status_code == 500
    assert response.get_json() == {"error": "the function returned a value of type dict, which cannot be sent as a response; see the function's log"}
    assert "function returned reply data of type dict that is not JSON-serialisable" in capfd.readouterr().err


@pytest.mark.parametrize(
    ("handler", "content_type", "data"),
    [
        ("handler.data_only", "application/json", {"echo": {"x": 1}}),
        ("handler.text_only", "text/plain; charset=utf-8", "got {'x': 1}"),
        ("handler.bytes_only", "application/octet-stream", b"\x00raw"),
        ("handler.list_only", "application/json", [1, True, None]),
        ("handler.async_handler", "application/json", {"async": {"x": 1}}),
        ("handler.annotated", "application/json", {"id_seen": "req-1"}),
    ],
)
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_bare_data_gets_a_reply_with_default_attributes(make_client, handler, content_type, data, mode):
    client = make_client("cloudevents", handler)
    if mode == "binary":
        response = client.post("/", json={"x": 1}, headers=binary_headers())
        assert response.headers["Content-Type"] == content_type
    else:
        response = client.post("/", data=json.dumps(structured(data={"x": 1})), content_type=STRUCTURED)
        assert response.headers["Content-Type"] == STRUCTURED
    assert response.status_code == 200
    reply = parse_reply(response)
    assert_fresh(reply)
    assert reply.get_source() == f"kn-fn/{handler}"
    assert reply.get_type() == "dev.kn-fn.function.response"
    assert reply.get_datacontenttype() == content_type
    if isinstance(data, bytes) and mode == "binary":
        assert response.data == data  # the SDK reads undeclared bytes back as text
    else:
        assert reply.get_data() == data


def test_configured_default_source_and_type(make_client):
    client = make_client("cloudevents", "handler.data_only", reply_source="/my/fn", reply_type="com.example.done")
    reply = parse_reply(client.post("/", json={}, headers=binary_headers()))
    assert (reply.get_source(), reply.get_type()) == ("/my/fn", "com.example.done")


def test_returning_the_incoming_event_gets_a_fresh_id_and_time(make_client):
    headers = binary_headers(time="2020-01-01T00:00:00Z")
    reply = parse_reply(make_client("cloudevents", "handler.whole_event").post("/", json={"k": "v"}, headers=headers))
    assert_fresh(reply)
    assert reply.get_type() == "com.example.test"
    assert reply.get_data() == {"k": "v"}


def test_a_new_event_keeps_its_own_id(make_client):
    reply = parse_reply(make_client("cloudevents", "handler.new_event").post("/", json={}, headers=binary_headers()))
    assert reply.get_id() == "reply-1"
    assert (reply.get_source(), reply.get_type()) == ("/made", "made.by.function")
    assert reply.get_data() == {"n": 1}


def test_empty_attributes_and_no_data_reply_has_no_content_type(make_client):
    response = make_client("cloudevents", "handler.no_reply_attrs").post("/", json={}, headers=binary_headers())
    assert response.status_code == 200
    assert "Content-Type" not in response.headers
    assert response.data == b""
    assert response.headers["ce-type"] == "dev.kn-fn.function.response"


def test_none_is_202_with_empty_body(make_client):
    response = make_client("cloudevents", "handler.returns_none").post("/", json={}, headers=binary_headers())
    assert response.status_code == 202
    assert response.data == b""


def test_batch_runs_per_event_and_replies_with_a_batch(make_client):
    events = [structured(id="a", data={"i": 1}), structured(id="b", specversion="0.3", data={"i": 2})]
    response = make_client("cloudevents", "handler.data_only").post("/", data=json.dumps(events), content_type=BATCH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == BATCH
    replies = json.loads(response.data)
    assert [reply["data"] for reply in replies] == [{"echo": {"i": 1}}, {"echo": {"i": 2}}]
    assert [reply["specversion"] for reply in replies] == ["1.0", "0.3"]
    assert {reply["id"] for reply in replies}.isdisjoint({"a", "b"})


def test_batch_of_no_replies_is_202(make_client):
    events = [structured(id="a"), structured(id="b")]
    response = make_client("cloudevents", "handler.returns_none").post("/", data=json.dumps(events), content_type=BATCH)
    assert response.status_code == 202


NOT_A_CLOUDEVENT = (
    "request is not a CloudEvent: send binary mode (ce-specversion, ce-id, ce-source and "
    "ce-type headers) or structured mode (Content-Type: application/cloudevents+json)"
)


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ({"Content-Type": "application/json"}, b'{"plain": "json"}', NOT_A_CLOUDEVENT),
        ({}, b"", NOT_A_CLOUDEVENT),
        (
            {"ce-specversion": "1.0", "ce-id": "1"},
            b"{}",
            "invalid CloudEvent: missing required attribute(s): source, type",
        ),
        (
            {"ce-id": "1", "ce-source": "/s", "ce-type": "t"},
            b"{}",
            "invalid CloudEvent: missing required attribute(s): specversion",
        ),
        (
            # What granian hands on for a value with bytes outside visible ASCII.
            {**binary_headers(), "ce-source": "", "ce-subject": "", "ce-someext": ""},
            b"{}",
            "invalid CloudEvent: empty header(s) ce-source, ce-subject: these attributes must not be empty (the "
            "server hands on a header value with bytes outside visible ASCII as empty: percent-encode them, as "
            "the CloudEvents HTTP binding says)",
        ),
        (
            {"ce-specversion": "2.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t"},
            b"{}",
            "invalid CloudEvent: unsupported specversion; supported: 1.0, 0.3",
        ),
        (
            {**binary_headers(), "Content-Type": "application/json"},
            b"{broken",
            "invalid CloudEvent: data does not match its datacontenttype (expected JSON)",
        ),
        (
            {**binary_headers(), "Content-Type": "text/plain"},
            b"\xff\xfe\xfa",
            "invalid CloudEvent: data does not match its datacontenttype (expected text in utf-8)",
        ),
        (
            binary_headers(time="yesterday"),
            b"{}",
            "invalid CloudEvent: the time attribute is not an RFC 3339 timestamp",
        ),
        ({"Content-Type": STRUCTURED}, b"{broken", "invalid CloudEvent: the structured CloudEvent is not valid UTF-8 JSON"),
        ({"Content-Type": STRUCTURED}, b"\xff\xfe", "invalid CloudEvent: the structured CloudEvent is not valid UTF-8 JSON"),
        ({"Content-Type": STRUCTURED}, b"[1]", "invalid CloudEvent: a structured CloudEvent must be a JSON object"),
        (
            {"Content-Type": STRUCTURED},
            json.dumps({"specversion": "1.0", "id": "1"}).encode(),
            "invalid CloudEvent: missing required attribute(s): source, type",
        ),
        (
            {"Content-Type": STRUCTURED},
            json.dumps(structured(data_base64="%%%not base64")).encode(),
            "invalid CloudEvent: data_base64 is not valid base64",
        ),
        (
            {"Content-Type": STRUCTURED},
            json.dumps(structured(specversion="0.3", datacontentencoding="base64", data="QUJD!!")).encode(),
            "invalid CloudEvent: data is not valid base64 (datacontentencoding: base64)",
        ),
        (
            {"Content-Type": STRUCTURED},
            json.dumps(structured(id=17)).encode(),
            "invalid CloudEvent: invalid attribute(s): id",
        ),
        ({"Content-Type": BATCH}, b'{"not": "a list"}', "invalid CloudEvent: a CloudEvents batch must be a JSON array of events"),
        ({"Content-Type": BATCH}, b"[1, 2]", "invalid CloudEvent: every event in a CloudEvents batch must be a JSON object"),
        ({"Content-Type": "application/cloudevents+avro"}, b"\x00", NOT_A_CLOUDEVENT),
    ],
)
def test_invalid_cloudevents_are_400_saying_what_is_wrong(make_client, headers, body, error):
    client = make_client("cloudevents")
    response = client.post("/", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    # The app keeps serving valid events after every one of these.
    assert client.post("/", json={}, headers=binary_headers()).status_code == 200


def test_400_never_echoes_the_request(make_client):
    headers = {"ce-specversion": "9.9", "ce-id": "SECRET-ID", "ce-source": "SECRET-SRC", "ce-type": "t", "X-Token": "SECRET"}
    response = make_client("cloudevents").post("/", data=b"SECRET-BODY", headers=headers)
    assert response.status_code == 400
    assert b"SECRET" not in response.data


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_json(make_client, method):
    response = make_client("cloudevents").open("/", method=method)
    assert response.status_code == 405
    assert response.get_json() == {"error": "method not allowed; this function accepts POST"}
    assert "POST" in response.headers["Allow"]


# ---- events are served without Flask's request dispatch (_app._cloudevent_endpoint): what a
# function can do there is what it could do before.


def test_abort_in_a_cloudevent_function_answers_as_flask_does(make_client):
    teapot = make_client("cloudevents", "handler.aborts_teapot").post("/", json={}, headers=binary_headers())
    assert teapot.status_code == 418
    assert b"teapot" in teapot.data
    bad = make_client("cloudevents", "handler.aborts_bad_request").post("/", json={}, headers=binary_headers())
    assert (bad.status_code, bad.get_json()) == (400, {"error": "bad request"})


def test_a_cloudevent_function_has_the_app_context(make_client):
    response = make_client("cloudevents", "handler.replies_with_jsonify").post("/", json={}, headers=binary_headers())
    assert (response.status_code, response.get_json()) == (200, {"answer": "kn_fn_invoker"})


def test_a_cloudevent_function_past_its_timeout_is_504_and_the_next_is_served(make_client):
    client = make_client("cloudevents", "handler.slow", timeout=0.2)
    late = client.post("/", json={"s": 1}, headers=binary_headers())
    assert (late.status_code, late.get_json()) == (504, {"error": "the function did not finish within 0.2 s (TIMEOUT)"})
    assert client.post("/", json={"s": 0}, headers=binary_headers()).status_code == 200


@pytest.mark.parametrize("path", ["/health/ready", "/health/live"])
def test_health_paths_answer_get_and_take_events_by_post(make_client, path):
    # As Flask's routing had it: the health routes take GET and HEAD, a POST is an event.
    client = make_client("cloudevents", "handler.raises")
    assert (client.get(path).status_code, client.get(path).data) == (200, b"OK")
    assert client.post(path, json={}, headers=binary_headers()).status_code == 500  # the function ran


def test_options_gets_flasks_answer(make_client):
    response = make_client("cloudevents").options("/any/path")
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_an_invoker_bug_on_the_event_path_is_500_and_logged(make_client, capfd, monkeypatch):
    from kn_fn_invoker import _cloudevents

    def broken(environ, body):
        raise KeyError("invoker bug")

    client = make_client("cloudevents")
    monkeypatch.setattr(_cloudevents, "read_request", broken)
    response = client.post("/", json={}, headers=binary_headers())
    assert response.status_code == 500
    entries = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert [entry["message"] for entry in entries] == ["internal error in the invoker"]
    assert "KeyError: 'invoker bug'" in entries[0]["traceback"]
    assert client.post("/", json={"n": 1}, headers=binary_headers()).status_code == 500  # still patched
    monkeypatch.undo()
    assert client.post("/", json={"n": 1}, headers=binary_headers()).status_code == 200


def test_raising_function_is_500_and_logged_with_the_event_id(make_client, capfd):
    response = make_client("cloudevents", "handler.raises").post("/", json={"secret": "TOPSECRET"}, headers=binary_headers(id="evt-42"))
    assert response.status_code == 500
    assert response.get_json() == {"error": "the function raised RuntimeError; see the function's log"}
    entries = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert len(entries) == 1
    assert entries[0]["ce_id"] == "evt-42"
    assert entries[0]["message"] == "function raised RuntimeError"
    assert b"TOPSECRET" not in response.data


def test_invalid_reply_attributes_are_a_500_explained_in_the_log(make_client, capfd):
    response = make_client("cloudevents", "handler.bad_reply").post("/", json={}, headers=binary_headers())
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "the function returned reply attributes that are not a valid CloudEvent; see the function's log"
    }
    assert "function returned an invalid reply event" in capfd.readouterr().err


def test_unserialisable_reply_data_is_a_500(make_client):
    response = make_client("cloudevents", "handler.unsupported").post("/", json={}, headers=binary_headers())
    assert response.status_code == 500
    assert "returned a value of type object" in response.get_json()["error"]


def test_body_over_the_limit_is_413(make_client):
    response = make_client("cloudevents", max_body_bytes=100).post("/", data=b"x" * 101, headers=binary_headers())
    assert response.status_code == 413
