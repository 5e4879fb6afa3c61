"""Environment settings, their defaults, their errors, and the gunicorn options they make."""

import pytest

from kn_fn_invoker._server import gunicorn_options
from kn_fn_invoker._settings import Settings, from_environment
from kn_fn_invoker._target import InvokerError


def test_defaults():
    settings = from_environment({})
    assert settings == Settings()
    assert (settings.port, settings.workers, settings.threads, settings.timeout) == (8080, 1, 8, 0)
    assert settings.max_body_bytes == 10 * 1024 * 1024


def test_values_from_the_environment():
    env = {
        "PORT": "9000", "HOST": "127.0.0.1", "WORKERS": "2", "THREADS": "16", "TIMEOUT": "2.5",
        "GRACEFUL_TIMEOUT": "10", "MAX_BODY_BYTES": "1024", "CE_REPLY_SOURCE": "/fn", "CE_REPLY_TYPE": "t.done",
    }
    assert from_environment(env) == Settings("127.0.0.1", 9000, 2, 16, 2.5, 10, 1024, "/fn", "t.done")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "eighty", "a whole number >= 1"),
        ("PORT", "0", "a whole number >= 1"),
        ("WORKERS", "-1", "a whole number >= 1"),
        ("THREADS", "1.5", "a whole number >= 1"),
        ("TIMEOUT", "soon", "a number of seconds >= 0"),
        ("GRACEFUL_TIMEOUT", "-3", "a number of seconds >= 0"),
    ],
)
def test_bad_values_are_refused_with_their_name(name, value, expected):
    with pytest.raises(InvokerError) as caught:
        from_environment({name: value})
    assert caught.value.message == f"[Error: invalid setting] {name}={value!r}: expected {expected}."


def test_gunicorn_options_follow_the_settings():
    options = gunicorn_options(Settings(host="127.0.0.1", port=9000, workers=3, threads=5, graceful_timeout=6.5))
    assert options["bind"] == "127.0.0.1:9000"
    assert options["worker_class"] == "kn_fn_invoker._worker.DrainingWorker"
    # gunicorn refuses a float graceful_timeout: whole seconds, rounded up.
    assert (options["workers"], options["threads"], options["graceful_timeout"]) == (3, 5, 7)
    assert options["control_socket_disable"] is True
    assert options["preload_app"] is True
    assert options["accesslog"] is None
