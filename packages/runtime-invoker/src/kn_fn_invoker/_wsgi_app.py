"""A WSGI application object as the target (`PYTHON_HANDLER=main.app`: Flask, Bottle, a raw
`(environ, start_response)` callable), served inside the runtime's promises; and the log
lines an application's failure gets, shared with the ASGI side (_asgi.py)."""

from __future__ import annotations

import traceback
from typing import Any, Callable

from flask import Flask, Response

from . import _messages as messages
from ._app import HEALTH_PATHS, FunctionTimedOut, Loaded, _error, call_with_deadline, log, read_body
from ._settings import Settings


def log_raised(handler: str, error: BaseException, started_response: bool) -> None:
    """One line with the traceback for an exception that escaped the application; after
    it began its response, the line says the connection was cut."""
    fields = {"handler": handler, "traceback": "".join(traceback.format_exception(error))}
    name = type(error).__name__
    message = messages.app_failed_after_start(name) if started_response else f"{messages.APP_RAISED_LOG} {name}"
    log.error(message, extra={"fields": fields})


def log_timed_out(handler: str, timeout: float) -> None:
    log.error(messages.APP_TIMED_OUT_LOG, extra={"fields": {"handler": handler, "timeout_s": timeout}})


def serve_wsgi_app(app: Flask, loaded: Loaded, settings: Settings) -> Callable[..., Any]:
    """A WSGI application object (`PYTHON_HANDLER=main.app`), served as it is, inside what the
    runtime promises every function: its health paths (GET and HEAD, decided by the hooks;
    other methods there are the app's), the body limit, TIMEOUT, and one log line for an
    exception that escapes the app. What the app catches itself (Flask's 500 page and its
    logger) stays the app's."""
    user_app = loaded.function
    health = app.wsgi_app  # the invoker's Flask app: only its health routes are reached
    handler = loaded.target.handler

    def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started: list[bool] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            return user_app(environ, start)
        except Exception as error:  # noqa: BLE001 - escaped the app: 500, one log line
            return _app_failed(handler, error, environ, start_response, bool(started))

    def endpoint(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") in HEALTH_PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return health(environ, start_response)
        body = read_body(environ, settings.max_body_bytes)
        if isinstance(body, Response):
            return body(environ, start_response)
        if not settings.timeout:
            return call(environ, start_response)
        return _with_deadline(call, environ, start_response, settings.timeout, handler)

    return endpoint


def _app_failed(handler: str, error: BaseException, environ: dict[str, Any], start_response: Callable[..., Any],
                started: bool) -> Any:
    log_raised(handler, error, started_response=False)
    response = _error(500, messages.app_raised(type(error).__name__))
    if started:
        # PEP 3333: start_response again, with the exception, re-raises it once the headers
        # are sent; before that it replaces them.
        start_response(response.status, list(response.headers.items()), (type(error), error, error.__traceback__))
        return [response.get_data()]
    return response(environ, start_response)


def _with_deadline(call: Callable[..., Any], environ: dict[str, Any], start_response: Callable[..., Any],
                   timeout: float, handler: str) -> Any:
    """The app called in a thread and its whole response collected there, so TIMEOUT covers
    the body too; past the deadline, 504. The cost: with TIMEOUT set, a streamed response is
    sent when complete."""
    started: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started["status"] = (status, headers)
        return started.setdefault("written", []).append  # PEP 3333's write()

    def collect() -> list[bytes]:
        iterable = call(environ, start)
        try:
            return started.get("written", []) + list(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    try:
        body = call_with_deadline(collect, timeout, "kn-fn-app")
    except FunctionTimedOut:
        log_timed_out(handler, timeout)
        return _error(504, messages.function_timed_out(timeout))(environ, start_response)
    except Exception as error:  # noqa: BLE001 - raised while the body was collected
        return _app_failed(handler, error, environ, start_response, False)
    start_response(*started["status"])
    return body
