"""Lifecycle hooks: optional functions beside the handler, with Knative func's names.

- `start()` or `start(cfg)`: once in each worker before it serves (`cfg` is a copy of the
  environment, as Knative func passes it); an exception stops start-up with its message;
- `stop()`: once in each worker when it stops, after its in-flight requests finished, within
  the grace period (`GRACEFUL_TIMEOUT` from SIGTERM);
- `ready()` and `alive()`: called by `/health/ready` (`/health/readiness`) and `/health/live`
  (`/health/liveness`); a true result is 200, a false one or an exception 503. A
  `(bool, message)` pair, Knative func's form, also sets the body.

Each may be `async def`. Where the function is served on the worker's event loop (an async
function or an ASGI app, _asgi.py), every hook runs on that loop, so an asyncio client made
in start() serves every request; a sync hook there blocks the loop while it runs. Beside a
sync function (or a WSGI app) an async hook runs on a fresh loop (asyncio.run), closed
afterwards: make asyncio clients lazily, in the call. Only functions defined in the handler's module count: a `start`
imported from a library is not a hook. A hook that needs arguments it cannot be given fails
the import check (and so the build), not the first start.
"""

from __future__ import annotations

import inspect
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from . import _messages as messages
from ._target import InvokerError, Target, find_module_file

NAMES = ("start", "stop", "ready", "alive")
# The exit status of a worker whose start() failed (gunicorn's boot-error status, kept); the
# server itself then exits 1, as granian does when a worker dies.
WORKER_START_FAILED = 3
# How many positional arguments each hook may require: start may take the configuration.
_ARGUMENTS = {"start": 1, "stop": 0, "ready": 0, "alive": 0}


@dataclass(frozen=True)
class Hooks:
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def get(self, name: str) -> Callable[..., Any] | None:
        return self.functions.get(name)

    @property
    def names(self) -> list[str]:
        return [name for name in NAMES if name in self.functions]


def beside(directory: Path, target: Target) -> Hooks:
    """The hooks in the module of a target load_function has imported."""
    module_file = str(find_module_file(directory, target).relative_to(directory))
    return find(sys.modules[target.module], module_file)


def find(module: ModuleType, module_file: str) -> Hooks:
    found = {}
    for name in NAMES:
        value = vars(module).get(name)
        if not inspect.isfunction(value) or value.__module__ != module.__name__:
            continue
        parameters = inspect.signature(value).parameters.values()
        positional = [p.name for p in parameters
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        keyword_only = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
        if len(positional) > _ARGUMENTS[name] or keyword_only:
            raise InvokerError("hook-signature",
                               messages.hook_arguments(module_file, name, positional + keyword_only, _ARGUMENTS[name]))
        found[name] = value
    return Hooks(found)


def call(hook: Callable[..., Any], *args: Any) -> Any:
    return resolved(hook(*args))


def resolved(result: Any) -> Any:
    """The result of a call, awaited on a fresh event loop when the callee was async (async
    functions and async hooks alike)."""
    if inspect.isawaitable(result):
        import asyncio  # only async callees need it: ~11 ms off every cold start

        result = asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def awaited(hook: Callable[..., Any], *args: Any) -> Any:
    """A hook's result on the running loop (the ASGI server's), awaited when it is async."""
    result = hook(*args)
    return await result if inspect.isawaitable(result) else result


def _start_arguments(start: Callable[..., Any]) -> tuple[Any, ...]:
    return (dict(os.environ),) if inspect.signature(start).parameters else ()


def run_start(hooks: Hooks) -> None:
    """start() in this worker; InvokerError with the hook's failure for the user."""
    start = hooks.get("start")
    if start is None:
        return
    try:
        call(start, *_start_arguments(start))
    except Exception as error:  # noqa: BLE001 - any failure of start() stops start-up
        raise InvokerError("start-failed", messages.hook_failed("start", error)) from error


async def start_on_loop(hooks: Hooks) -> None:
    """run_start, on the running loop."""
    start = hooks.get("start")
    if start is None:
        return
    try:
        await awaited(start, *_start_arguments(start))
    except Exception as error:  # noqa: BLE001 - any failure of start() stops start-up
        raise InvokerError("start-failed", messages.hook_failed("start", error)) from error


def run_stop(hooks: Hooks) -> str | None:
    """stop() in this worker; the failure's text, if it failed (the worker stops either way)."""
    stop = hooks.get("stop")
    if stop is None:
        return None
    try:
        call(stop)
    except Exception as error:  # noqa: BLE001
        return messages.hook_failed("stop", error)
    return None


async def stop_on_loop(hooks: Hooks) -> str | None:
    """run_stop, on the running loop."""
    stop = hooks.get("stop")
    if stop is None:
        return None
    try:
        await awaited(stop)
    except Exception as error:  # noqa: BLE001
        return messages.hook_failed("stop", error)
    return None


@dataclass(frozen=True)
class Health:
    healthy: bool
    body: str
    raised: bool = False  # the hook raised: worth a log line, unlike a plain "not ready"


def probe(hooks: Hooks, name: str) -> Health:
    """ready or alive."""
    hook = hooks.get(name)
    if hook is None:
        return Health(True, "OK")
    try:
        result = call(hook)
    except Exception as error:  # noqa: BLE001 - an exception means not healthy
        return Health(False, messages.hook_failed(name, error), raised=True)
    return _health(name, result)


async def probe_on_loop(hooks: Hooks, name: str) -> Health:
    """probe, on the running loop."""
    hook = hooks.get(name)
    if hook is None:
        return Health(True, "OK")
    try:
        result = await awaited(hook)
    except Exception as error:  # noqa: BLE001 - an exception means not healthy
        return Health(False, messages.hook_failed(name, error), raised=True)
    return _health(name, result)


def _health(name: str, result: Any) -> Health:
    if isinstance(result, tuple) and len(result) == 2:
        healthy, message = bool(result[0]), str(result[1])
        return Health(healthy, message or ("OK" if healthy else messages.hook_said_no(name)))
    return Health(bool(result), "OK" if result else messages.hook_said_no(name))
