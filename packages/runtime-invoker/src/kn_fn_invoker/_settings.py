"""Settings read from the environment once, at start-up, with their documented defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from . import _messages as messages
from ._target import InvokerError


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


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise InvokerError("bad-setting", messages.bad_setting(name, value, f"a whole number >= {minimum}"))
    return number


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1
    if number < 0:
        raise InvokerError("bad-setting", messages.bad_setting(name, value, "a number of seconds >= 0"))
    return number


def from_environment(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        host=env.get("HOST") or Settings.host,
        port=_int(env, "PORT", Settings.port, 1),
        workers=_int(env, "WORKERS", Settings.workers, 1),
        threads=_int(env, "THREADS", Settings.threads, 1),
        timeout=_seconds(env, "TIMEOUT", Settings.timeout),
        graceful_timeout=_seconds(env, "GRACEFUL_TIMEOUT", Settings.graceful_timeout),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", Settings.max_body_bytes, 1),
        reply_source=env.get("CE_REPLY_SOURCE") or None,
        reply_type=env.get("CE_REPLY_TYPE") or Settings.reply_type,
    )
