"""What a function can be, in built images: a FastAPI app and a Flask app named by
PYTHON_HANDLER (served as they are, inside the runtime's health paths, body limit and drain),
and an async function on each worker's event loop. The build log says which each is; the
FastAPI app is also served behind Knative's queue-proxy."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import bindings, knative, pack
from .test_lifecycle_hooks import shut_down, stopped

FIXTURES = Path(__file__).parent / "fixtures"
ASGI = "ASGI application, served as it is on each worker's event loop (health paths, body limit, TIMEOUT, error log and lifespan around it)"
WSGI = "WSGI application, served as it is (health paths, body limit, TIMEOUT and error log around it)"


@pytest.fixture(scope="module")
def fastapi_image(tmp_path_factory) -> str:
    # FastAPI from PyPI, through the CI machines' TLS proxy: see harness/bindings.py.
    extra = bindings.ca_certificates(tmp_path_factory.mktemp("bindings"))
    build = pack.must_build("kn-fn-e2e/fastapi-app", FIXTURES / "fastapi-app", extra=extra)
    assert f"Signature: {ASGI}" in build.log, build.log  # told by the static check, before any install
    assert f"Imported main.app: {ASGI}" in build.log, build.log
    return build.image


@pytest.fixture(scope="module")
def flask_image() -> str:
    build = pack.must_build("kn-fn-e2e/flask-app", FIXTURES / "flask-app")
    assert f"Signature: {WSGI}" in build.log and f"Imported app.app: {WSGI}" in build.log, build.log
    return build.image


@pytest.fixture(scope="module")
def async_image() -> str:
    build = pack.must_build("kn-fn-e2e/async-function", FIXTURES / "async-function")
    assert "Signature: HTTP function (async, served on each worker's event loop), parameters: req" in build.log, build.log
    return build.image


@pytest.mark.parametrize("functions", knative.THROUGH, indirect=True)
def test_a_fastapi_app_is_served_as_it_is(functions, fastapi_image):
    fn = functions.start(fastapi_image, env={"GREETING": "hi", "MAX_BODY_BYTES": "100"})
    item = fn.get("/items/7?q=x")
    assert (item.status, item.json()) == (200, {"item_id": 7, "q": "x", "greeting": "hi"})
    created = fn.post("/items", json.dumps({"name": "pen", "price": 2.5}), headers={"Content-Type": "application/json"})
    assert created.json() == {"name": "pen", "price_with_tax": 3.0}
    invalid = fn.get("/items/seven")
    assert invalid.status == 422  # FastAPI's own validation
    assert fn.post("/items", "x" * 101, headers={"Content-Type": "application/json"}).status == 413
    failed = fn.get("/fail")
    assert failed.status == 500  # Starlette answers its own 500 and re-raises: the invoker logs it once
    direct = fn.direct if isinstance(fn, knative.Pod) else fn
    assert (direct.get("/health/ready").status, direct.get("/health/ready").text) == (200, "OK")

    logs = shut_down(fn)
    order = [line.split(" in ")[0] for line in logs.splitlines() if line.startswith(("hook ", "app "))]
    assert order == ["hook start", "app startup", "app shutdown", "hook stop"], logs
    errors = [json.loads(line) for line in logs.splitlines() if line.startswith("{") and '"ERROR"' in line]
    assert [entry["message"] for entry in errors] == [
        "the application raised RuntimeError after it began its response: the connection was cut"
    ], logs
    assert "the app's bug" in errors[0]["traceback"]


def test_a_flask_app_is_served_as_it_is(functions, flask_image):
    fn = functions.start(flask_image)
    user = fn.get("/users/ada", headers={"User-Agent": "e2e"})
    assert (user.status, user.json()) == (200, {"name": "ada", "agent": "e2e"})
    assert fn.post("/echo", "round trip").text == "round trip"
    assert fn.get("/nowhere").status == 404
    assert fn.get("/health/live").text == "OK"
    assert stopped(fn).count('"ERROR"') == 0


def test_an_async_function_shares_its_workers_loop_across_requests(functions, async_image):
    fn = functions.start(async_image, env={"WORKERS": "1"})
    assert "THREADS does not apply: an async function or ASGI app runs on each worker's event loop" in fn.logs()
    # 16 requests that each wait 1 s, at once: one worker, one loop, no thread per request.
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda _: fn.get("/?sleep=1"), range(16)))
    elapsed = time.monotonic() - started
    assert all(reply.status == 200 and reply.json()["same_loop"] for reply in replies), [r.text for r in replies]
    assert sorted(reply.json()["count"] for reply in replies) == list(range(1, 17))
    assert elapsed < 4, elapsed  # served together: sixteen in a row would take 16 s
