"""Application objects as the target (`PYTHON_HANDLER=main.app`): told from functions by the
static check and the import, and a WSGI app served inside the runtime's promises (the ASGI
side: test_asgi.py)."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from fixtures import FUNCTIONS
from kn_fn_invoker import create_app
from kn_fn_invoker._settings import Settings
from kn_fn_invoker._signature import App, Mode, from_function, from_source
from kn_fn_invoker._target import InvokerError, load_function, parse_target

APPS = FUNCTIONS / "apps"


@pytest.mark.parametrize(
    ("source", "app"),
    [
        ("from flask import Flask\napp = Flask(__name__)\n", App.WSGI),
        ("import flask\napp = flask.Flask(__name__)\n", App.WSGI),
        ("from fastapi import FastAPI\napp: FastAPI = FastAPI(title='x')\n", App.ASGI),
        ("from starlette.applications import Starlette\napp = Starlette(routes=[])\n", App.ASGI),
        ("def app(environ, start_response):\n    return []\n", App.WSGI),
        ("async def app(scope, receive, send):\n    pass\n", App.ASGI),
    ],
)
def test_the_static_check_tells_an_app_without_importing(source, app):
    signature = from_source(parse_target("main.app"), source, "main.py")
    assert signature is not None
    assert (signature.app, signature.mode, signature.parameters) == (app, Mode.HTTP, ())
    assert signature.is_async is (app is App.ASGI)


@pytest.mark.parametrize(
    "source",
    [
        "import falcon\napp = falcon.App()\n",  # falcon's App is WSGI, falcon.asgi.App is not: the import decides
        "from somewhere import make\napp = make()\n",
        "from flask import Flask\napp = Flask(__name__)\napp = wrap(app)\n",  # the last binding counts
    ],
)
def test_the_static_check_defers_what_it_cannot_tell(source):
    assert from_source(parse_target("main.app"), source, "main.py") is None


@pytest.mark.parametrize(
    ("handler", "app"),
    [("wsgi_app.app", App.WSGI), ("wsgi_app.raw", App.WSGI), ("asgi_app.app", App.ASGI), ("asgi_app.raw", App.ASGI)],
)
def test_the_import_tells_an_app_by_its_call(handler, app):
    target = parse_target(handler)
    signature = from_function(target, load_function(APPS, target))
    assert (signature.app, signature.parameters) == (app, ())


def test_a_function_with_two_parameters_is_still_a_function():
    source = "def handler(data, attributes):\n    pass\n"
    signature = from_source(parse_target("main.handler"), source, "main.py")
    assert signature is not None and signature.app is None and signature.mode is Mode.CLOUDEVENT


def test_the_wsgi_server_refuses_an_asgi_app_with_a_message():
    with pytest.raises(InvokerError) as refused:
        create_app("asgi_app.app", APPS, Settings())
    assert str(refused.value.message) == (
        "asgi_app.app is an ASGI application: serve it with kn_fn_invoker._asgi.create_asgi_app, not the WSGI app"
    )


# --- a WSGI app served -----------------------------------------------------------------------


@pytest.fixture
def logged(caplog):
    logger = logging.getLogger("kn_fn_invoker")
    logger.addHandler(caplog.handler)
    yield lambda: [record.getMessage() for record in caplog.records if record.name == "kn_fn_invoker"]
    logger.removeHandler(caplog.handler)


def test_a_flask_app_is_served_as_it_is():
    client = create_app("wsgi_app.app", APPS, Settings()).test_client()
    hello = client.post("/hello", data=b"abc")
    assert (hello.status_code, hello.get_data(as_text=True)) == (200, "hello from the app, 3 bytes")
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "Not Found" in missing.get_data(as_text=True)  # Flask's own page


def test_the_health_paths_are_the_runtimes_for_get_and_head_the_apps_otherwise():
    client = create_app("wsgi_app.app", APPS, Settings()).test_client()
    assert client.get("/health/ready").get_data(as_text=True) == "OK"
    assert client.head("/health/ready").status_code == 200
    assert client.post("/health/ready").get_data(as_text=True) == "the app's own health route"


def test_the_body_limit_holds_around_an_app():
    client = create_app("wsgi_app.app", APPS, Settings(max_body_bytes=4)).test_client()
    assert client.post("/hello", data=b"abcd").status_code == 200
    over = client.post("/hello", data=b"abcde")
    assert over.status_code == 413 and over.get_json() == {"error": "request body is larger than the limit of 4 bytes (MAX_BODY_BYTES)"}


def test_an_exception_out_of_a_raw_wsgi_app_is_500_and_one_log_line(logged):
    client = create_app("wsgi_app.raw", APPS, Settings()).test_client()
    failed = client.get("/raise")
    assert failed.status_code == 500
    assert failed.get_json() == {"error": "the application raised KeyError; see the function's log"}
    assert logged() == ["the application raised KeyError"]
    assert client.post("/echo", data=b"again").get_data() == b"raw again"


def test_what_a_flask_app_catches_stays_the_apps(logged):
    client = create_app("wsgi_app.app", APPS, Settings()).test_client()
    assert client.get("/fails").status_code == 500  # Flask's own 500 page, logged by Flask's logger
    assert logged() == []


def test_timeout_answers_504_around_an_app_and_the_next_request_is_served(logged):
    client = create_app("wsgi_app.raw", APPS, Settings(timeout=0.3)).test_client()
    late = client.get("/slow")
    assert late.status_code == 504 and "TIMEOUT" in late.get_json()["error"]
    assert client.post("/fast", data=b"x").get_data() == b"raw x"
    assert logged() == ["the application timed out"]


def test_the_check_cli_names_an_app(tmp_path):
    import subprocess

    (tmp_path / "main.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    for flags in (["--static"], []):
        result = subprocess.run([sys.executable, "-m", "kn_fn_invoker", "check", "--dir", str(tmp_path), "--handler", "main.app",
                                 "--json", *flags], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["app"] == "wsgi"
    text = subprocess.run([sys.executable, "-m", "kn_fn_invoker", "check", "--dir", str(tmp_path), "--handler", "main.app"],
                          capture_output=True, text=True, timeout=60)
    assert text.stdout == (
        "main.app: WSGI application, served as it is (the invoker adds health paths, body limit, timeout, error log)\n"
    )
