"""HTTP mode: every row of the Responses table, parameters, methods and paths."""

import io
import json

import pytest


@pytest.mark.parametrize(
    ("handler", "status", "content_type", "body"),
    [
        ("handler.handler", 200, "text/plain; charset=utf-8", b"hello world"),
        ("handler.no_params", 200, "text/plain; charset=utf-8", b"no parameters"),
        ("handler.returns_bytes", 200, "application/octet-stream", b"\x00\x01payload"),
        ("handler.returns_list", 200, "application/json", b'[1, "two", null]'),
        ("handler.returns_status", 201, "text/plain; charset=utf-8", b"created"),
        ("handler.returns_response", 418, "text/x-teapot", b"teapot"),
        ("handler.async_handler", 200, "text/plain; charset=utf-8", b"async POST"),
        ("handler.flask_global", 200, "text/plain; charset=utf-8", b"/some/path"),
        ("handler.positional_only", 200, "text/plain; charset=utf-8", b"positional POST"),
    ],
)
def test_return_values_become_responses(make_client, handler, status, content_type, body):
    client = make_client("http", handler)
    response = client.post("/some/path", data=b"payload")
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert response.data == body


def test_dict_is_json_and_headers_parameter_is_the_request_headers(make_client):
    response = make_client("http", "handler.returns_dict").get("/", headers={"User-Agent": "probe/1"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"agent": "probe/1", "n": 1}


def test_tuple_with_headers(make_client):
    response = make_client("http", "handler.returns_status_headers").get("/")
    assert response.status_code == 202
    assert response.headers["X-Extra"] == "yes"
    assert response.get_json() == {"ok": True}


def test_none_is_204_with_no_body(make_client):
    response = make_client("http", "handler.returns_none").get("/")
    assert response.status_code == 204
    assert response.data == b""


def test_query_string_reaches_the_request(make_client):
    assert make_client("http").get("/?name=kn").data == b"hello kn"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_method_and_path_reaches_an_http_function(make_client, method):
    response = make_client("http", "handler.flask_global").open("/a/b/c", method=method)
    assert response.status_code == 200
    assert response.data == b"/a/b/c"


def test_a_path_reaches_the_function_with_its_slashes(make_client):
    # No redirect, no merged slashes (as under Flask's catch-all route, which the lean path
    # replaced: same answer, checked against both).
    response = make_client("http", "handler.flask_global").get("/a//b/")
    assert (response.status_code, response.data) == (200, b"/a//b/")


def test_raising_function_gives_500_json_without_the_request(make_client, capfd):
    client = make_client("http", "handler.raises")
    response = client.post("/", data=b"TOPSECRET")
    assert response.status_code == 500
    assert response.get_json() == {"error": "the function raised ValueError; see the function's log"}
    assert b"TOPSECRET" not in response.data
    log_lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert len(log_lines) == 1
    entry = json.loads(log_lines[0])
    assert entry["severity"] == "ERROR"
    assert entry["message"] == "function raised ValueError"
    assert entry["handler"] == "handler.raises"
    assert "ValueError" in entry["traceback"]
    # The app still serves after the failure.
    assert client.post("/", data=b"x").status_code == 500
    assert make_client("http").get("/").status_code == 200


@pytest.mark.parametrize("handler", ["handler.returns_unsupported", "handler.returns_int"])
def test_unsupported_return_value_is_a_500_naming_the_type(make_client, handler, capfd):
    response = make_client("http", handler).get("/")
    assert response.status_code == 500
    type_name = "object" if handler.endswith("unsupported") else "int"
    assert response.get_json() == {
        "error": f"the function returned a value of type {type_name}, which cannot be sent as a response; see the function's log"
    }
    assert f"function returned {type_name}; return str, bytes, dict, list, None" in capfd.readouterr().err


def test_flask_abort_keeps_its_status(make_client):
    assert make_client("http", "handler.aborts").get("/").status_code == 401


def test_body_over_the_limit_is_413_before_the_function_runs(make_client):
    client = make_client("http", "handler.reads_body", max_body_bytes=10)
    assert client.post("/", data=b"x" * 10).data == b"10"
    response = client.post("/", data=b"x" * 11)
    assert response.status_code == 413
    assert response.get_json() == {"error": "request body is larger than the limit of 10 bytes (MAX_BODY_BYTES)"}


def test_chunked_body_over_the_limit_is_413(make_client):
    client = make_client("http", "handler.reads_body", max_body_bytes=10)


    def post_chunked(size: int):
        # Servers mark a chunked body as terminated input, with no Content-Length.
        return client.post(
            "/",
            input_stream=io.BytesIO(b"x" * size),
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    assert post_chunked(10).data == b"10"
    response = post_chunked(16)
    assert response.status_code == 413
    assert response.get_json() == {"error": "request body is larger than the limit of 10 bytes (MAX_BODY_BYTES)"}


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/health/liveness", "/health/readiness"])
def test_health_paths_answer_without_calling_the_function(make_client, path):
    response = make_client("http", "handler.raises").get(path)
    assert response.status_code == 200
    assert response.data == b"OK"


def test_timeout_gives_504_and_the_next_request_succeeds(make_client):
    client = make_client("http", "handler.slow", timeout=0.2)
    response = client.get("/?s=1")
    assert response.status_code == 504
    assert response.get_json() == {"error": "the function did not finish within 0.2 s (TIMEOUT)"}
    assert client.get("/?s=0").data == b"slow done"


def test_content_length_counts_with_a_transfer_encoding_other_than_chunked(make_client):
    # handler.handler never reads the body: only the up-front check can refuse it.
    client = make_client("http", "handler.handler", max_body_bytes=10)
    response = client.post("/", data=b"x" * 11, headers={"Transfer-Encoding": "gzip"})
    assert response.status_code == 413


def test_a_body_the_client_did_not_finish_never_reaches_the_function(make_client):
    # granian hands on the bytes that arrived before the client went away as if they were
    # the whole body; Content-Length tells. (handler.reads_body answers the length it read.)
    client = make_client("http", "handler.reads_body")
    response = client.post("/", input_stream=io.BytesIO(b"abc"), environ_overrides={"CONTENT_LENGTH": "50"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "request body ended after 3 of its 50 bytes (Content-Length): the client stopped sending"}
    assert client.post("/", data=b"abc").data == b"3"


@pytest.mark.parametrize(
    ("signature", "loaded"),
    [
        ("def handler(req):", []),
        ("def handler(data, attributes):", ["cloudevents", "kn_fn_invoker._cloudevents"]),
    ],
)
def test_an_http_function_does_not_load_the_cloudevents_sdk(tmp_path, signature, loaded):
    # Cold start: ~30 ms of import that an HTTP function never uses. A fresh interpreter,
    # because this test process has imported everything already. (asyncio is no longer
    # checked: the server, granian, imports it.)
    import subprocess
    import sys

    (tmp_path / "handler.py").write_text(f"{signature}\n    return 'hi'\n")
    probe = (
        "import sys; from kn_fn_invoker._app import create_app; import kn_fn_invoker._server; "
        f"create_app('handler.handler', {str(tmp_path)!r}); "
        "print(' '.join(m for m in ('cloudevents', 'kn_fn_invoker._cloudevents') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == loaded
