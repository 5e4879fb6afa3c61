"""The `event` parameter: the classic SDK's access (event["type"], .get, .data, iteration) and
the 2.x getters on one object, in binary, structured and batch mode, 1.0 and 0.3."""

import base64
import json
import uuid

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from cloudevents.core.formats.json import JSONFormat

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
MODES = ["binary", "structured", "batch"]
SPECVERSIONS = ["1.0", "0.3"]
TIME = "2024-05-01T10:00:00Z"

# (datacontenttype, data as sent, what event.data is, as `describe` reports it)
DATA = {
    "json": ("application/json", {"n": 1}, "dict", {"n": 1}),
    "text": ("text/plain; charset=utf-8", "hello", "str", "hello"),
    "bytes": ("application/octet-stream", b"\x00\x01", "bytes", [0, 1]),
}


def _body(data) -> bytes:
    if isinstance(data, bytes):
        return data
    return data.encode() if isinstance(data, str) else json.dumps(data).encode()


def _structured(attributes: dict, data) -> dict:
    event = dict(attributes)
    if isinstance(data, bytes) and attributes["specversion"] == "0.3":
        event.update(datacontentencoding="base64", data=base64.b64encode(data).decode())
    elif isinstance(data, bytes):
        event["data_base64"] = base64.b64encode(data).decode()
    else:
        event["data"] = data
    return event


def send(client, handler_mode, specversion="1.0", kind="json", **extra):
    """POST one event (`kind` of data) in `handler_mode`; the response and its reply events."""
    content_type, data, _, _ = DATA[kind]
    attributes = {"specversion": specversion, "id": "req-1", "source": "/test", "type": "com.example.test",
                  "time": TIME, "datacontenttype": content_type, **extra}
    if handler_mode == "binary":
        headers = {f"ce-{name}": value for name, value in attributes.items() if name != "datacontenttype"}
        response = client.post("/", data=_body(data), headers=headers, content_type=content_type)
    elif handler_mode == "structured":
        response = client.post("/", data=json.dumps(_structured(attributes, data)), content_type=STRUCTURED)
    else:
        response = client.post("/", data=json.dumps([_structured(attributes, data)]), content_type=BATCH)
    return response, replies_of(response)


def replies_of(response) -> list:
    if response.status_code != 200:
        return []
    if response.headers["Content-Type"] == BATCH:
        return [JSONFormat().read(None, json.dumps(item)) for item in json.loads(response.data)]
    return [from_http_event(HTTPMessage(headers=dict(response.headers), body=response.data))]


def the_reply(client, mode, specversion="1.0", kind="json", **extra):
    response, replies = send(client, mode, specversion, kind, **extra)
    assert response.status_code == 200, response.data
    assert len(replies) == 1
    return replies[0]


def assert_fresh_id(reply):
    uuid.UUID(reply.get_id())


@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_classic_access_reads_every_attribute_and_the_data(make_client, mode, specversion, kind):
    client = make_client("classic_event", "handler.describe")
    seen = the_reply(client, mode, specversion, kind, subject="s1", myext="x").get_data()
    _, _, data_kind, data = DATA[kind]
    names = {"specversion", "id", "source", "type", "time", "datacontenttype", "subject", "myext"}
    if specversion == "0.3" and kind == "bytes" and mode != "binary":
        names.add("datacontentencoding")  # 0.3's structured form of base64 data, as sent
    assert seen == {
        "type": "com.example.test",
        "id": "req-1",
        "source": "/test",
        "specversion": specversion,
        "time": TIME,  # text, as the classic SDK gives it
        "subject": "s1",
        "subject_or_default": "s1",
        "names": seen["names"],
        "len": len(names),
        "has_subject": True,
        "has_data": False,  # data is not an attribute: it is `.data`
        "data_kind": data_kind,
        "data": data,
        "get_data_is_data": True,
        "get_type": "com.example.test",
        "get_attributes_type": "com.example.test",
        "is_sdk_event": True,
    }
    assert set(seen["names"]) == names


@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_get_of_an_absent_attribute_is_none_or_the_default(make_client, mode, specversion):
    seen = the_reply(make_client("classic_event", "handler.describe"), mode, specversion).get_data()
    assert (seen["subject"], seen["subject_or_default"], seen["has_subject"]) == (None, "no subject", False)
    assert "subject" not in seen["names"]


def test_indexing_an_absent_attribute_raises_key_error_like_a_dict(make_client, capfd):
    response, _ = send(make_client("classic_event", "handler.missing_attribute"), "binary")
    assert response.status_code == 500
    assert response.get_json() == {"error": "the function raised KeyError; see the function's log"}
    assert '"ce_id": "req-1"' in capfd.readouterr().err


@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_the_event_changed_in_place_is_the_reply(make_client, mode, specversion):
    reply = the_reply(make_client("classic_event", "handler.modified"), mode, specversion, subject="s1", myext="x")
    assert reply.get_specversion() == specversion
    assert (reply.get_type(), reply.get_subject(), reply.get_source()) == ("com.example.modified", "changed", "/test")
    assert reply.get_extension("myext") is None
    assert reply.get_data() == {"was": {"n": 1}}
    assert_fresh_id(reply)


@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_a_changed_copy_is_the_reply_and_the_event_is_unchanged(make_client, mode, specversion):
    reply = the_reply(make_client("classic_event", "handler.modified_copy"), mode, specversion)
    assert reply.get_type() == "com.example.copy"
    assert reply.get_specversion() == specversion
    assert reply.get_data() == {"original_type": "com.example.test", "original_get_type": "com.example.test"}
    assert_fresh_id(reply)


@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_the_event_returned_as_received_is_sent_back_with_a_fresh_id(make_client, mode, specversion, kind):
    reply = the_reply(make_client("classic_event", "handler.as_received"), mode, specversion, kind, subject="s1")
    content_type, data, _, _ = DATA[kind]
    assert_fresh_id(reply)
    assert (reply.get_specversion(), reply.get_type(), reply.get_subject()) == (specversion, "com.example.test", "s1")
    assert reply.get_datacontenttype() == content_type
    if kind == "bytes" and mode == "binary":
        return  # the SDK reads undeclared bytes back as text; the body is checked below
    assert reply.get_data() == data


def test_bytes_returned_as_received_in_binary_mode_are_the_body(make_client):
    response, _ = send(make_client("classic_event", "handler.as_received"), "binary", kind="bytes")
    assert (response.data, response.headers["Content-Type"]) == (b"\x00\x01", "application/octet-stream")


@pytest.mark.parametrize("specversion", SPECVERSIONS)
def test_an_id_the_function_sets_is_kept(make_client, specversion):
    reply = the_reply(make_client("classic_event", "handler.new_id"), "structured", specversion)
    assert reply.get_id() == "reply-7"


@pytest.mark.parametrize("specversion", SPECVERSIONS)
@pytest.mark.parametrize("mode", MODES)
def test_a_classic_sdk_event_made_by_the_function_is_the_reply(make_client, mode, specversion):
    reply = the_reply(make_client("classic_event", "handler.classic_new_event"), mode, specversion)
    assert (reply.get_type(), reply.get_source(), reply.get_specversion()) == ("com.example.classic", "/classic", "1.0")
    assert reply.get_data() == {"seen": "req-1"}
    assert_fresh_id(reply)


def test_time_set_as_text_reads_back_as_text_and_as_a_datetime(make_client):
    seen = the_reply(make_client("classic_event", "handler.time_set_as_text"), "binary").get_data()
    assert seen == {"time": "2020-01-02T03:04:05Z", "get_time": "2020-01-02T03:04:05+00:00"}


def test_a_batch_of_both_specversions_replies_each_in_its_own(make_client):
    events = [
        {"specversion": "1.0", "id": "a", "source": "/test", "type": "t", "myext": "1", "data": {"i": 1}},
        {"specversion": "0.3", "id": "b", "source": "/test", "type": "t", "myext": "2", "data": {"i": 2}},
    ]
    response = make_client("classic_event", "handler.modified").post("/", data=json.dumps(events), content_type=BATCH)
    replies = replies_of(response)
    assert [reply.get_specversion() for reply in replies] == ["1.0", "0.3"]
    assert [reply.get_data() for reply in replies] == [{"was": {"i": 1}}, {"was": {"i": 2}}]
    assert {reply.get_type() for reply in replies} == {"com.example.modified"}


def test_repr_shows_attributes_and_data(make_client):
    seen = the_reply(make_client("classic_event", "handler.shown"), "binary").get_data()
    assert seen.startswith("Event({'attributes': {'specversion': '1.0', 'id': 'req-1'")
    assert seen.endswith("'data': {'n': 1}})")
