"""On an SQS message naming an S3 object, encrypts the object into a second bucket and deletes it.

The event is what a Knative AWS SQS source sends (TriggerMesh AWSSQSSource: type
com.amazon.sqs.message, data the message as ReceiveMessage returns it). The message body is
JSON naming the object: {"bucket": "uploads", "key": "reports/q1.csv"}.

Steps: download, encrypt with Fernet (key from FERNET_KEY, read at every call), upload to
ENCRYPTED_BUCKET under the same key, delete the original; the reply event describes the result.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

import boto3
from cryptography.fernet import Fernet
from flask import Response  # comes with the invoker in every kn-fn image

REPLY_TYPE = "dev.kn-fn.samples.sqs-encrypter.object.encrypted"
REPLY_SOURCE = "kn-fn/samples/sqs-encrypter"

log = logging.getLogger(__name__)
_client = None
_client_lock = threading.Lock()


class NotConfigured(Exception):
    pass


def handler(data: Any):
    try:
        fernet = fernet_from_environment()
        destination = os.environ.get("ENCRYPTED_BUCKET", "").strip()
        if not destination:
            raise NotConfigured("ENCRYPTED_BUCKET is not set: set it to the bucket that receives the encrypted objects")
    except NotConfigured as error:
        # A 500 makes the event source retry, which is right: the event is fine, the
        # deployment is not. The message names the setting, never its value.
        log.error("%s", error)
        return json_error(500, str(error))

    try:
        bucket, key = object_named_by(data)
    except ValueError as error:
        # A malformed message will never succeed: 400, so it is not retried (a Knative
        # Trigger sends it to its dead-letter sink, if one is set).
        return json_error(400, str(error))

    s3 = s3_client()
    try:
        original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        # The message was delivered again after the object was encrypted and deleted, or it
        # names an object that never existed: either way there is nothing to do.
        log.warning("s3://%s/%s does not exist (already encrypted?): nothing to do", bucket, key)
        return None
    token = fernet.encrypt(original)
    s3.put_object(Bucket=destination, Key=key, Body=token, ContentType="application/octet-stream",
                  Metadata={"encryption": "fernet"})
    # Deleted only after the upload succeeded: a failure before this line leaves the original
    # in place, and the retried event encrypts it again.
    s3.delete_object(Bucket=bucket, Key=key)
    return {"type": REPLY_TYPE, "source": REPLY_SOURCE, "subject": key}, {
        "original": {"bucket": bucket, "key": key, "size": len(original), "deleted": True},
        "encrypted": {"bucket": destination, "key": key, "size": len(token), "format": "fernet"},
    }


def fernet_from_environment() -> Fernet:
    """Read at every call, not at import: the build's import check runs without the key, and a
    missing or broken key fails each event with a clear error instead of stopping the function."""
    key = os.environ.get("FERNET_KEY", "").strip()
    if not key:
        raise NotConfigured(
            "FERNET_KEY is not set: set it to a Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        )
    try:
        return Fernet(key)
    except ValueError:
        raise NotConfigured(
            "FERNET_KEY is not a valid Fernet key: it must be 32 bytes in URL-safe base64 "
            "(44 characters, as Fernet.generate_key() makes)"
        ) from None


def object_named_by(message: Any) -> tuple[str, str]:
    """(bucket, key) from the SQS message's body.

    The body is a JSON string as ReceiveMessage returns it; the TriggerMesh source embeds a
    JSON body as an object instead. Both are accepted.
    """
    body = message.get("Body") if isinstance(message, dict) else None
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise ValueError('the SQS message body is not JSON: send {"bucket": "...", "key": "..."}') from None
    if not isinstance(body, dict):
        raise ValueError(
            'the event is not an SQS message with a JSON body: expected data {"Body": {"bucket": "...", "key": "..."}, ...}'
        )
    bucket, key = body.get("bucket"), body.get("key")
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise ValueError('the SQS message body must name the object: {"bucket": "...", "key": "..."}')
    return bucket, key


def json_error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, content_type="application/json")


def s3_client():
    """One client per process, made at the first event (not at import: the build imports this
    module without AWS settings). boto3 reads AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and the
    credentials from the environment; clients are thread-safe, sessions are not, hence the lock."""
    global _client
    with _client_lock:
        if _client is None:
            _client = boto3.session.Session().client("s3")
        return _client
