"""samples/python/cloudevents/s3-interaction against moto's S3.

The events are real: a moto bucket sends its S3 event notifications to a moto queue, the test
receives them with boto3 and wraps each record as the TriggerMesh AWSS3Source does. The
effect is checked in the store.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest

from harness import aws_events, cloudevents
from harness.moto import fresh_name

pytestmark = pytest.mark.moto

REPLY_TYPE = "dev.kn-fn.samples.s3-interaction.placeholder.written"
# Spaces and parentheses: S3 URL-encodes keys in event records ("+" for a space).
KEY = "reports/2024 Q1 (final).csv"


@pytest.fixture(scope="module")
def image(build_sample) -> str:
    return build_sample("cloudevents", "s3-interaction")


@pytest.fixture
def fn(functions, image, moto):
    return functions.start(image, env=moto.env(), host_loopback=True)


@pytest.fixture
def bucket(s3, sqs):
    """A bucket that notifies a queue of every removal and creation: (bucket, queue URL, the s3:TestEvent)."""
    name = fresh_name("s3i")
    s3.create_bucket(Bucket=name)
    url, test_event = aws_events.notify_queue(s3, sqs, name, name, ["s3:ObjectRemoved:*", "s3:ObjectCreated:*"])
    return name, url, test_event


def delete_and_receive(s3, sqs, bucket: str, url: str, key: str) -> dict:
    """Put an object, delete it, and return the ObjectRemoved record S3 sent for the delete."""
    s3.put_object(Bucket=bucket, Key=key, Body=b"q1 numbers\n")
    created = aws_events.receive_s3_notification(sqs, url)["Records"][0]
    assert created["eventName"] == "ObjectCreated:Put", created
    s3.delete_object(Bucket=bucket, Key=key)
    removed = aws_events.receive_s3_notification(sqs, url)["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete", removed
    return removed


def assert_placeholder(s3, bucket: str, key: str) -> None:
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == 0
    tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "STATE", "Value": "DELETED"}]


def assert_reply(reply_event, bucket: str, key: str) -> None:
    assert reply_event is not None
    assert reply_event.get_type() == REPLY_TYPE
    assert reply_event.get_data() == {
        "placeholders": [{"bucket": bucket, "key": key, "tags": {"STATE": "DELETED"}, "eventName": "ObjectRemoved:Delete"}],
    }


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_object_removed_writes_a_tagged_placeholder_and_replies(fn, s3, sqs, bucket, mode):
    name, url, _ = bucket
    record = delete_and_receive(s3, sqs, name, url, KEY)
    # URL-encoded, as S3 sends it (AWS keeps "/", moto encodes it too: the sample decodes both).
    assert record["s3"]["object"]["key"] != KEY and unquote_plus(record["s3"]["object"]["key"]) == KEY

    reply, reply_event = cloudevents.send(fn, aws_events.s3_record_event(record), mode)

    assert reply.status == 200, reply.text
    assert_reply(reply_event, name, KEY)
    assert_placeholder(s3, name, KEY)
    # The placeholder is a new object: S3 notifies its creation, which a Trigger on
    # com.amazon.s3.objectremoved does not deliver here.
    written = aws_events.receive_s3_notification(sqs, url)["Records"][0]
    assert written["eventName"] == "ObjectCreated:Put"
    assert written["s3"]["object"]["size"] == 0


def test_a_whole_notification_works_too(fn, s3, sqs, bucket):
    name, url, _ = bucket
    notification = {"Records": [delete_and_receive(s3, sqs, name, url, KEY)]}

    reply, reply_event = cloudevents.send(fn, aws_events.s3_notification_event(notification), "structured")

    assert reply.status == 200, reply.text
    assert_reply(reply_event, name, KEY)
    assert_placeholder(s3, name, KEY)


def test_other_events_are_ignored(fn, s3, sqs, bucket):
    name, url, test_event = bucket
    s3.put_object(Bucket=name, Key=KEY, Body=b"kept as it is\n")
    created = aws_events.receive_s3_notification(sqs, url)["Records"][0]

    for event in (aws_events.s3_record_event(created), aws_events.s3_test_event(test_event)):
        reply, reply_event = cloudevents.send(fn, event, "binary")
        assert reply.status == 202, (event.get_type(), reply.text)
        assert reply.body == b"" and reply_event is None

    assert s3.get_object(Bucket=name, Key=KEY)["Body"].read() == b"kept as it is\n"
    assert s3.get_object_tagging(Bucket=name, Key=KEY)["TagSet"] == []
    assert "ignored an event whose data is not an S3 event record" in fn.logs()  # the s3:TestEvent


def test_an_object_uploaded_again_after_the_delete_is_not_overwritten(fn, s3, sqs, bucket):
    name, url, _ = bucket
    record = delete_and_receive(s3, sqs, name, url, KEY)
    s3.put_object(Bucket=name, Key=KEY, Body=b"new upload\n")  # before the event arrives

    reply, reply_event = cloudevents.send(fn, aws_events.s3_record_event(record), "binary")

    assert reply.status == 202, reply.text
    assert reply_event is None
    assert s3.get_object(Bucket=name, Key=KEY)["Body"].read() == b"new upload\n"
    assert s3.get_object_tagging(Bucket=name, Key=KEY)["TagSet"] == []
    assert "exists again since it was deleted" in fn.logs()


def test_a_redelivered_event_gets_the_same_reply(fn, s3, sqs, bucket):
    name, url, _ = bucket
    event = aws_events.s3_record_event(delete_and_receive(s3, sqs, name, url, KEY))
    first, first_event = cloudevents.send(fn, event, "binary")
    again, again_event = cloudevents.send(fn, event, "binary")
    assert (first.status, again.status) == (200, 200), (first.text, again.text)
    assert first_event.get_data() == again_event.get_data()
    assert_placeholder(s3, name, KEY)


def test_conformance_tool_in_both_modes(fn, s3, sqs, bucket, tmp_path):
    name, url, _ = bucket
    record = delete_and_receive(s3, sqs, name, url, KEY)
    yaml_text = cloudevents.conformance_yaml(aws_events.s3_type(record["eventName"]), record["s3"]["bucket"]["arn"], record)

    done = cloudevents.conformance_invoke(fn, yaml_text, tmp_path)

    # The tool exits non-zero when a response is not 2xx.
    assert done.returncode == 0, done.stdout
    assert_placeholder(s3, name, KEY)


def test_javascript_sdk_in_both_modes(fn, s3, sqs, bucket):
    name, url, _ = bucket
    record = delete_and_receive(s3, sqs, name, url, KEY)
    attributes = {"type": aws_events.s3_type(record["eventName"]), "source": record["s3"]["bucket"]["arn"],
                  "subject": record["s3"]["object"]["key"], "data": record}

    results = cloudevents.js_roundtrip(fn, attributes)

    assert [r["mode"] for r in results] == ["binary", "structured"]
    for result in results:
        assert result["status"] == 200, result
        assert "parseError" not in result, result["parseError"]
        assert result["reply"]["type"] == REPLY_TYPE
        assert result["reply"]["data"]["placeholders"][0]["key"] == KEY
    assert_placeholder(s3, name, KEY)
