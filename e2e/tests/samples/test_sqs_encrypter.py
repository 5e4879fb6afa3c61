"""samples/python/cloudevents/sqs-encrypter against moto's S3 and SQS.

Each event is a real message: sent to a moto queue, received with boto3 and wrapped as the
TriggerMesh AWSSQSSource does. The test decrypts what the function wrote with the key it gave
the function, and checks that the original is gone.
"""

from __future__ import annotations

import json
import os

import pytest
from botocore.exceptions import ClientError
from cryptography.fernet import Fernet

from harness import aws_events, cloudevents
from harness.moto import fresh_name

pytestmark = pytest.mark.moto

REPLY_TYPE = "dev.kn-fn.samples.sqs-encrypter.object.encrypted"
KEY = "exports/customers 2024.csv"
MISSING_KEY_ERROR = (
    "FERNET_KEY is not set: set it to a Fernet key "
    "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
)


@pytest.fixture(scope="module")
def image(build_sample) -> str:
    return build_sample("cloudevents", "sqs-encrypter")


@pytest.fixture
def store(s3, sqs):
    """(incoming bucket, encrypted bucket, queue URL, queue ARN), all fresh."""
    incoming, encrypted, queue = fresh_name("enc-in"), fresh_name("enc-out"), fresh_name("enc")
    s3.create_bucket(Bucket=incoming)
    s3.create_bucket(Bucket=encrypted)
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    return incoming, encrypted, url, aws_events.queue_arn(sqs, url)


def start(functions, image, moto, encrypted: str, **env: str):
    return functions.start(image, env={**moto.env(), "ENCRYPTED_BUCKET": encrypted, **env}, host_loopback=True)


def message_naming(sqs, url: str, bucket: str, key: str) -> dict:
    """Send {"bucket", "key"} to the queue and receive it back, as the event source would."""
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"bucket": bucket, "key": key}))
    return aws_events.receive(sqs, url)


def assert_untouched(s3, bucket: str, key: str, content: bytes) -> None:
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content


def assert_gone(s3, bucket: str, key: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key=key)
    assert missing.value.response["Error"]["Code"] == "404"


@pytest.mark.parametrize("mode, embed_json_body", [("binary", True), ("structured", False)],
                         ids=["binary-triggermesh-body", "structured-string-body"])
def test_encrypts_into_the_second_bucket_and_deletes_the_original(functions, image, moto, s3, sqs, store, mode, embed_json_body):
    incoming, encrypted, url, arn = store
    key = Fernet.generate_key()
    fn = start(functions, image, moto, encrypted, FERNET_KEY=key.decode())
    content = os.urandom(4096) + "naïve café, €5\n".encode()  # binary and text bytes alike
    s3.put_object(Bucket=incoming, Key=KEY, Body=content)
    message = message_naming(sqs, url, incoming, KEY)

    reply, reply_event = cloudevents.send(fn, aws_events.sqs_message_event(message, arn, embed_json_body=embed_json_body), mode)

    assert reply.status == 200, reply.text
    token = s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read()
    assert token != content
    assert Fernet(key).decrypt(token) == content
    assert_gone(s3, incoming, KEY)
    assert reply_event.get_type() == REPLY_TYPE
    assert reply_event.get_subject() == KEY
    assert reply_event.get_data() == {
        "original": {"bucket": incoming, "key": KEY, "size": len(content), "deleted": True},
        "encrypted": {"bucket": encrypted, "key": KEY, "size": len(token), "format": "fernet"},
    }


def test_a_redelivered_message_finds_nothing_to_do(functions, image, moto, s3, sqs, store):
    incoming, encrypted, url, arn = store
    key = Fernet.generate_key()
    fn = start(functions, image, moto, encrypted, FERNET_KEY=key.decode())
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"secret\n")
    event = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)

    first, _ = cloudevents.send(fn, event)
    token = s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read()
    again, again_event = cloudevents.send(fn, event)

    assert (first.status, again.status) == (200, 202), (first.text, again.text)
    assert again_event is None
    assert s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read() == token  # not encrypted twice
    assert "does not exist (already encrypted?): nothing to do" in fn.logs()


def test_a_missing_key_is_a_clear_500_and_the_function_keeps_serving(functions, image, moto, s3, sqs, store):
    incoming, encrypted, url, arn = store
    fn = start(functions, image, moto, encrypted)  # no FERNET_KEY
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"secret\n")
    event = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)

    for _ in range(2):  # the same answer each time: the process survived the first
        reply, reply_event = cloudevents.send(fn, event)
        assert reply.status == 500, reply.text
        assert reply.headers["content-type"] == "application/json"
        assert reply.json() == {"error": MISSING_KEY_ERROR}
        assert reply_event is None
    assert fn.get("/health/ready").status == 200
    assert MISSING_KEY_ERROR in fn.logs()
    assert_untouched(s3, incoming, KEY, b"secret\n")  # the event can be retried once the key is set
    assert s3.list_objects_v2(Bucket=encrypted)["KeyCount"] == 0


def test_an_invalid_key_is_a_clear_500_that_never_shows_the_key(functions, image, moto, s3, sqs, store):
    incoming, encrypted, url, arn = store
    fn = start(functions, image, moto, encrypted, FERNET_KEY="not-a-fernet-key")
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"secret\n")
    event = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)

    reply, _ = cloudevents.send(fn, event)

    assert reply.status == 500, reply.text
    assert reply.json() == {"error": "FERNET_KEY is not a valid Fernet key: it must be 32 bytes in URL-safe base64 "
                                     "(44 characters, as Fernet.generate_key() makes)"}
    assert "not-a-fernet-key" not in reply.text and "not-a-fernet-key" not in fn.logs()
    assert_untouched(s3, incoming, KEY, b"secret\n")


def test_a_malformed_message_is_a_400_and_the_next_good_one_succeeds(functions, image, moto, s3, sqs, store):
    incoming, encrypted, url, arn = store
    key = Fernet.generate_key()
    fn = start(functions, image, moto, encrypted, FERNET_KEY=key.decode())
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"secret\n")

    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"bucket": incoming}))  # no "key"
    reply, _ = cloudevents.send(fn, aws_events.sqs_message_event(aws_events.receive(sqs, url), arn))
    assert reply.status == 400, reply.text
    assert reply.json() == {"error": 'the SQS message body must name the object: {"bucket": "...", "key": "..."}'}

    sqs.send_message(QueueUrl=url, MessageBody="encrypt please")  # not JSON
    reply, _ = cloudevents.send(fn, aws_events.sqs_message_event(aws_events.receive(sqs, url), arn, embed_json_body=False))
    assert reply.status == 400, reply.text
    assert reply.json() == {"error": 'the SQS message body is not JSON: send {"bucket": "...", "key": "..."}'}

    good = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)
    reply, _ = cloudevents.send(fn, good)
    assert reply.status == 200, reply.text
    assert Fernet(key).decrypt(s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read()) == b"secret\n"
    assert_gone(s3, incoming, KEY)


def test_conformance_tool_in_both_modes(functions, image, moto, s3, sqs, store, tmp_path):
    incoming, encrypted, url, arn = store
    key = Fernet.generate_key()
    fn = start(functions, image, moto, encrypted, FERNET_KEY=key.decode())
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"id,name\n1,Ada\n")
    event = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)
    yaml_text = cloudevents.conformance_yaml(event.get_type(), event.get_source(), event.get_data())

    done = cloudevents.conformance_invoke(fn, yaml_text, tmp_path)

    # Binary first: encrypted (200); the structured copy is a redelivery with nothing left to
    # do (202). The tool exits non-zero when a response is not 2xx.
    assert done.returncode == 0, done.stdout
    assert Fernet(key).decrypt(s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read()) == b"id,name\n1,Ada\n"
    assert_gone(s3, incoming, KEY)


def test_javascript_sdk_in_both_modes(functions, image, moto, s3, sqs, store):
    incoming, encrypted, url, arn = store
    key = Fernet.generate_key()
    fn = start(functions, image, moto, encrypted, FERNET_KEY=key.decode())
    s3.put_object(Bucket=incoming, Key=KEY, Body=b"secret")
    event = aws_events.sqs_message_event(message_naming(sqs, url, incoming, KEY), arn)

    results = cloudevents.js_roundtrip(fn, {"type": event.get_type(), "source": event.get_source(), "data": event.get_data()})

    binary, structured = results
    assert (binary["mode"], binary["status"]) == ("binary", 200), binary
    assert "parseError" not in binary, binary["parseError"]
    assert binary["reply"]["type"] == REPLY_TYPE and binary["reply"]["data"]["original"]["deleted"] is True
    # The same message again (structured mode): the original is gone, accepted with no reply.
    assert (structured["mode"], structured["status"], structured["body"]) == ("structured", 202, ""), structured
    assert Fernet(key).decrypt(s3.get_object(Bucket=encrypted, Key=KEY)["Body"].read()) == b"secret"
