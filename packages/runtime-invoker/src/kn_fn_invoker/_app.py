"""create_app: the one seam the server, the CLI and the tests share."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from flask import Flask, Response, copy_current_request_context, current_app, has_request_context, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _hooks as hooks_
from . import _http as http
from . import _messages as messages
from ._settings import Settings, from_environment
from ._signature import App, Mode, Signature, from_function
from ._target import InvokerError, Target, load_function, parse_target, resolve_handler_setting

# Each health path and the lifecycle hook that decides it (_hooks.py).
HEALTH_PATHS = {"/health/live": "alive", "/health/ready": "ready", "/health/liveness": "alive", "/health/readiness": "ready"}
HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CLOUDEVENT_METHODS = ["POST"]

log = logging.getLogger("kn_fn_invoker")


class JsonLines(logging.Formatter):
    """One JSON object per line, so a log collector keeps a traceback in one record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"severity": record.levelname, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry)


class Stderr(logging.Handler):
    """Writes to whatever sys.stderr is when the record is emitted, not when made."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - logging must never fail a request
            self.handleError(record)


def _configure_logging() -> None:
    if not log.handlers:
        handler = Stderr()
        handler.setFormatter(JsonLines())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, content_type="application/json")


class FunctionTimedOut(Exception):
    pass


class Invoker:
    """Calls the user's function with the values its signature asks for."""

    def __init__(self, function: Callable[..., Any], signature: Signature, timeout: float) -> None:
        self._function = function
        self._signature = signature
        self._timeout = timeout

    def arguments(self, value_for: Callable[[Any], Any]) -> tuple[list[Any], dict[str, Any]]:
        args = []
        kwargs = {}
        for parameter in self._signature.parameters:
            if parameter.positional_only:
                args.append(value_for(parameter.role))
            else:
                kwargs[parameter.name] = value_for(parameter.role)
        return args, kwargs

    def __call__(self, value_for: Callable[[Any], Any]) -> Any:
        args, kwargs = self.arguments(value_for)
        if self._timeout:
            return self._call_with_deadline(args, kwargs)
        return self._call(args, kwargs)

    def _call(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        # Here an async function gets a fresh loop in the request's thread (create_app serving
        # it, as tests and the bench's baseline do). The server serves async functions on the
        # worker's own loop instead (_asgi.py): no thread, no loop per call.
        return hooks_.resolved(self._function(*args, **kwargs))

    def _call_with_deadline(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return call_with_deadline(_in_current_context(lambda: self._call(args, kwargs)), self._timeout, "kn-fn-function")


def call_with_deadline(work: Callable[[], Any], timeout: float, thread_name: str) -> Any:
    """`work()`'s result, or what it raised, from a thread of its own; FunctionTimedOut past
    `timeout` seconds. A Python thread cannot be stopped: past the deadline the thread is left
    to finish on its own, its result dropped. Functions (here) and WSGI apps (_wsgi_app.py)."""
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=run, name=thread_name, daemon=True).start()
    if not finished.wait(timeout):
        raise FunctionTimedOut()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _in_current_context(work: Callable[[], Any]) -> Callable[[], Any]:
    """`work` with the caller's Flask context: the request's (HTTP mode), else the app's (an
    event, served without a request context)."""
    if has_request_context():
        return copy_current_request_context(work)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_app_context() -> Any:
        with app.app_context():
            return work()

    return in_app_context


def read_body(environ: dict[str, Any], limit: int) -> bytes | Response | None:
    """The whole request body, read before the function runs; or the error response for it;
    None when there is none. Afterwards the environ holds it as a body of known length.

    Read up front, so that a function that never reads it still refuses one over the limit,
    and a body the client stopped sending (it went away) never reaches the function:
    granian hands on what arrived as if it were all."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        # A chunked body has no length; werkzeug would silently cut it at the limit.
        # Read one byte past the limit to tell.
        data = environ["wsgi.input"].read(limit + 1)
        if len(data) > limit:
            return _error(413, messages.body_too_large(limit))
        environ.pop("HTTP_TRANSFER_ENCODING")
    else:
        # Read from the environ: werkzeug's header view raises and catches a KeyError for
        # each absent header, a cost on every request.
        length = environ.get("CONTENT_LENGTH")
        if not length:
            return None
        try:
            expected = int(length)
        except ValueError:
            return None  # werkzeug treats a malformed length as no body
        if expected > limit:
            return _error(413, messages.body_too_large(limit))
        if expected <= 0:
            return None
        data = environ["wsgi.input"].read(expected)
        if len(data) < expected:
            return _error(400, messages.body_incomplete(expected, len(data)))
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("wsgi.input_terminated", None)
    return data


class Events:
    """CloudEvent mode, but for the call: read the events of a request, turn each call's
    outcome into a reply, and the replies into the response. The call is the caller's: in a
    thread here, awaited on the worker's loop in _asgi.py."""

    def __init__(self, parsed: Target, settings: Settings, answers: Answers) -> None:
        # Imported here: the CloudEvents SDK and its parsing cost an HTTP function's cold
        # start ~30 ms and it never uses them.
        from . import _cloudevents as cloudevents

        self.sdk = cloudevents
        self.handler = parsed.handler
        self.answers = answers
        self.defaults = cloudevents.ReplyDefaults(source=settings.reply_source or f"kn-fn/{parsed.handler}", type=settings.reply_type)

    def read(self, environ: dict[str, Any], body: bytes) -> Any:
        """The incoming events, or the 400 Response for a request that holds none."""
        try:
            return self.sdk.read_request(environ, body)
        except self.sdk.InvalidEvent as invalid:
            return _error(400, invalid.message)

    def value_for(self, event: Any) -> Callable[[Any], Any]:
        return lambda role: self.sdk.value_for(role, event)

    def outcome(self, incoming: Any, event: Any, result: Any, error: Exception | None, environ: dict[str, Any]) -> tuple[WerkzeugResponse | None, Any]:
        """(a response that ends the request, or None; the reply to add, or None)."""
        sdk = self.sdk
        if error is not None:
            if isinstance(error, HTTPException):
                return self.answers.http_error(error), None  # flask.abort() means what it means in HTTP mode
            return self.answers.failed(error, event.get_id()), None
        if hasattr(result, "status_code") and incoming.mode is not sdk.ContentMode.BATCH:
            return WerkzeugResponse.force_type(result, environ), None  # a Response from the function is sent as it is
        try:
            return None, sdk.build_reply(result, event, self.defaults)
        except sdk.InvalidReply as invalid:
            fields = {"handler": self.handler, "ce_id": event.get_id()}
            log.error(messages.invalid_reply_log(str(invalid)), extra={"fields": fields})
            return _error(500, messages.INVALID_REPLY), None
        except Exception as failure:  # noqa: BLE001 - a reply that cannot be made is the function's
            return self.answers.failed(failure, event.get_id()), None

    def response(self, incoming: Any, replies: list[Any]) -> WerkzeugResponse:
        if not replies:
            return Response(status=202)
        return self.sdk.encode_replies(incoming.mode, replies)


def internal_error(handler: str, error: BaseException) -> WerkzeugResponse:
    """The invoker's own bug: 500, one log line with the traceback."""
    fields = {"handler": handler, "traceback": "".join(traceback.format_exception(error))}
    log.error(messages.INTERNAL_ERROR_LOG, extra={"fields": fields})
    return InternalServerError().get_response()


def _http_endpoint(
    app: Flask, parsed: Target, settings: Settings, invoke: Invoker, answers: Answers
) -> Callable[[dict[str, Any], Callable[..., Any]], Any]:
    """The WSGI app of HTTP mode: a request the function takes is served in Flask's request
    context (flask.request, g, abort, url_for work as in a Flask view) but without Flask's
    dispatch: the invoker's Flask app has no before- or after-request hooks, no session and
    one route, so full_dispatch_request was a third of the per-request cost for nothing
    (bench/RESULTS.md, "the lean HTTP path"). Other methods, and GET and HEAD on the health
    paths, go to Flask."""
    flask_app = app.wsgi_app
    limit = settings.max_body_bytes
    methods = frozenset(HTTP_METHODS)

    def endpoint(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ.get("REQUEST_METHOD")
        if method not in methods or (method in ("GET", "HEAD") and environ.get("PATH_INFO") in HEALTH_PATHS):
            return flask_app(environ, start_response)
        with app.request_context(environ):
            try:
                body = read_body(environ, limit)
                if isinstance(body, Response):
                    response = body
                else:
                    try:
                        response = http.to_response(invoke(lambda role: http.value_for(role, request)))
                    except HTTPException as error:
                        response = answers.http_error(error)  # flask.abort() as in any Flask view
                    except Exception as error:  # noqa: BLE001 - the function's failure: 500 or 504
                        response = answers.failed(error, None)
            except Exception as error:  # noqa: BLE001 - the invoker's own bug: 500, logged
                response = internal_error(parsed.handler, error)
            return response(environ, start_response)

    return endpoint


def _cloudevent_endpoint(
    app: Flask, parsed: Target, settings: Settings, invoke: Invoker, answers: Answers
) -> Callable[[dict[str, Any], Callable[..., Any]], Any]:
    """The WSGI app of CloudEvent mode: every POST is an event (health paths included, as
    under Flask's routing, where they answer GET and HEAD only),
    served without Flask's request dispatch (a CloudEvent function is handed its data and
    attributes, never a request, so the request context, URL routing and before-request
    hooks are cost for nothing: bench/RESULTS.md, "the CloudEvent path"). The function runs
    in the app's context (current_app, g, flask.jsonify work). Other methods go to Flask:
    the health paths, 405 with Allow, OPTIONS, as in HTTP mode."""
    events = Events(parsed, settings, answers)
    flask_app = app.wsgi_app
    limit = settings.max_body_bytes

    def serve_cloudevent(environ: dict[str, Any], body: bytes) -> WerkzeugResponse:
        incoming = events.read(environ, body)
        if isinstance(incoming, WerkzeugResponse):
            return incoming
        replies = []
        for event in incoming.events:
            try:
                result, error = invoke(events.value_for(event)), None
            except Exception as failure:  # noqa: BLE001 - the function's, answered by outcome()
                result, error = None, failure
            ends, reply = events.outcome(incoming, event, result, error, environ)
            if ends is not None:
                return ends
            if reply is not None:
                replies.append(reply)
        return events.response(incoming, replies)

    def endpoint(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") != "POST":
            return flask_app(environ, start_response)
        with app.app_context():
            try:
                body = read_body(environ, limit)
                if isinstance(body, Response):
                    response = body
                else:
                    response = serve_cloudevent(environ, body or b"")
            except Exception as error:  # noqa: BLE001 - the invoker's own bug: 500, logged
                response = internal_error(parsed.handler, error)
            return response(environ, start_response)

    return endpoint


@dataclass(frozen=True)
class Loaded:
    """The user's function (or app) imported, with what the invoker read from it."""

    target: Target
    directory: Path
    function: Callable[..., Any]
    signature: Signature
    hooks: hooks_.Hooks


def load(target: str | None = None, source: str | os.PathLike[str] | None = None) -> Loaded:
    """Import the function named by `target` (module.function) from directory `source`.

    Defaults: `target` from PYTHON_HANDLER (or BP_FUNCTION), else handler.handler;
    `source` the current directory. Raises InvokerError, with a message for the user, when
    the function cannot be served.
    """
    _configure_logging()
    if target is None:
        target = resolve_handler_setting(os.environ.get("PYTHON_HANDLER"), os.environ.get("BP_FUNCTION"))
    parsed: Target = parse_target(target)
    directory = Path(source or ".")
    function = load_function(directory, parsed)
    signature = from_function(parsed, function)
    return Loaded(parsed, directory, function, signature, hooks_.beside(directory, parsed))


class Answers:
    """The invoker's own responses: to a function that failed, and to a request it refuses.
    Shared by the WSGI app and the ASGI one (_asgi.py), so both say the same."""

    def __init__(self, handler: str, settings: Settings, methods: list[str]) -> None:
        self.handler = handler
        self.settings = settings
        self.methods = methods
        self._own = {413: self.too_large, 405: self.wrong_method, 400: self.bad_request}

    def failed(self, error: BaseException, event_id: str | None) -> Response:
        """The function broke: log it (never the request), answer 500 or 504."""
        fields: dict[str, Any] = {"handler": self.handler}
        if event_id is not None:
            fields["ce_id"] = event_id
        if isinstance(error, FunctionTimedOut):
            log.error("function timed out", extra={"fields": {**fields, "timeout_s": self.settings.timeout}})
            return _error(504, messages.function_timed_out(self.settings.timeout))
        if isinstance(error, http.UnsupportedReturn):
            log.error(error.log_message, extra={"fields": fields})
            return _error(500, messages.unsupported_return(error.type_name))
        fields["traceback"] = "".join(traceback.format_exception(error))
        log.error(f"function raised {type(error).__name__}", extra={"fields": fields})
        return _error(500, messages.function_raised(type(error).__name__))

    def too_large(self, _: HTTPException | None = None) -> Response:
        return _error(413, messages.body_too_large(self.settings.max_body_bytes))

    def wrong_method(self, _: HTTPException | None = None) -> Response:
        response = _error(405, messages.method_not_allowed(self.methods))
        response.headers["Allow"] = ", ".join(self.methods)
        return response

    def bad_request(self, _: HTTPException | None = None) -> Response:
        return _error(400, messages.BAD_REQUEST)

    def register(self, app: Flask) -> None:
        for code, handler in self._own.items():
            app.register_error_handler(code, handler)

    def http_error(self, error: HTTPException) -> Response:
        """What Flask answers for an HTTPException a function raises, outside Flask."""
        handler = self._own.get(error.code or 0)
        return handler(error) if handler else error.get_response()

    def health(self, hooks: hooks_.Hooks, hook: str, path: str) -> Response:
        """A health path, decided by the ready() or alive() hook's answer (sync only)."""
        return self.health_response(hooks_.probe(hooks, hook), path)

    def health_response(self, health: hooks_.Health, path: str) -> Response:
        if health.raised:
            log.warning(health.body, extra={"fields": {"handler": self.handler, "path": path}})
        return Response(health.body, status=200 if health.healthy else 503, content_type="text/plain; charset=utf-8")


def methods_for(signature: Signature) -> list[str]:
    return HTTP_METHODS if signature.mode is Mode.HTTP else CLOUDEVENT_METHODS


def create_app(
    target: str | None = None,
    source: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    loaded: Loaded | None = None,
) -> Flask:
    """The WSGI app that serves the function named by `target` from directory `source` (see
    load; or the function `loaded` already). Settings default to the environment's.

    A function of either mode, sync or async (an async one on a fresh loop per call: the
    server serves async functions with _asgi.create_asgi_app instead), or a WSGI app.
    """
    loaded = loaded or load(target, source)
    settings = settings or from_environment()
    parsed, signature, hooks = loaded.target, loaded.signature, loaded.hooks
    if signature.app is App.ASGI:
        raise InvokerError("asgi-app", messages.asgi_app_needs_asgi(parsed.handler))
    invoke = Invoker(loaded.function, signature, settings.timeout)
    methods = methods_for(signature)
    answers = Answers(parsed.handler, settings, methods)

    app = Flask("kn_fn_invoker")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["KN_FN_SIGNATURE"] = signature
    app.config["KN_FN_HOOKS"] = hooks  # start and stop are the server's to call (_server.py)

    def health_view(hook: str) -> Callable[[], Response]:
        def health() -> Response:
            return answers.health(hooks, hook, request.path)

        return health

    for index, (path, hook) in enumerate(HEALTH_PATHS.items()):
        app.add_url_rule(path, f"health_{index}", health_view(hook), methods=["GET", "HEAD"])
    answers.register(app)

    if signature.app is App.WSGI:
        from ._wsgi_app import serve_wsgi_app  # it imports this module

        app.wsgi_app = serve_wsgi_app(app, loaded, settings)  # type: ignore[method-assign]
        return app
    if signature.mode is Mode.HTTP:
        app.wsgi_app = _http_endpoint(app, parsed, settings, invoke, answers)  # type: ignore[method-assign]
    else:
        app.wsgi_app = _cloudevent_endpoint(app, parsed, settings, invoke, answers)  # type: ignore[method-assign]

    def view(path: str) -> Response:
        # The endpoint serves every call of the function before Flask sees it; this route
        # gives the methods it does not take Flask's answers (405 with Allow, OPTIONS).
        raise AssertionError("a call of the function reached Flask's dispatch")

    app.add_url_rule("/", "function", view, defaults={"path": ""}, methods=methods)
    app.add_url_rule("/<path:path>", "function", view, methods=methods)

    return app


__all__ = ["create_app", "load", "Loaded", "Answers", "FunctionTimedOut"]
