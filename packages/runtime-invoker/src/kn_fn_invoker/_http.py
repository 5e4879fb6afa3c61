"""HTTP mode: the values a function asks for, and its return value as a response."""

from __future__ import annotations

import json
from typing import Any

from flask import Request, Response
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _messages as messages
from ._signature import Role


class UnsupportedReturn(Exception):
    """The function returned something that cannot be sent (a function bug: 500, logged)."""

    def __init__(self, value: Any, log_message: str | None = None) -> None:
        self.type_name = type(value).__name__
        self.log_message = log_message or messages.unsupported_return_log(self.type_name)
        super().__init__(self.log_message)


def value_for(role: Role, request: Request) -> Any:
    if role is Role.REQUEST:
        return request
    if role is Role.BODY:
        return request.get_data()
    if role is Role.HEADERS:
        return request.headers
    raise AssertionError(f"not an HTTP role: {role}")


def _body(value: Any) -> Response:
    if isinstance(value, str):
        return Response(value, status=200, content_type="text/plain; charset=utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Response(bytes(value), status=200, content_type="application/octet-stream")
    if isinstance(value, (dict, list)):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            raise UnsupportedReturn(value) from None
        return Response(text, status=200, content_type="application/json")
    if value is None:
        return Response(b"", status=200)
    raise UnsupportedReturn(value)


def to_response(result: Any) -> WerkzeugResponse:
    """The behaviour table: str, bytes, dict/list, tuples, a Response, None."""
    if isinstance(result, WerkzeugResponse):
        return result
    if result is None:
        return Response(status=204)
    if isinstance(result, tuple) and len(result) in (2, 3) and isinstance(result[1], int) and not isinstance(result[1], bool):
        if isinstance(result[0], WerkzeugResponse):
            response = result[0]
        else:
            response = _body(result[0])
        response.status_code = result[1]
        if len(result) == 3:
            headers = result[2]
            items = headers.items() if hasattr(headers, "items") else headers
            try:
                for name, value in items:
                    response.headers[name] = value
            except (TypeError, ValueError):
                raise UnsupportedReturn(result) from None
        return response
    return _body(result)
