"""Settings read from the environment once, at start-up, with their documented defaults.

Every value is checked here, so a bad one stops start-up with one `[Error: invalid setting]`
line instead of a server that cannot work (TIMEOUT=nan would time every request out at once)
or a traceback later (GRACEFUL_TIMEOUT=inf overflowed in the server options). Unset or
empty means the default; surrounding whitespace is ignored in numbers.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from . import _messages as messages
from ._cpu import CpuLimit, default_concurrency
from ._target import InvokerError

# Each worker is a whole Python process with the function loaded, each thread a pid: past
# these a value is a typo that would exhaust the pod's memory or pid limit, not tuning.
MAX_WORKERS = 1024
MAX_THREADS = 4096
# A chunked body is read as limit + 1 bytes, and a read size must fit in an index.
MAX_BODY_BYTES = sys.maxsize - 1
# TIMEOUT is a threading.Event.wait, which refuses longer waits with OverflowError
# (https://docs.python.org/3/library/threading.html#threading.TIMEOUT_MAX). The server only
# needs GRACEFUL_TIMEOUT finite (_server.py clamps it further), but one bound for both is
# simpler: 292 years on Linux.
MAX_SECONDS = int(threading.TIMEOUT_MAX)

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


@dataclass(frozen=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8080
    workers: int = 1
    threads: int = 8
    # Seconds a function may run before its request gets 504; 0 means no limit.
    timeout: float = 0
    # Seconds in-flight requests get to finish after SIGTERM.
    graceful_timeout: float = 30
    max_body_bytes: int = 10 * 1024 * 1024
    reply_source: str | None = None
    reply_type: str = "dev.kn-fn.function.response"


def _invalid(name: str, value: str, expected: str) -> InvokerError:
    return InvokerError("bad-setting", messages.bad_setting(name, value, expected))


def _whole(name: str, value: str, minimum: int, maximum: int, expected: str) -> int:
    # Decimal digits only: int() would also take "+5", "1_000" and other scripts' digits.
    text = value.strip()
    # int() refuses more than 4300 digits; so many are out of range anyway.
    if _DIGITS.fullmatch(text) and len(text.lstrip("0")) <= len(str(maximum)):
        number = int(text)
        if minimum <= number <= maximum:
            return number
    raise _invalid(name, value, expected)


def _seconds(name: str, value: str, expected: str) -> float:
    # Digits and a point only: float() would also take "nan", "inf", "-0" and "1e3".
    text = value.strip()
    if _DECIMAL.fullmatch(text):
        number = float(text)
        if number <= MAX_SECONDS:
            return number
    raise _invalid(name, value, expected)


def _is_cloudevents_string(value: str) -> bool:
    """Not blank, and no control characters, surrogates or noncharacters (the String type,
    https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#type-system).
    An undecodable byte in the environment arrives as a surrogate."""
    for character in value:
        code = ord(character)
        if code <= 0x1F or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            return False
        if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            return False
    return not value.isspace()


def parse_port(name: str, value: str) -> int:
    """PORT, and the --port option: one rule, one text."""
    return _whole(name, value, 1, 65535, messages.EXPECTED_PORT)


def _workers(name: str, value: str) -> int:
    return _whole(name, value, 1, MAX_WORKERS, messages.expected_whole(1, MAX_WORKERS))


def _threads(name: str, value: str) -> int:
    return _whole(name, value, 1, MAX_THREADS, messages.expected_whole(1, MAX_THREADS))


def _body_bytes(name: str, value: str) -> int:
    return _whole(name, value, 1, MAX_BODY_BYTES, messages.expected_bytes(1, MAX_BODY_BYTES))


def _timeout(name: str, value: str) -> float:
    return _seconds(name, value, messages.expected_seconds(MAX_SECONDS, zero="no limit"))


def _graceful_timeout(name: str, value: str) -> float:
    return _seconds(name, value, messages.expected_seconds(MAX_SECONDS))


def _reply_source(name: str, value: str) -> str:
    # A source is a URI-reference, and a URI-reference has no spaces.
    if _is_cloudevents_string(value) and not any(character.isspace() for character in value):
        return value
    raise _invalid(name, value, messages.EXPECTED_REPLY_SOURCE)


def _reply_type(name: str, value: str) -> str:
    if _is_cloudevents_string(value):
        return value
    raise _invalid(name, value, messages.EXPECTED_REPLY_TYPE)


_T = TypeVar("_T")


NOT_READ = CpuLimit(None, "not read")


def from_environment(env: Mapping[str, str] | None = None, cpu: CpuLimit = NOT_READ) -> Settings:
    """`cpu` is the container's CPU limit (_cpu.read_cpu_limit, read by the server's start):
    WORKERS and THREADS default from it."""
    env = os.environ if env is None else env
    concurrency = default_concurrency(cpu)

    def read(name: str, default: _T, parse: Callable[[str, str], _T]) -> _T:
        value = env.get(name)
        return parse(name, value) if value else default  # unset or empty: the default

    return Settings(
        host=env.get("HOST") or Settings.host,
        port=read("PORT", Settings.port, parse_port),
        workers=read("WORKERS", concurrency.workers, _workers),
        threads=read("THREADS", concurrency.threads, _threads),
        timeout=read("TIMEOUT", Settings.timeout, _timeout),
        graceful_timeout=read("GRACEFUL_TIMEOUT", Settings.graceful_timeout, _graceful_timeout),
        max_body_bytes=read("MAX_BODY_BYTES", Settings.max_body_bytes, _body_bytes),
        reply_source=read("CE_REPLY_SOURCE", Settings.reply_source, _reply_source),
        reply_type=read("CE_REPLY_TYPE", Settings.reply_type, _reply_type),
    )
