"""Environment settings, their defaults, their errors, and the granian options they make."""

import multiprocessing.connection
import os
import sys
import threading

import pytest

from kn_fn_invoker._server import MAX_KILL_WAIT, granian_options
from kn_fn_invoker._settings import MAX_SECONDS, Settings, from_environment
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


DIGITS = "decimal digits only: no sign, point, exponent or 0x"
PORT = f"a port number from 1 to 65535 ({DIGITS})"
WORKERS = f"a whole number from 1 to 1024 ({DIGITS})"
THREADS = f"a whole number from 1 to 4096 ({DIGITS})"
BODY = f"a number of bytes from 1 to {sys.maxsize - 1} ({DIGITS})"
SECONDS = "in digits with an optional decimal point such as 30 or 2.5 (no sign, exponent, nan or inf)"
TIMEOUT = f"a number of seconds from 0 (no limit) to {int(threading.TIMEOUT_MAX)}, {SECONDS}"
GRACEFUL = f"a number of seconds from 0 to {int(threading.TIMEOUT_MAX)}, {SECONDS}"
SOURCE = (
    "a CloudEvents source, a URI-reference such as /my-function or https://example.com/fn, "
    "without spaces, control characters, surrogates or Unicode noncharacters"
)
TYPE = (
    "a CloudEvents type such as com.example.done: not blank, and without control characters, "
    "surrogates or Unicode noncharacters"
)
BAD_VALUES = [
    *(("PORT", value, PORT) for value in ("eighty", "0", "99999", "65536", "-1", "+80", "80.0", "8e3", "0x50", "nan", " ", "٨٠", "1_000")),
    ("PORT", "9" * 5000, PORT),  # past int()'s 4300-digit limit: still our text
    *(("WORKERS", value, WORKERS) for value in ("0", "-1", "1025", "2.0", "inf", "1e3", "0x10", "+5")),
    *(("THREADS", value, THREADS) for value in ("0", "1.5", "4097", "many", "5.0")),
    *(("MAX_BODY_BYTES", value, BODY) for value in ("0", "-1", "1e6", "10MB", str(sys.maxsize), "1" * 30)),
    *(("TIMEOUT", value, TIMEOUT) for value in ("nan", "NaN", "inf", "-inf", "-1", "-0", "soon", "1e3", "+5", "0x10", "1,5", ".", str(2**63), "9" * 400 + ".0")),
    *(("GRACEFUL_TIMEOUT", value, GRACEFUL) for value in ("inf", "nan", "-3", "1e400", "9223372037", " ")),
    *(("CE_REPLY_SOURCE", value, SOURCE) for value in (" ", "/my fn", "/fn\n", "\t/fn", "/fn\x00", "/fn\udc80", "/fn\ufffe")),
    *(("CE_REPLY_TYPE", value, TYPE) for value in (" ", "\t", "a\nb", "a\x7f", "a\x85", "a\ud800", "a\ufdd0", "a\U0010ffff")),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES, ids=[f"{n}={v[:20]!r}" for n, v, _ in BAD_VALUES])
def test_bad_values_are_refused_with_their_name(name, value, expected):
    with pytest.raises(InvokerError) as caught:
        from_environment({name: value})
    assert caught.value.kind == "bad-setting"
    assert caught.value.message == f"[Error: invalid setting] {name}={value!r}: expected {expected}."


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("PORT", "1", "port", 1),
        ("PORT", "65535", "port", 65535),
        ("PORT", " 8081\n", "port", 8081),  # surrounding whitespace is ignored in numbers
        ("PORT", "08080", "port", 8080),
        ("WORKERS", "1024", "workers", 1024),
        ("THREADS", "4096", "threads", 4096),
        ("MAX_BODY_BYTES", "1", "max_body_bytes", 1),
        ("MAX_BODY_BYTES", str(sys.maxsize - 1), "max_body_bytes", sys.maxsize - 1),
        ("TIMEOUT", "0", "timeout", 0),
        ("TIMEOUT", "2.", "timeout", 2),
        ("TIMEOUT", ".5", "timeout", 0.5),
        ("TIMEOUT", str(int(threading.TIMEOUT_MAX)), "timeout", int(threading.TIMEOUT_MAX)),
        ("GRACEFUL_TIMEOUT", "0", "graceful_timeout", 0),
        ("GRACEFUL_TIMEOUT", "0.25", "graceful_timeout", 0.25),
        ("CE_REPLY_SOURCE", "https://example.com/fn?x=1#y", "reply_source", "https://example.com/fn?x=1#y"),
        ("CE_REPLY_SOURCE", "urn:fn:données", "reply_source", "urn:fn:données"),
        ("CE_REPLY_TYPE", "com.example.done v2", "reply_type", "com.example.done v2"),  # a type may hold spaces
        # Unset or empty: the default.
        ("PORT", "", "port", 8080),
        ("TIMEOUT", "", "timeout", 0),
        ("CE_REPLY_SOURCE", "", "reply_source", None),
        ("CE_REPLY_TYPE", "", "reply_type", "dev.kn-fn.function.response"),
    ],
)
def test_edge_values_that_are_accepted(name, value, field, expected):
    assert getattr(from_environment({name: value}), field) == expected


def test_the_bound_on_seconds_is_where_python_overflows():
    # Event.wait(TIMEOUT) ends in a lock acquire, which checks the timeout before waiting: the
    # longest accepted value passes that check, one second more would overflow.
    longest = from_environment({"TIMEOUT": str(MAX_SECONDS), "GRACEFUL_TIMEOUT": str(MAX_SECONDS)})
    assert threading.Lock().acquire(timeout=longest.timeout) is True
    with pytest.raises(OverflowError):
        threading.Lock().acquire(timeout=MAX_SECONDS + 1)
    # granian joins its workers for GRACEFUL_TIMEOUT, which Python's poll takes in C int
    # milliseconds: the longest grace is clamped to the longest wait that does not overflow.
    assert granian_options(longest)["workers_kill_timeout"] == MAX_KILL_WAIT
    read, write = os.pipe()
    try:
        assert multiprocessing.connection.wait([read], timeout=0) == []
        with pytest.raises(OverflowError):
            multiprocessing.connection.wait([read], timeout=MAX_KILL_WAIT + 1000)
    finally:
        os.close(read)
        os.close(write)


def test_granian_options_follow_the_settings():
    options = granian_options(Settings(host="127.0.0.1", port=9000, workers=3, threads=5, graceful_timeout=6.5))
    assert (options["address"], options["port"]) == ("127.0.0.1", 9000)
    assert (options["workers"], options["blocking_threads"], options["runtime_threads"]) == (3, 5, 1)
    assert options["workers_kill_timeout"] == 6.5
    assert options["log_access"] is False
    assert options["http"].value == "1"  # HTTP/1 only


def test_no_grace_is_the_shortest_wait_granian_takes():
    # 0 would mean "wait forever" to granian.
    assert granian_options(Settings(graceful_timeout=0))["workers_kill_timeout"] == 0.001
