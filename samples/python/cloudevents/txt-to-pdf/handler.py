"""On an S3 ObjectCreated event for a .txt object, writes a PDF of its text next to it.

The event is what a Knative AWS S3 source sends (TriggerMesh AWSS3Source: one CloudEvent per
record, type com.amazon.s3.objectcreated, data the S3 event record); the whole notification
({"Records": [...]}) works too. notes/todo.txt becomes notes/todo.pdf in the same bucket.
Only keys ending in .txt are converted, so the PDFs this function writes (which make S3 send
ObjectCreated events of their own) are ignored: no loop. Nothing converted: 202, no reply.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import unquote_plus

import boto3
from fpdf import FPDF

REPLY_TYPE = "dev.kn-fn.samples.txt-to-pdf.pdf.written"
REPLY_SOURCE = "kn-fn/samples/txt-to-pdf"
# PDF core fonts need no font file; they cover Windows-1252 (Latin-1 plus € and curly quotes).
# Other characters print as "?": to keep them, add a TTF font (FPDF.add_font) to the function.
FONT_ENCODING = "windows-1252"
FONT, FONT_SIZE, LINE_HEIGHT = "Courier", 10, 5  # monospaced, like the text file
# Control characters other than newline and tab have no glyph.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

log = logging.getLogger(__name__)
_client = None
_client_lock = threading.Lock()


def handler(data: Any):
    written = []
    for record in s3_records(data):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        # S3 URL-encodes keys in event records (a space arrives as "+").
        key = unquote_plus(record["s3"]["object"]["key"])
        if not key.lower().endswith(".txt"):
            continue
        written.append(convert(bucket, key))
    if not written:
        return None
    return {"type": REPLY_TYPE, "source": REPLY_SOURCE}, {"pdfs": written}


def s3_records(data: Any) -> list[dict]:
    """The S3 event records in the event's data: one record, or a notification with several."""
    if isinstance(data, dict) and isinstance(data.get("Records"), list):
        return [r for r in data["Records"] if isinstance(r, dict) and "s3" in r]
    if isinstance(data, dict) and "s3" in data:
        return [data]
    log.warning("ignored an event whose data is not an S3 event record")
    return []


def convert(bucket: str, key: str) -> dict:
    s3 = s3_client()
    raw = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    pdf_key = key[: -len(".txt")] + ".pdf"
    pdf, pages = render_pdf(raw.decode("utf-8-sig", errors="replace"), title=key.rsplit("/", 1)[-1])
    s3.put_object(Bucket=bucket, Key=pdf_key, Body=pdf, ContentType="application/pdf")
    return {"bucket": bucket, "key": pdf_key, "from": key, "pages": pages, "size": len(pdf)}


def render_pdf(text: str, title: str) -> tuple[bytes, int]:
    """The text on A4 pages, lines wrapped at the margin; returns the PDF and its page count."""
    text = CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).expandtabs(8)
    text = text.encode(FONT_ENCODING, errors="replace").decode(FONT_ENCODING)
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = FONT_ENCODING
    pdf.set_title(title)
    pdf.set_creator("kn-fn sample txt-to-pdf")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, size=FONT_SIZE)
    pdf.multi_cell(0, LINE_HEIGHT, text)
    return bytes(pdf.output()), pdf.pages_count


def s3_client():
    """One client per process, made at the first event (not at import: the build imports this
    module without AWS settings). boto3 reads AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and the
    credentials from the environment; clients are thread-safe, sessions are not, hence the lock."""
    global _client
    with _client_lock:
        if _client is None:
            _client = boto3.session.Session().client("s3")
        return _client
