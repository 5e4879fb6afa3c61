"""The ASGI app the server runs for async functions and ASGI applications (_asgi.py), driven
by the test client in asgi_client.py: one loop per test, as one granian worker has."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys

import pytest

from asgi_client import Client, drive
from fixtures import FUNCTIONS, binary_headers
from kn_fn_invoker._asgi import create_asgi_app, served_on_loop
from kn_fn_invoker._app import load
from kn_fn_invoker._settings import Settings

APPS = FUNCTIONS / "apps"


def make(handler: str, **settings):
    return create_asgi_app(handler, APPS, Settings(**settings))


@pytest.fixture
def logged(caplog):
    """The invoker's log records so far (its logger does not propagate: caplog's handler is
    attached to it)."""
    logger = logging.getLogger("kn_fn_invoker")
    logger.addHandler(caplog.handler)
    yield lambda: caplog.records
    logger.removeHandler(caplog.handler)


# --- an async function, HTTP --------------------------------------------------------------


def test_an_async_function_runs_on_the_loop_its_start_hook_ran_on_with_a_flask_request():
    app = make("async_http.handler")

    async def scenario(client):
        return await client.request("POST", "/echo", body="hi", headers={"X-Thing": "t"}, query="q=1")

    reply = drive(app, scenario)
    assert reply.status == 200
    assert reply.json() == {"path": "/echo", "q": "1", "body": "hi", "header": "t", "flask_request_path": "/echo",
                            "on_start_loop": True}
    assert sys.modules["async_http"].seen["stopped"] is True


def test_health_paths_await_the_hooks_on_the_loop():
    async def scenario(client):
        return [await client.request(method, "/health/ready") for method in ("GET", "HEAD")]

    get, head = drive(make("async_http.handler"), scenario)
    assert (get.status, get.text) == (200, "ready on the start loop")
    assert (head.status, head.body) == (200, b"")


def test_abort_and_jsonify_mean_what_they_mean_in_flask():
    async def scenario(client):
        return await client.request("GET", "/abort"), await client.request("GET", "/jsonify")

    teapot, made = drive(make("async_http.handler"), scenario)
    assert teapot.status == 418 and "teapot" in teapot.text
    assert (made.status, made.json()) == (201, {"seen": "jsonify"})


def test_a_function_that_raises_is_a_500_and_one_log_line(logged):
    async def scenario(client):
        return await client.request("GET", "/raise"), await client.request("GET", "/timeout-error")

    raised, own_timeout = drive(make("async_http.handler"), scenario)
    assert raised.status == 500 and raised.json() == {"error": "the function raised KeyError; see the function's log"}
    # A TimeoutError the function raises is its own failure, not TIMEOUT's 504.
    assert own_timeout.status == 500 and "TimeoutError" in own_timeout.json()["error"]
    messages = [record.getMessage() for record in logged()]
    assert messages == ["function raised KeyError", "function raised TimeoutError"]


def test_timeout_cancels_the_function_and_answers_504(logged):
    async def scenario(client):
        return await client.request("GET", "/slow"), await client.request("GET", "/after")

    late, after = drive(make("async_http.handler", timeout=0.2), scenario)
    assert late.status == 504 and "TIMEOUT" in late.json()["error"]
    assert after.status == 200
    assert sys.modules["async_http"].seen["cancelled"] is True  # a task stops; a thread would not
    assert [record.getMessage() for record in logged()] == ["function timed out"]


def test_the_body_limit_holds_with_a_length_and_without_one():
    async def scenario(client):
        return (
            await client.request("POST", "/", body=b"x" * 10),
            await client.request("POST", "/", body=b"x" * 11),
            await client.request("POST", "/", chunks=[b"x" * 6, b"x" * 5]),
            await client.request("POST", "/", chunks=[b"x" * 6, b"x" * 4]),
        )

    fits, over, chunked_over, chunked_fits = drive(make("async_http.handler", max_body_bytes=10), scenario)
    assert fits.status == 200 and fits.json()["body"] == "x" * 10
    assert over.status == 413 and chunked_over.status == 413
    assert over.json() == {"error": "request body is larger than the limit of 10 bytes (MAX_BODY_BYTES)"}
    assert chunked_fits.status == 200 and chunked_fits.json()["body"] == "x" * 10


def test_a_body_the_client_stopped_sending_never_reaches_the_function():
    async def scenario(client):
        return (
            await client.request("POST", "/", headers={"Content-Length": "10"}, chunks=[b"12345"], disconnect_after_body=True),
            await client.request("POST", "/", chunks=[b"12345"], disconnect_after_body=True),
        )

    with_length, chunked = drive(make("async_http.handler"), scenario)
    assert with_length.status == 400
    assert with_length.json()["error"] == "request body ended after 5 of its 10 bytes (Content-Length): the client stopped sending"
    assert chunked.status == 400 and "client stopped sending" in chunked.json()["error"]


def test_methods_it_does_not_take_are_405_with_allow():
    async def scenario(client):
        return await client.request("TRACE", "/")

    refused = drive(make("async_http.handler"), scenario)
    assert refused.status == 405
    assert refused.headers["allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


# --- an async function, CloudEvents ---------------------------------------------------------


def test_an_async_cloudevent_function_replies_and_fails_as_a_sync_one_does(logged):
    app = make("async_event.handler")
    json_headers = {"Content-Type": "application/json"}

    async def scenario(client):
        return (
            await client.request("POST", "/", body=json.dumps({"n": 1}), headers={**binary_headers(), **json_headers}),
            await client.request("POST", "/", body=json.dumps({"fail": True}), headers={**binary_headers(), **json_headers}),
            await client.request("POST", "/", body=json.dumps({"quiet": True}), headers={**binary_headers(), **json_headers}),
            await client.request("POST", "/", body="{}", headers=json_headers),
            await client.request("GET", "/"),
            await client.request("OPTIONS", "/"),
        )

    reply, failed, quiet, not_an_event, get, options = drive(app, scenario)
    assert reply.status == 200 and reply.json() == {"got": {"n": 1}, "type": "com.example.test"}
    assert reply.headers["ce-source"] == "kn-fn/async_event.handler"
    assert failed.status == 500 and "ValueError" in failed.json()["error"]
    assert quiet.status == 202
    assert not_an_event.status == 400 and not_an_event.json()["error"].startswith("request is not a CloudEvent")
    assert get.status == 405 and get.headers["allow"] == "POST"
    assert options.status == 200 and "POST" in options.headers["allow"]
    records = [(record.getMessage(), getattr(record, "fields", {}).get("ce_id")) for record in logged()]
    assert records == [("function raised ValueError", "req-1")]


# --- ASGI applications ----------------------------------------------------------------------


def test_an_asgi_app_gets_its_lifespan_inside_the_hooks_and_the_body_in_one_message():
    app = make("asgi_app.app")

    async def scenario(client):
        return await client.request("POST", "/x", chunks=[b"ab", b"cd"])

    reply = drive(app, scenario)
    assert (reply.status, reply.text) == (200, "POST /x abcd more=False")
    assert sys.modules["asgi_app"].events == ["hook start", "app startup", "app shutdown", "hook stop"]


def test_the_health_paths_are_the_runtimes_around_an_asgi_app():
    async def scenario(client):
        return await client.request("GET", "/health/live"), await client.request("POST", "/health/live", body="b")

    health, posted = drive(make("asgi_app.app"), scenario)
    assert (health.status, health.text) == (200, "OK")
    assert posted.text == "POST /health/live b more=False"  # other methods are the app's


def test_an_exception_out_of_an_asgi_app_is_one_log_line_and_500_if_it_had_not_answered(logged):
    async def scenario(client):
        return await client.request("GET", "/raise"), await client.request("GET", "/raise-late")

    early, late = drive(make("asgi_app.app"), scenario)
    assert early.status == 500
    assert early.json() == {"error": "the application raised LookupError; see the function's log"}
    assert late.status == 200  # already said; the connection is cut
    messages = [record.getMessage() for record in logged()]
    assert messages == [
        "the application raised LookupError",
        "the application raised LookupError after it began its response: the connection was cut",
    ]
    assert "no such thing" in logged()[0].fields["traceback"]


def test_timeout_cancels_an_asgi_app(logged):
    async def scenario(client):
        return await client.request("GET", "/slow")

    reply = drive(make("asgi_app.app", timeout=0.2), scenario)
    assert reply.status == 504
    assert "cancelled" in sys.modules["asgi_app"].events
    assert [record.getMessage() for record in logged()] == ["the application timed out"]


def test_an_asgi_app_without_lifespan_is_served_without_it(logged):
    async def scenario(client):
        return await client.request("GET", "/")

    reply = drive(make("asgi_app.raw"), scenario)
    assert (reply.status, reply.text) == (200, "raw")
    assert [record.getMessage() for record in logged()] == [
        "the application does not take the ASGI lifespan protocol: served without it"
    ]


def test_a_failed_lifespan_startup_stops_the_worker_with_its_message(logged):
    client_app = make("asgi_app.failing")

    async def run():
        await Client(client_app).startup()

    with pytest.raises(SystemExit) as exited:
        asyncio.run(run())
    # The loop stopped on SystemExit, leaving the app's lifespan task unfinished (a worker
    # exits here). Finalise it now: collected later, in the middle of a compile, it would
    # trip CPython 3.11's AST recursion check (gh-106905) in whatever test imports next.
    gc.collect()
    assert exited.value.code == 3
    assert [record.getMessage() for record in logged()] == [
        "the application's lifespan startup failed: database unreachable"
    ]


# --- which targets the server serves on the loop --------------------------------------------


@pytest.mark.parametrize(
    ("handler", "on_loop"),
    [("async_http.handler", True), ("async_event.handler", True), ("asgi_app.app", True), ("asgi_app.raw", True),
     ("wsgi_app.app", False), ("wsgi_app.raw", False)],
)
def test_async_functions_and_asgi_apps_are_served_on_the_loop(handler, on_loop):
    assert served_on_loop(load(handler, APPS)) is on_loop
