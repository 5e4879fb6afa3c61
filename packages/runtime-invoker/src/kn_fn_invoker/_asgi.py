"""The ASGI app the server runs for async functions and ASGI applications.

granian's ASGI interface gives each worker one event loop. An `async def` function is awaited
on it, with no thread and no loop per call (create_app's way, kept for sync functions, runs
it on a fresh loop in a request thread); an ASGI application (FastAPI, Starlette, a raw
`async def app(scope, receive, send)`) is called on it as it is. Around either, what the
runtime promises every function: the health paths (decided by ready() and alive(), awaited
on the loop), the body limit (the body is read before the call, as in _app.read_body),
TIMEOUT (the call is cancelled: unlike a thread, a task can be stopped), one log line for a
failure, and the lifecycle hooks through the ASGI lifespan protocol (start() before the
app's own lifespan startup, stop() after its shutdown, both on the loop).

A function is handed what it is handed in the WSGI app: a Flask Request (in a request
context, so flask.request, abort and jsonify work) or a CloudEvent's data and attributes
(in the app context), and its return value means the same (_http.to_response, _app.Events).
"""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any, Awaitable, Callable

from flask import Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _hooks as hooks_
from . import _http as http
from . import _messages as messages
from ._app import (
    HEALTH_PATHS,
    Answers,
    Events,
    FunctionTimedOut,
    Invoker,
    Loaded,
    _error,
    create_app,
    internal_error,
    log,
    methods_for,
)
from ._settings import Settings, from_environment
from ._signature import App, Mode
from ._target import InvokerError
from ._wsgi_app import log_raised, log_timed_out

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_HEALTH_METHODS = ("GET", "HEAD")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value
    return None


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | Response:
    """The whole request body, or the error response for it (413 over the limit, 400 when
    the client stopped sending), as _app.read_body does for WSGI."""
    expected = None
    length = _header(scope, b"content-length")
    if length is not None and b"chunked" not in (_header(scope, b"transfer-encoding") or b"").lower():
        try:
            expected = int(length)
        except ValueError:
            expected = None
        if expected is not None and expected > limit:
            return _error(413, messages.body_too_large(limit))
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            if expected is None:
                return _error(400, messages.BODY_CUT)
            return _error(400, messages.body_incomplete(expected, size))
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return _error(413, messages.body_too_large(limit))
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if expected is not None and size < expected:
        return _error(400, messages.body_incomplete(expected, size))
    return b"".join(chunks)


def environ_for(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request (PEP 3333's strings: bytes as Latin-1), so the
    function gets the same Flask Request and the CloudEvents reader the same input."""
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]) if server[1] is not None else "80",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": scope["client"][0] if scope.get("client") else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_LENGTH" or name == "TRANSFER_ENCODING":
            continue  # the body was read whole: its length is what it is
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        key = f"HTTP_{name}"
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    return environ


async def send_response(send: Send, response: WerkzeugResponse, environ: dict[str, Any]) -> None:
    """A werkzeug Response as ASGI messages (werkzeug decides the headers and, for HEAD, 204
    and 304, that there is no body)."""
    body, status, headers = response.get_wsgi_response(environ)
    await send({
        "type": "http.response.start",
        "status": int(status.split(" ", 1)[0]),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
    })
    try:
        if isinstance(body, (list, tuple)):
            await send({"type": "http.response.body", "body": b"".join(body)})
            return
        for chunk in body:  # a streamed response (a generator the function returned)
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


async def _before_deadline(awaitable: Awaitable[Any], timeout: float) -> Any:
    """The awaitable's result; FunctionTimedOut (and the call cancelled) past `timeout`
    seconds (0: no limit). A TimeoutError the call raises itself stays its own."""
    if not timeout:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        task.cancel()
        raise FunctionTimedOut()
    return task.result()


class _AppLifespan:
    """Drives an ASGI application's own lifespan protocol (FastAPI's startup and shutdown,
    Starlette's lifespan), as a server would: the app is a task fed through queues."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self._app = app
        self._task: asyncio.Future[None] | None = None
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.supported = False

    async def _next(self) -> dict[str, Any] | None:
        """The app's next message; None when the app ended (or raised) instead."""
        assert self._task is not None
        getter = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        if not self._task.cancelled():
            self._task.exception()  # retrieved: asyncio would log it as never retrieved
        return None

    async def startup(self, scope: Scope) -> None:
        """Raises InvokerError when the app says its startup failed. An app that raises
        instead of answering does not take the protocol (the ASGI spec): served without."""
        self._task = asyncio.ensure_future(self._app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        message = await self._next()
        if message is None:
            log.info(messages.LIFESPAN_UNSUPPORTED)
            return
        if message["type"] == "lifespan.startup.failed":
            raise InvokerError("start-failed", messages.lifespan_failed(message.get("message", "")))
        self.supported = True

    async def shutdown(self) -> str | None:
        """The failure's text, if the app's shutdown failed."""
        if not self.supported:
            return None
        await self._inbox.put({"type": "lifespan.shutdown"})
        message = await self._next()
        if message is None:
            assert self._task is not None
            error = self._task.exception() if not self._task.cancelled() else None
            return messages.lifespan_shutdown_failed(repr(error) if error else "it ended without answering")
        if message["type"] == "lifespan.shutdown.failed":
            return messages.lifespan_shutdown_failed(message.get("message", ""))
        return None


class AsgiApp:
    """What the server runs: an async function or an ASGI app, with the runtime around it."""

    def __init__(self, loaded: Loaded, settings: Settings) -> None:
        self.loaded = loaded
        self.settings = settings
        self.hooks = loaded.hooks
        signature = loaded.signature
        self._handler = loaded.target.handler
        self._methods = methods_for(signature)
        self._answers = Answers(self._handler, settings, self._methods)
        if signature.app is App.ASGI:
            self._serve = self._app_request
            self._lifespan_of_app: _AppLifespan | None = _AppLifespan(loaded.function)
        else:
            self._lifespan_of_app = None
            # The invoker's own WSGI app answers what is no call of the function: 405 with
            # Allow and OPTIONS (health paths are answered here, their hooks awaited). Its
            # contexts are the ones a function runs in.
            self._flask = create_app(settings=settings, loaded=loaded)
            self._invoker = Invoker(loaded.function, signature, settings.timeout)
            if signature.mode is Mode.HTTP:
                self._serve = self._http_request
            else:
                self._events = Events(loaded.target, settings, self._answers)
                self._serve = self._cloudevent_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are off in the server (_server.py)
        try:
            if scope["path"] in HEALTH_PATHS and scope["method"] in _HEALTH_METHODS:
                await self._health(scope, send)
                return
            await self._serve(scope, receive, send)
        except Exception as error:  # noqa: BLE001 - the invoker's own bug: 500, logged
            await send_response(send, internal_error(self._handler, error), environ_for(scope, b""))

    # --- lifespan: the hooks, and an app's own lifespan ---------------------------------

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await hooks_.start_on_loop(self.hooks)
                    if self._lifespan_of_app is not None:
                        await self._lifespan_of_app.startup(scope)
                except InvokerError as failure:
                    # One line and the worker's exit, as in the WSGI worker (_server.py);
                    # stop() is not called for a start that failed.
                    log.error(failure.message)
                    sys.exit(hooks_.WORKER_START_FAILED)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                failures = []
                if self._lifespan_of_app is not None:
                    failures.append(await self._lifespan_of_app.shutdown())
                failures.append(await hooks_.stop_on_loop(self.hooks))
                for failure in filter(None, failures):
                    log.error(failure)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _health(self, scope: Scope, send: Send) -> None:
        health = await hooks_.probe_on_loop(self.hooks, HEALTH_PATHS[scope["path"]])
        await send_response(send, self._answers.health_response(health, scope["path"]), environ_for(scope, b""))

    # --- an async function ----------------------------------------------------------------

    async def _refused(self, scope: Scope, send: Send) -> None:
        """A method the function does not take: the invoker's Flask app answers (405, OPTIONS)."""
        environ = environ_for(scope, b"")
        await send_response(send, WerkzeugResponse.from_app(self._flask.wsgi_app, environ), environ)

    async def _call(self, value_for: Callable[[Any], Any]) -> Any:
        args, kwargs = self._invoker.arguments(value_for)
        result = self.loaded.function(*args, **kwargs)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            return await _before_deadline(result, self.settings.timeout)
        return result

    async def _admitted(self, scope: Scope, receive: Receive, send: Send) -> tuple[bytes, dict[str, Any]] | None:
        """The body and environ of a request for the function; None when it was answered
        instead (a method it does not take, a body over the limit or cut short)."""
        if scope["method"] not in self._methods:
            await self._refused(scope, send)
            return None
        body = await read_body(scope, receive, self.settings.max_body_bytes)
        if isinstance(body, Response):
            await send_response(send, body, environ_for(scope, b""))
            return None
        return body, environ_for(scope, body)

    async def _http_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        admitted = await self._admitted(scope, receive, send)
        if admitted is None:
            return
        _, environ = admitted
        with self._flask.request_context(environ):
            try:
                response = http.to_response(await self._call(lambda role: http.value_for(role, request)))
            except HTTPException as error:
                response = self._answers.http_error(error)  # flask.abort() as in any Flask app
            except Exception as error:  # noqa: BLE001 - the function's failure: 500 or 504
                response = self._answers.failed(error, None)
            await send_response(send, response, environ)

    async def _cloudevent_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        admitted = await self._admitted(scope, receive, send)
        if admitted is None:
            return
        body, environ = admitted
        with self._flask.app_context():
            await send_response(send, await self._events_response(environ, body), environ)

    async def _events_response(self, environ: dict[str, Any], body: bytes) -> WerkzeugResponse:
        events = self._events
        incoming = events.read(environ, body)
        if isinstance(incoming, WerkzeugResponse):
            return incoming
        replies = []
        for event in incoming.events:
            try:
                result, error = await self._call(events.value_for(event)), None
            except Exception as failure:  # noqa: BLE001 - the function's, answered by outcome()
                result, error = None, failure
            ends, reply = events.outcome(incoming, event, result, error, environ)
            if ends is not None:
                return ends
            if reply is not None:
                replies.append(reply)
        return events.response(incoming, replies)

    # --- an ASGI application ----------------------------------------------------------------

    async def _app_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(scope, receive, self.settings.max_body_bytes)
        if isinstance(body, Response):
            await send_response(send, body, environ_for(scope, b""))
            return
        delivered = False

        async def replay() -> dict[str, Any]:
            # The body as one message, then whatever the server says next (a disconnect).
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await _before_deadline(self.loaded.function(scope, replay, tracked), self.settings.timeout)
        except FunctionTimedOut:
            log_timed_out(self._handler, self.settings.timeout)
            if not started:
                await send_response(send, _error(504, messages.function_timed_out(self.settings.timeout)), environ_for(scope, b""))
        except Exception as error:  # noqa: BLE001 - escaped the app: one log line, 500 if it can still be said
            log_raised(self._handler, error, started_response=started)
            if not started:
                await send_response(send, _error(500, messages.app_raised(type(error).__name__)), environ_for(scope, b""))


def create_asgi_app(
    target: str | None = None,
    source: str | None = None,
    settings: Settings | None = None,
    loaded: Loaded | None = None,
) -> AsgiApp:
    """The ASGI app for an async function or an ASGI application (see _app.load)."""
    from ._app import load

    loaded = loaded or load(target, source)
    return AsgiApp(loaded, settings or from_environment())


def served_on_loop(loaded: Loaded) -> bool:
    """Whether the server serves this target through ASGI: an async function, or an ASGI app
    (which its signature counts as async; a WSGI app as not)."""
    return loaded.signature.is_async


__all__ = ["AsgiApp", "create_asgi_app", "served_on_loop"]
