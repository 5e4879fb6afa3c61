"""CloudEvents made from real AWS messages the way the Knative AWS event sources make them.

The messages come from moto's real S3 and SQS: a bucket notifies a queue (S3 event
notifications, `{"Records": [...]}`, keys URL-encoded), and the tests receive from the queue
with boto3. The wrapping follows TriggerMesh's sources (pkg/sources/adapter/awssqssource/process.go
in github.com/triggermesh/triggermesh):

- AWSS3Source: one event per record; type `com.amazon.s3.<event name before ":", lower case>`,
  source the bucket ARN, subject the object key (as in the record), data the record;
- AWSSQSSource: type `com.amazon.sqs.message`, source the queue ARN, id the MessageId, data the
  message as ReceiveMessage returns it, with a JSON body embedded as JSON rather than a string.
"""

from __future__ import annotations

import json
from typing import Any

from cloudevents.core.v1.event import CloudEvent

from harness import cloudevents

SQS_MESSAGE_TYPE = "com.amazon.sqs.message"
RECEIVE_WAIT_S = 5  # long polling: moto delivers at once, AWS within a second or two


def s3_type(event_name: str) -> str:
    """The CloudEvent type TriggerMesh gives an S3 event name: ObjectRemoved:Delete -> com.amazon.s3.objectremoved."""
    return "com.amazon.s3." + event_name.split(":", 1)[0].lower()


def s3_record_event(record: dict[str, Any]) -> CloudEvent:
    """One S3 event record as the TriggerMesh AWSS3Source sends it."""
    return cloudevents.event(s3_type(record["eventName"]), record["s3"]["bucket"]["arn"], record,
                             subject=record["s3"]["object"]["key"])


def s3_notification_event(notification: dict[str, Any]) -> CloudEvent:
    """A whole notification ({"Records": [...]}) as data: what a source that forwards the S3
    message body unchanged sends."""
    first = notification["Records"][0]
    return cloudevents.event(s3_type(first["eventName"]), first["s3"]["bucket"]["arn"], notification)


def sqs_message_event(message: dict[str, Any], queue_arn: str, *, embed_json_body: bool = True) -> CloudEvent:
    """A received SQS message as the TriggerMesh AWSSQSSource sends it; embed_json_body=False keeps
    the body a string, exactly as ReceiveMessage returned it."""
    data = dict(message)
    if embed_json_body:
        data["Body"] = json.loads(message["Body"])
    return cloudevents.event(SQS_MESSAGE_TYPE, queue_arn, data, id=message["MessageId"])


def notify_queue(s3, sqs, bucket: str, queue: str, events: list[str]) -> tuple[str, dict[str, Any]]:
    """Create `queue` and make `bucket` send it S3 event notifications for `events`
    (e.g. ["s3:ObjectRemoved:*"]). S3 first sends an s3:TestEvent to the queue; it is received
    here, so the queue holds only the notifications of what the test does next.
    Returns the queue URL and that test event."""
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn(sqs, url), "Events": events}]},
    )
    test_event = receive_s3_notification(sqs, url)
    assert test_event.get("Event") == "s3:TestEvent", test_event
    return url, test_event


def s3_test_event(test_event: dict[str, Any]) -> CloudEvent:
    """The s3:TestEvent as the TriggerMesh AWSS3Source sends it (it has no records)."""
    return cloudevents.event("com.amazon.s3.testevent", "arn:aws:s3:::" + test_event["Bucket"], test_event)


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive(sqs, url: str) -> dict[str, Any]:
    """Receive exactly one message (with its system attributes) and delete it from the queue,
    as a source does after the sink accepted the event."""
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=RECEIVE_WAIT_S,
                                 AttributeNames=["All"], MessageAttributeNames=["All"])
    messages = answer.get("Messages", [])
    assert len(messages) == 1, f"expected one message on {url}, got {len(messages)}: {messages}"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    return messages[0]


def receive_s3_notification(sqs, url: str) -> dict[str, Any]:
    """The next S3 event notification ({"Records": [...]}) that the bucket sent to the queue."""
    return json.loads(receive(sqs, url)["Body"])
