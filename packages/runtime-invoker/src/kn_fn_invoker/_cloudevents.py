"""CloudEvent mode: reading events from a request, and encoding the function's reply.

Parsing and encoding are the CloudEvents SDK's (`cloudevents.core`); this module adds what
the SDK leaves to the receiver: deciding the content mode, batches (the SDK has none),
refusing what the spec requires (specversion, id, source, type) before the SDK fills in
defaults, the data rules of the function contract, and the reply rules.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.bindings.common import get_event_factory_for_version
from cloudevents.core.exceptions import BaseCloudEventException, CloudEventValidationError
from cloudevents.core.formats.json import JSONFormat
from dateutil.parser import isoparse
from flask import Response

from . import _messages as messages
from ._event import for_function, rfc3339
from ._http import UnsupportedReturn
from ._signature import Role

STRUCTURED_TYPE = "application/cloudevents+json"
BATCH_TYPE = "application/cloudevents-batch+json"
SPECVERSIONS = ("1.0", "0.3")
REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type")
# The spec's own attributes (1.0 and 0.3), which may not be empty when present; extensions may.
CONTEXT_ATTRIBUTES = REQUIRED_ATTRIBUTES + ("datacontenttype", "dataschema", "subject", "time", "schemaurl", "datacontentencoding")
_SAFE_NAME = re.compile(r"^[a-z0-9]{1,32}$")


class ContentMode(str, enum.Enum):
    BINARY = "binary"
    STRUCTURED = "structured"
    BATCH = "batch"


class InvalidEvent(Exception):
    """The request is not a CloudEvent we can read: a 400 with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    return bool(JSONFormat.JSON_CONTENT_TYPE_PATTERN.match(_media_type(content_type)))


def _charset(content_type: str | None) -> str:
    for parameter in (content_type or "").split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def decode_data(body: bytes, content_type: str | None) -> Any:
    """JSON ⇒ object, text/* ⇒ str, anything else ⇒ bytes (behaviour.md, Parameters)."""
    media = _media_type(content_type)
    if not media:
        # No datacontenttype: JSON when it parses, else the raw bytes (a lenient reading
        # of "implied application/json" that never turns a producer's bytes into a 400).
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return body
    if is_json(media):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidEvent(messages.data_not_decodable("JSON")) from None
    if media.startswith("text/"):
        try:
            return body.decode(_charset(content_type))
        except (UnicodeDecodeError, LookupError):
            raise InvalidEvent(messages.data_not_decodable(f"text in {_charset(content_type)}")) from None
    return body


class _Format(JSONFormat):
    """The SDK's JSON event format with the contract's data rules."""

    def read_data(self, body: bytes, datacontenttype: str | None) -> Any:
        if not body:
            return None
        return decode_data(body, datacontenttype)

    def write_data(self, data: Any, datacontenttype: str | None) -> bytes:
        if data is None or isinstance(data, (bytes, bytearray, str)):
            return super().write_data(data, datacontenttype)
        # The SDK writes lists, numbers and booleans with str(); JSON is what they mean.
        return json.dumps(data).encode("utf-8")


FORMAT = _Format()


@dataclass(frozen=True)
class Incoming:
    mode: ContentMode
    events: list[BaseCloudEvent]


def _check_attributes(attributes: Mapping[str, Any]) -> None:
    missing = [name for name in REQUIRED_ATTRIBUTES if not attributes.get(name)]
    if missing:
        raise InvalidEvent(messages.missing_attributes(missing))
    if attributes["specversion"] not in SPECVERSIONS:
        raise InvalidEvent(messages.unsupported_specversion(SPECVERSIONS))
    time = attributes.get("time")
    if time is not None:
        try:
            isoparse(time)
        except (ValueError, TypeError, OverflowError):
            raise InvalidEvent(messages.BAD_TIME) from None


def _sdk_errors(error: Exception) -> InvalidEvent:
    if isinstance(error, CloudEventValidationError):
        names = [name if _SAFE_NAME.match(name) else "(an extension)" for name in error.errors]
        return InvalidEvent(messages.invalid_attributes(names))
    if isinstance(error, binascii.Error):
        return InvalidEvent(messages.BAD_BASE64)
    return InvalidEvent(messages.invalid_attributes(["(unreadable)"]))


def _check_base64(encoded: Any, message: str) -> None:
    if encoded is None:
        return
    try:
        base64.b64decode(encoded, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise InvalidEvent(message) from None


def _read_structured_object(item: Any, raw: bytes | None = None) -> BaseCloudEvent:
    """`item` is the parsed event; `raw` its JSON text when the request held just this one."""
    if not isinstance(item, dict):
        raise InvalidEvent(messages.STRUCTURED_NOT_OBJECT)
    _check_attributes(item)
    _check_base64(item.get("data_base64"), messages.BAD_BASE64)
    if item.get("specversion") == "0.3" and str(item.get("datacontentencoding", "")).lower() == "base64":
        # 0.3's form of data_base64: the SDK decodes it leniently ('!!' becomes b''), so it is
        # checked as strictly as 1.0's.
        _check_base64(item.get("data"), messages.BAD_BASE64_03)
    try:
        event = FORMAT.read(None, raw if raw is not None else json.dumps(item))
    except (BaseCloudEventException, ValueError, TypeError, OverflowError) as error:
        raise _sdk_errors(error) from None
    data = event.get_data()
    content_type = event.get_datacontenttype()
    if isinstance(data, bytes) and (is_json(content_type) or _media_type(content_type).startswith("text/")):
        # Base64 data of a JSON or text type reads the same as in binary mode.
        event = get_event_factory_for_version(event.get_specversion())(event.get_attributes(), decode_data(data, content_type))
    return event


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidEvent(messages.STRUCTURED_NOT_JSON) from None


def read_request(environ: Mapping[str, Any], body: bytes) -> Incoming:
    """Binary, structured or batch, chosen as the HTTP binding says: Content-Type first.
    `body` is the whole request body (read and checked against the limit by the caller)."""
    # The WSGI environ is read directly: werkzeug's header views cost more than the rest of
    # the parsing on a small event (see bench/invoker).
    content_type = environ.get("CONTENT_TYPE")
    media = _media_type(content_type)
    if media == BATCH_TYPE:
        items = _load_json(body)
        if not isinstance(items, list):
            raise InvalidEvent(messages.BATCH_NOT_A_LIST)
        if not all(isinstance(item, dict) for item in items):
            raise InvalidEvent(messages.BATCH_ITEM_NOT_OBJECT)
        return Incoming(ContentMode.BATCH, [_read_structured_object(item) for item in items])
    if media == STRUCTURED_TYPE:
        return Incoming(ContentMode.STRUCTURED, [_read_structured_object(_load_json(body), body)])
    # CGI names: ce-id arrives as HTTP_CE_ID. Attribute names are lower-case letters and
    # digits only, so the mapping back is exact.
    attributes = {key[8:].lower(): value for key, value in environ.items() if key.startswith("HTTP_CE_")}
    if not attributes or media.startswith("application/cloudevents"):
        raise InvalidEvent(messages.NOT_A_CLOUDEVENT)
    # granian hands on a header value with bytes outside visible ASCII as "" (README, "Known
    # limits of the server"): an empty context attribute says so, whichever way it came.
    empty = [name for name in CONTEXT_ATTRIBUTES if attributes.get(name) == ""]
    if empty:
        raise InvalidEvent(messages.empty_attribute_headers(empty))
    _check_attributes(attributes)
    headers = {f"ce-{name}": value for name, value in attributes.items()}
    if content_type:
        headers["content-type"] = content_type
    try:
        event = ce_http.from_binary(ce_http.HTTPMessage(headers=headers, body=body), FORMAT)
    except InvalidEvent:
        raise
    except (BaseCloudEventException, ValueError, TypeError, OverflowError) as error:
        raise _sdk_errors(error) from None
    return Incoming(ContentMode.BINARY, [event])


def attributes_of(event: BaseCloudEvent) -> dict[str, Any]:
    """Every attribute and extension, as plain JSON values (time as RFC 3339 text)."""
    attributes = dict(event.get_attributes())
    time = attributes.get("time")
    if isinstance(time, datetime):
        attributes["time"] = rfc3339(time)
    return attributes


def value_for(role: Role, event: BaseCloudEvent) -> Any:
    if role is Role.EVENT:
        return for_function(event)
    if role is Role.DATA:
        return event.get_data()
    if role is Role.ATTRIBUTES:
        return attributes_of(event)
    raise AssertionError(f"not a CloudEvent role: {role}")


@dataclass(frozen=True)
class ReplyDefaults:
    source: str
    type: str


def _is_event(value: Any) -> bool:
    return callable(getattr(value, "get_attributes", None)) and callable(getattr(value, "get_data", None))


def _reply_content_type(data: Any, declared: str | None) -> str | None:
    if data is None:
        return declared
    if isinstance(data, (bytes, bytearray)):
        return declared or "application/octet-stream"
    if isinstance(data, str):
        return declared if _media_type(declared).startswith("text/") else "text/plain; charset=utf-8"
    return declared if is_json(declared) else "application/json"


def build_reply(result: Any, incoming: BaseCloudEvent, defaults: ReplyDefaults) -> BaseCloudEvent | None:
    """The reply rules: (attributes, data), a CloudEvent, or bare data; None means no reply."""
    if result is None:
        return None
    if _is_event(result):
        attributes, data = dict(result.get_attributes()), result.get_data()
    elif isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Mapping):
        attributes, data = dict(result[0]), result[1]
    else:
        attributes, data = {}, result
    if isinstance(data, bytearray):
        data = bytes(data)
    if not (data is None or isinstance(data, (str, bytes))):
        try:
            json.dumps(data)
        except (TypeError, ValueError):
            raise UnsupportedReturn(data, messages.unserialisable_reply_log(type(data).__name__)) from None
    # The SDK derives these from the data it is given; copies from the request are stale.
    for stale in ("datacontentencoding", "data_base64", "data"):
        attributes.pop(stale, None)
    specversion = attributes.get("specversion") or incoming.get_specversion()
    attributes["specversion"] = specversion if specversion in SPECVERSIONS else incoming.get_specversion()
    if not attributes.get("id") or attributes.get("id") == incoming.get_id():
        attributes["id"] = str(uuid.uuid4())
    attributes["time"] = datetime.now(timezone.utc)
    attributes["source"] = attributes.get("source") or defaults.source
    attributes["type"] = attributes.get("type") or defaults.type
    content_type = _reply_content_type(data, attributes.get("datacontenttype"))
    if content_type is None:
        attributes.pop("datacontenttype", None)
    else:
        attributes["datacontenttype"] = content_type
    factory = get_event_factory_for_version(attributes["specversion"])
    try:
        return factory(attributes, data)
    except (BaseCloudEventException, ValueError, TypeError) as error:
        raise InvalidReply(str(error)) from None


class InvalidReply(Exception):
    """The function's reply attributes break the spec (a function bug: 500, logged)."""


def encode_replies(mode: ContentMode, replies: list[BaseCloudEvent]) -> Response:
    if mode is ContentMode.BATCH:
        body = b"[" + b",".join(FORMAT.write(reply) for reply in replies) + b"]"
        return Response(body, status=200, content_type=BATCH_TYPE)
    reply = replies[0]
    message = ce_http.to_structured(reply, FORMAT) if mode is ContentMode.STRUCTURED else ce_http.to_binary(reply, FORMAT)
    response = Response(message.body, status=200)
    if "content-type" not in message.headers:
        # A reply without data has no datacontenttype; werkzeug's text/html default would
        # turn into one on the receiving side.
        del response.headers["Content-Type"]
    for name, value in message.headers.items():
        response.headers[name] = value
    return response
