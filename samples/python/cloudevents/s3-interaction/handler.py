"""On an S3 ObjectRemoved event, writes an empty placeholder at the deleted key, tagged STATE=DELETED.

The event is what a Knative AWS S3 source sends (TriggerMesh AWSS3Source: one CloudEvent per
record, type com.amazon.s3.objectremoved, data the S3 event record); the whole notification
({"Records": [...]}) works too. Records of other event names are ignored; when nothing was
written the function answers 202 with no reply. Otherwise the reply event (a new type, so a
Trigger on the S3 types never delivers it back here) lists the placeholders.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

REPLY_TYPE = "dev.kn-fn.samples.s3-interaction.placeholder.written"
REPLY_SOURCE = "kn-fn/samples/s3-interaction"
TAG_KEY, TAG_VALUE = "STATE", "DELETED"

log = logging.getLogger(__name__)
_client = None
_client_lock = threading.Lock()


def handler(data: Any):
    written = []
    for record in s3_records(data):
        if not str(record.get("eventName", "")).startswith("ObjectRemoved:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        # S3 URL-encodes keys in event records (a space arrives as "+").
        key = unquote_plus(record["s3"]["object"]["key"])
        if write_placeholder(bucket, key):
            written.append({"bucket": bucket, "key": key, "tags": {TAG_KEY: TAG_VALUE}, "eventName": record["eventName"]})
    if not written:
        return None
    return {"type": REPLY_TYPE, "source": REPLY_SOURCE}, {"placeholders": written}


def s3_records(data: Any) -> list[dict]:
    """The S3 event records in the event's data: one record, or a notification with several."""
    if isinstance(data, dict) and isinstance(data.get("Records"), list):
        return [r for r in data["Records"] if isinstance(r, dict) and "s3" in r]
    if isinstance(data, dict) and "s3" in data:
        return [data]
    log.warning("ignored an event whose data is not an S3 event record")
    return []


def write_placeholder(bucket: str, key: str) -> bool:
    """Writes the placeholder unless an object is at the key; True when the placeholder is there.

    The write is conditional (If-None-Match: *): an object uploaded again after the delete is
    never overwritten. A placeholder already there (the same event delivered twice) counts as
    written, so a redelivery gets the same reply.
    """
    s3 = s3_client()
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"", IfNoneMatch="*", Tagging=f"{TAG_KEY}={TAG_VALUE}")
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "PreconditionFailed":
            raise
    tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    if {"Key": TAG_KEY, "Value": TAG_VALUE} in tags:
        return True
    log.warning("s3://%s/%s exists again since it was deleted: left as it is", bucket, key)
    return False


def s3_client():
    """One client per process, made at the first event (not at import: the build imports this
    module without AWS settings). boto3 reads AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and the
    credentials from the environment; clients are thread-safe, sessions are not, hence the lock."""
    global _client
    with _client_lock:
        if _client is None:
            _client = boto3.session.Session().client("s3")
        return _client
