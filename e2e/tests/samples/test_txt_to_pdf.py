"""samples/python/cloudevents/txt-to-pdf against moto's S3.

The bucket notifies a moto queue of every object created; the test uploads a .txt, receives
the real notification, sends it as the TriggerMesh AWSS3Source would, and reads the PDF back
with pypdf. The PDF's own creation event is then sent as well, to show that it ends there.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from harness import aws_events, cloudevents
from harness.moto import fresh_name

pytestmark = pytest.mark.moto

REPLY_TYPE = "dev.kn-fn.samples.txt-to-pdf.pdf.written"
TXT_KEY, PDF_KEY = "notes/meeting notes.txt", "notes/meeting notes.pdf"
# Windows-1252 text (accents, curly quotes, €), a tab, CRLF line ends and a line longer than
# the page is wide, so that wrapping happens.
TEXT = (
    "Meeting notes\r\n"
    "Attendees:\tAda, Grace, José\r\n"
    "Budget: €1200 for the “kick-off” café\r\n"
    + "The quarterly figures were reviewed line by line and everyone agreed to publish them next week. " * 3
    + "\r\nEnd of notes\r\n"
)


@pytest.fixture(scope="module")
def image(build_sample) -> str:
    return build_sample("cloudevents", "txt-to-pdf")


@pytest.fixture
def fn(functions, image, moto):
    return functions.start(image, env=moto.env(), host_loopback=True)


@pytest.fixture
def bucket(s3, sqs):
    """A bucket that notifies a queue of every object created: (bucket, queue URL)."""
    name = fresh_name("txt2pdf")
    s3.create_bucket(Bucket=name)
    url, _ = aws_events.notify_queue(s3, sqs, name, name, ["s3:ObjectCreated:*"])
    return name, url


def upload_and_receive(s3, sqs, bucket: str, url: str, key: str, body: bytes) -> dict:
    """Upload an object and return the ObjectCreated record S3 sent for it."""
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    record = aws_events.receive_s3_notification(sqs, url)["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["s3"]["object"]["size"] == len(body), record
    return record


def words(text: str) -> str:
    """The text with all whitespace runs made one space: wrapping and tabs move whitespace around."""
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def keys(s3, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_a_txt_becomes_a_pdf_with_its_text(fn, s3, sqs, bucket, mode):
    name, url = bucket
    record = upload_and_receive(s3, sqs, name, url, TXT_KEY, TEXT.encode("utf-8"))

    reply, reply_event = cloudevents.send(fn, aws_events.s3_record_event(record), mode)

    assert reply.status == 200, reply.text
    pdf = s3.get_object(Bucket=name, Key=PDF_KEY)
    body = pdf["Body"].read()
    assert body.startswith(b"%PDF-") and pdf["ContentType"] == "application/pdf"
    assert words(TEXT) in words(pdf_text(body))
    assert reply_event.get_type() == REPLY_TYPE
    pages = len(PdfReader(io.BytesIO(body)).pages)
    written = {"bucket": name, "key": PDF_KEY, "from": TXT_KEY, "pages": pages, "size": len(body)}
    assert reply_event.get_data() == {"pdfs": [written]}


def test_the_pdfs_own_event_is_ignored_so_there_is_no_loop(fn, s3, sqs, bucket):
    name, url = bucket
    record = upload_and_receive(s3, sqs, name, url, TXT_KEY, TEXT.encode("utf-8"))
    assert cloudevents.send(fn, aws_events.s3_record_event(record))[0].status == 200

    # The function's upload made S3 notify the creation of the .pdf, as it would in AWS.
    pdf_record = aws_events.receive_s3_notification(sqs, url)["Records"][0]
    assert pdf_record["eventName"] == "ObjectCreated:Put"
    reply, reply_event = cloudevents.send(fn, aws_events.s3_record_event(pdf_record))

    assert reply.status == 202 and reply.body == b"" and reply_event is None, reply.text
    assert keys(s3, name) == [PDF_KEY, TXT_KEY]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages") is None  # nothing more written


def test_other_keys_are_ignored(fn, s3, sqs, bucket):
    name, url = bucket
    record = upload_and_receive(s3, sqs, name, url, "images/logo.png", b"\x89PNG\r\n\x1a\n")

    reply, reply_event = cloudevents.send(fn, aws_events.s3_record_event(record))

    assert reply.status == 202 and reply_event is None, reply.text
    assert keys(s3, name) == ["images/logo.png"]


def test_a_whole_notification_and_characters_without_a_glyph(fn, s3, sqs, bucket):
    name, url = bucket
    text = "Arrows → and kanji 日本 have no glyph in the PDF core fonts.\nThe rest stays.\n"
    notification = {"Records": [upload_and_receive(s3, sqs, name, url, "UPPER.TXT", text.encode("utf-8"))]}

    reply, reply_event = cloudevents.send(fn, aws_events.s3_notification_event(notification), "structured")

    assert reply.status == 200, reply.text
    assert reply_event.get_data()["pdfs"][0]["key"] == "UPPER.pdf"
    extracted = words(pdf_text(s3.get_object(Bucket=name, Key="UPPER.pdf")["Body"].read()))
    # Each character outside Windows-1252 prints as "?" (documented in the README).
    assert extracted == words(re.sub(r"[→日本]", "?", text))


def test_conformance_tool_in_both_modes(fn, s3, sqs, bucket, tmp_path):
    name, url = bucket
    record = upload_and_receive(s3, sqs, name, url, TXT_KEY, TEXT.encode("utf-8"))
    yaml_text = cloudevents.conformance_yaml(aws_events.s3_type(record["eventName"]), record["s3"]["bucket"]["arn"], record)

    done = cloudevents.conformance_invoke(fn, yaml_text, tmp_path)

    # The tool exits non-zero when a response is not 2xx; the second delivery rewrites the PDF.
    assert done.returncode == 0, done.stdout
    assert words(TEXT) in words(pdf_text(s3.get_object(Bucket=name, Key=PDF_KEY)["Body"].read()))


def test_javascript_sdk_in_both_modes(fn, s3, sqs, bucket):
    name, url = bucket
    record = upload_and_receive(s3, sqs, name, url, TXT_KEY, TEXT.encode("utf-8"))
    attributes = {"type": aws_events.s3_type(record["eventName"]), "source": record["s3"]["bucket"]["arn"],
                  "subject": record["s3"]["object"]["key"], "data": record}

    results = cloudevents.js_roundtrip(fn, attributes)

    assert [r["mode"] for r in results] == ["binary", "structured"]
    for result in results:
        assert result["status"] == 200, result
        assert "parseError" not in result, result["parseError"]
        assert result["reply"]["type"] == REPLY_TYPE
        assert result["reply"]["data"]["pdfs"][0]["key"] == PDF_KEY
    assert keys(s3, name) == sorted([TXT_KEY, PDF_KEY])
