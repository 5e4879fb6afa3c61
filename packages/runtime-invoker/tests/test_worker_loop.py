"""Async functions and async hooks run on the worker's one event loop (_loop.py)."""

from __future__ import annotations

import sys
import threading
import time

from kn_fn_invoker import _hooks as hooks
from kn_fn_invoker import create_app
from kn_fn_invoker._settings import Settings


def app_of(tmp_path, source: str, **settings):
    (tmp_path / "handler.py").write_text(source)
    return create_app("handler.handler", tmp_path, Settings(**settings))


def test_every_call_and_the_start_hook_share_one_loop(tmp_path):
    app = app_of(tmp_path, """
import asyncio
seen = {}

async def start():
    seen["start"] = asyncio.get_running_loop()
    seen["lock"] = asyncio.Lock()  # made in start, used by every call

async def handler(req):
    async with seen["lock"]:
        return str(asyncio.get_running_loop() is seen["start"])
""")
    hooks.run_start(app.config["KN_FN_HOOKS"])
    client = app.test_client()
    assert [client.get("/").get_data(as_text=True) for _ in range(3)] == ["True"] * 3


def test_calls_that_wait_overlap_on_the_loop(tmp_path):
    app = app_of(tmp_path, "import asyncio\n\nasync def handler(req):\n    await asyncio.sleep(0.5)\n    return 'done'\n")
    replies = []

    def call() -> None:
        replies.append(app.test_client().get("/").get_data(as_text=True))

    threads = [threading.Thread(target=call) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    elapsed = time.monotonic() - started
    assert replies == ["done"] * 4
    assert elapsed < 1.5, f"4 calls of 0.5 s took {elapsed:.2f} s"


def test_a_call_past_timeout_is_cancelled(tmp_path):
    app = app_of(tmp_path, """
import asyncio
cancelled = []

async def handler(req):
    try:
        await asyncio.sleep(5)
    except asyncio.CancelledError:
        cancelled.append(req.path)
        raise
    return "too late"
""", timeout=0.2)
    reply = app.test_client().get("/slow")
    assert reply.status_code == 504
    deadline = time.monotonic() + 5
    while not sys.modules["handler"].cancelled:
        assert time.monotonic() < deadline, "the call was not cancelled"
        time.sleep(0.01)
    assert sys.modules["handler"].cancelled == ["/slow"]
    assert app.test_client().get("/next").status_code == 504  # and the loop still serves


def test_flask_request_works_inside_an_async_function(tmp_path):
    app = app_of(tmp_path, "from flask import request\n\nasync def handler(req):\n    return request.path + ' ' + req.args['q']\n")
    assert app.test_client().get("/where?q=1").get_data(as_text=True) == "/where 1"


def test_an_exception_in_an_async_function_is_the_usual_500(tmp_path):
    app = app_of(tmp_path, "async def handler(req):\n    raise KeyError('x')\n")
    reply = app.test_client().get("/")
    assert reply.status_code == 500
    assert reply.get_json() == {"error": "the function raised KeyError; see the function's log"}
