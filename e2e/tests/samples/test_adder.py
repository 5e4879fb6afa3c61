"""samples/python/http/adder: built with pack, run in a container, called over HTTP."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

USER, PASSWORD = "ada", "correct horse battery staple é"  # a non-ASCII password on purpose
CREDENTIALS = {"ADDER_USERNAME": USER, "ADDER_PASSWORD": PASSWORD}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def image(build_sample) -> str:
    return build_sample("http", "adder")


@pytest.fixture
def adder(functions, image):
    return functions.start(image, env=CREDENTIALS)


def post_form(fn, **fields):
    return fn.post("/", body=urlencode(fields), headers=FORM)


def test_adds_the_two_numbers(adder):
    for a, b, expected in [("2", "40", 42), ("-7", "7", 0), ("1.5", "2.25", 3.75), ("0.1", "0.2", 0.3), ("1e3", "1", 1001.0)]:
        reply = post_form(adder, a=a, b=b, username=USER, password=PASSWORD)
        assert reply.status == 200, reply.text
        assert reply.headers["content-type"] == "application/json"
        assert reply.json() == {"sum": expected}, (a, b)


def test_large_integers_add_exactly(adder):
    a, b = "9" * 40, "1"
    reply = post_form(adder, a=a, b=b, username=USER, password=PASSWORD)
    assert reply.status == 200, reply.text
    assert reply.json() == {"sum": int(a) + int(b)}


@pytest.mark.parametrize("fields", [
    {},                                          # no credentials at all
    {"username": USER},                          # no password
    {"username": USER, "password": "wrong"},
    {"username": "eve", "password": PASSWORD},   # right password, wrong user
    {"username": USER, "password": PASSWORD[:-1]},
], ids=["missing", "no-password", "wrong-password", "wrong-user", "prefix-of-password"])
def test_bad_or_missing_credentials_get_401(adder, fields):
    reply = post_form(adder, a="1", b="2", **fields)
    assert reply.status == 401, reply.text
    assert reply.json() == {"error": "wrong or missing credentials: send the form fields username and password"}
    assert reply.headers["www-authenticate"].startswith("Form ")


def test_credentials_are_checked_before_the_numbers(adder):
    # A caller without credentials learns nothing about the input rules.
    reply = post_form(adder, a="x", b="y", username=USER, password="wrong")
    assert reply.status == 401, reply.text


@pytest.mark.parametrize("a, b, error", [
    ("two", "40", 'the form field "a" is not a number (examples: 42, -1.5, 2e3)'),
    ("2", "nan", 'the form field "b" is not a number (examples: 42, -1.5, 2e3)'),
    ("2", "", 'the form field "b" is missing: send two numbers, a and b'),
    ("1" * 101, "1", 'the form field "a" is longer than 100 characters'),
    ("1e308", "1e308", "the sum is too large to represent"),
])
def test_non_numbers_get_400_with_a_clear_error(adder, a, b, error):
    reply = post_form(adder, a=a, b=b, username=USER, password=PASSWORD)
    assert reply.status == 400, reply.text
    assert reply.json() == {"error": error}
    if a == "two":
        assert "two" not in reply.text  # the input is never echoed back


def test_a_missing_field_gets_400(adder):
    reply = post_form(adder, a="2", username=USER, password=PASSWORD)
    assert reply.status == 400, reply.text
    assert reply.json() == {"error": 'the form field "b" is missing: send two numbers, a and b'}


def test_get_shows_usage_and_other_methods_get_405(adder):
    usage = adder.get("/")
    assert usage.status == 200
    assert usage.headers["content-type"] == "text/plain; charset=utf-8"
    assert "POST a form" in usage.text and "username" in usage.text
    for method in ("PUT", "DELETE", "PATCH"):
        reply = adder.request(method, "/", body="a=1&b=2", headers=FORM)
        assert reply.status == 405, (method, reply.text)
        assert reply.headers["allow"] == "GET, HEAD, POST"
        assert reply.json() == {"error": f"{method} is not supported: POST the form (GET shows how)"}


def test_json_body_gets_415(adder):
    reply = adder.post("/", body='{"a": 1, "b": 2}', headers={"Content-Type": "application/json"})
    assert reply.status == 415, reply.text
    assert reply.json() == {"error": "send the fields as a form (Content-Type: application/x-www-form-urlencoded)"}


def test_without_configured_credentials_nobody_gets_in(functions, image):
    fn = functions.start(image)  # ADDER_USERNAME and ADDER_PASSWORD unset
    reply = post_form(fn, a="1", b="2", username="", password="")
    assert reply.status == 500, reply.text
    assert reply.json() == {"error": "the adder is not configured: set ADDER_USERNAME and ADDER_PASSWORD in its environment"}
    assert fn.get("/health/ready").status == 200  # still serving
    # start(), the sample's lifecycle hook, read the environment once in the worker and said so.
    assert said_not_configured(fn, times=1) == 1


def test_each_worker_reads_the_credentials_once_in_start(functions, image):
    fn = functions.start(image, env={"ADDER_USERNAME": USER, "WORKERS": "2"})  # no password: each worker says so
    assert said_not_configured(fn, times=2) == 2


def said_not_configured(fn, times: int) -> int:
    """How often the log says so, once it said it `times` times (or 15 s passed): a second
    worker may boot after the first answered, and the engine's log trails the process."""
    deadline = time.monotonic() + 15
    while (said := fn.logs().count("adder: ADDER_USERNAME and ADDER_PASSWORD are not set: every sum will be refused")) < times:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return said
