"""create_app: the one seam the server, the CLI and the tests share."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

from flask import Flask, Response, copy_current_request_context, current_app, has_request_context, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _hooks as hooks_
from . import _http as http
from . import _messages as messages
from ._settings import Settings, from_environment
from ._signature import Mode, Signature, from_function
from ._target import Target, load_function, parse_target, resolve_handler_setting

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


class _Invoker:
    """Calls the user's function with the values its signature asks for."""

    def __init__(self, function: Callable[..., Any], signature: Signature, timeout: float) -> None:
        self._function = function
        self._signature = signature
        self._timeout = timeout

    def __call__(self, value_for: Callable[[Any], Any]) -> Any:
        args = []
        kwargs = {}
        for parameter in self._signature.parameters:
            if parameter.positional_only:
                args.append(value_for(parameter.role))
            else:
                kwargs[parameter.name] = value_for(parameter.role)
        if self._timeout:
            return self._call_with_deadline(args, kwargs)
        return self._call(args, kwargs)

    def _call(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        # An async function gets a fresh loop in the request's thread. One loop per worker
        # shared by all calls was measured 21% slower (bench/RESULTS.md, "async functions"):
        # on one core the hand-off to the loop's thread and back costs more than it saves.
        return hooks_.resolved(self._function(*args, **kwargs))

    def _call_with_deadline(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        # A Python thread cannot be stopped: past the deadline the request gets its 504 and
        # the function's thread is left to finish on its own, its result dropped.
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            try:
                outcome["result"] = self._call(args, kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to the request thread
                outcome["error"] = error
            finally:
                finished.set()

        threading.Thread(target=_in_current_context(run), name="kn-fn-function", daemon=True).start()
        if not finished.wait(self._timeout):
            raise FunctionTimedOut()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]


def _in_current_context(run: Callable[[], None]) -> Callable[[], None]:
    """`run` with the caller's Flask context: the request's (HTTP mode), else the app's (an
    event, served without a request context)."""
    if has_request_context():
        return copy_current_request_context(run)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_app_context() -> None:
        with app.app_context():
            run()

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


def _cloudevent_endpoint(
    app: Flask,
    parsed: Target,
    settings: Settings,
    invoke: _Invoker,
    failed: Callable[[BaseException, str | None], Response],
    http_error: Callable[[HTTPException], Response],
) -> Callable[[dict[str, Any], Callable[..., Any]], Any]:
    """The WSGI app of CloudEvent mode: every POST is an event (health paths included, as
    under Flask's routing, where they answer GET and HEAD only),
    served without Flask's request dispatch (a CloudEvent function is handed its data and
    attributes, never a request, so the request context, URL routing and before-request
    hooks are cost for nothing: bench/RESULTS.md, "the CloudEvent path"). The function runs
    in the app's context (current_app, g, flask.jsonify work). Other methods go to Flask:
    the health paths, 405 with Allow, OPTIONS, as in HTTP mode."""
    # Imported here: the CloudEvents SDK and its parsing cost an HTTP function's cold start
    # ~30 ms and it never uses them.
    from . import _cloudevents as cloudevents

    defaults = cloudevents.ReplyDefaults(source=settings.reply_source or f"kn-fn/{parsed.handler}", type=settings.reply_type)
    flask_app = app.wsgi_app
    limit = settings.max_body_bytes

    def serve_cloudevent(environ: dict[str, Any], body: bytes) -> WerkzeugResponse:
        try:
            incoming = cloudevents.read_request(environ, body)
        except cloudevents.InvalidEvent as invalid:
            return _error(400, invalid.message)
        replies = []
        for event in incoming.events:
            try:
                result = invoke(lambda role: cloudevents.value_for(role, event))
                if hasattr(result, "status_code") and incoming.mode is not cloudevents.ContentMode.BATCH:
                    # A Response from the function is sent as it is.
                    return WerkzeugResponse.force_type(result, environ)
                reply = cloudevents.build_reply(result, event, defaults)
            except HTTPException as error:
                return http_error(error)  # flask.abort() means what it means in HTTP mode
            except cloudevents.InvalidReply as invalid:
                fields = {"handler": parsed.handler, "ce_id": event.get_id()}
                log.error(messages.invalid_reply_log(str(invalid)), extra={"fields": fields})
                return _error(500, messages.INVALID_REPLY)
            except Exception as error:  # noqa: BLE001
                return failed(error, event.get_id())
            if reply is not None:
                replies.append(reply)
        if not replies:
            return Response(status=202)
        return cloudevents.encode_replies(incoming.mode, replies)

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
                fields = {"handler": parsed.handler, "traceback": "".join(traceback.format_exception(error))}
                log.error(messages.INTERNAL_ERROR_LOG, extra={"fields": fields})
                response = InternalServerError().get_response(environ)
            return response(environ, start_response)

    return endpoint


def create_app(
    target: str | None = None,
    source: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
) -> Flask:
    """Load the function named by `target` (module.function) from directory `source`.

    Defaults: `target` from PYTHON_HANDLER (or BP_FUNCTION), else handler.handler;
    `source` the current directory; settings from the environment.
    Raises InvokerError, with a message for the user, when the function cannot be served.
    """
    _configure_logging()
    settings = settings or from_environment()
    if target is None:
        target = resolve_handler_setting(os.environ.get("PYTHON_HANDLER"), os.environ.get("BP_FUNCTION"))
    parsed: Target = parse_target(target)
    directory = Path(source or ".")
    function = load_function(directory, parsed)
    signature = from_function(parsed, function)
    hooks = hooks_.beside(directory, parsed)
    invoke = _Invoker(function, signature, settings.timeout)

    app = Flask("kn_fn_invoker")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["KN_FN_SIGNATURE"] = signature
    app.config["KN_FN_HOOKS"] = hooks  # start and stop are the server's to call (_server.py)

    def failed(error: BaseException, event_id: str | None) -> Response:
        """The function broke: log it (never the request), answer 500 or 504."""
        fields: dict[str, Any] = {"handler": parsed.handler}
        if event_id is not None:
            fields["ce_id"] = event_id
        if isinstance(error, FunctionTimedOut):
            log.error("function timed out", extra={"fields": {**fields, "timeout_s": settings.timeout}})
            return _error(504, messages.function_timed_out(settings.timeout))
        if isinstance(error, http.UnsupportedReturn):
            log.error(error.log_message, extra={"fields": fields})
            return _error(500, messages.unsupported_return(error.type_name))
        fields["traceback"] = "".join(traceback.format_exception(error))
        log.error(f"function raised {type(error).__name__}", extra={"fields": fields})
        return _error(500, messages.function_raised(type(error).__name__))

    def serve_http(path: str) -> Any:
        try:
            return http.to_response(invoke(lambda role: http.value_for(role, request)))
        except HTTPException:
            raise  # flask.abort() in a function means what it means in any Flask app
        except Exception as error:  # noqa: BLE001 - the function's failure, reported as 500
            return failed(error, None)

    def health_view(hook: str) -> Callable[[], Response]:
        def health() -> Response:
            health = hooks_.probe(hooks, hook)
            if health.raised:
                log.warning(health.body, extra={"fields": {"handler": parsed.handler, "path": request.path}})
            return Response(health.body, status=200 if health.healthy else 503, content_type="text/plain; charset=utf-8")

        return health

    for index, (path, hook) in enumerate(HEALTH_PATHS.items()):
        app.add_url_rule(path, f"health_{index}", health_view(hook), methods=["GET", "HEAD"])

    def too_large(_: HTTPException) -> Response:
        return _error(413, messages.body_too_large(settings.max_body_bytes))

    def wrong_method(_: HTTPException) -> Response:
        response = _error(405, messages.method_not_allowed(methods))
        response.headers["Allow"] = ", ".join(methods)
        return response

    def bad_request(_: HTTPException) -> Response:
        return _error(400, messages.BAD_REQUEST)

    own_errors = {413: too_large, 405: wrong_method, 400: bad_request}
    for code, handler in own_errors.items():
        app.register_error_handler(code, handler)

    def http_error(error: HTTPException) -> Response:
        """What Flask answers for an HTTPException a function raises, outside Flask."""
        handler = own_errors.get(error.code or 0)
        return handler(error) if handler else error.get_response()

    methods = HTTP_METHODS if signature.mode is Mode.HTTP else CLOUDEVENT_METHODS
    if signature.mode is Mode.HTTP:
        view = serve_http

        @app.before_request
        def take_the_body() -> Response | None:
            body = read_body(request.environ, settings.max_body_bytes)
            return body if isinstance(body, Response) else None
    else:
        endpoint = _cloudevent_endpoint(app, parsed, settings, invoke, failed, http_error)
        app.wsgi_app = endpoint  # type: ignore[method-assign]

        def view(path: str) -> Response:
            # The endpoint serves every POST before Flask sees it; this route gives other
            # methods Flask's answers (405 with Allow, OPTIONS), as in HTTP mode.
            raise AssertionError("a POST reached Flask in CloudEvent mode")

    app.add_url_rule("/", "function", view, defaults={"path": ""}, methods=methods)
    app.add_url_rule("/<path:path>", "function", view, methods=methods)

    return app


__all__ = ["create_app", "FunctionTimedOut"]
