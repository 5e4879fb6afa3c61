"""Command line: `python -m kn_fn_invoker [serve] ...` and `python -m kn_fn_invoker check ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from . import _hooks as hooks
from . import _messages as messages
from ._settings import from_environment, parse_port
from ._signature import Signature, from_function, from_source
from ._target import InvokerError, find_module_file, load_function, parse_target, resolve_handler_setting


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kn_fn_invoker", description="Serve a Python function over HTTP and CloudEvents.")
    parser.add_argument("--dir", default=".", help="the function directory (default: .)")
    parser.add_argument("--handler", help="module.function (default: $PYTHON_HANDLER, $BP_FUNCTION, or handler.handler)")
    parser.add_argument("--port", help="port to listen on, 1 to 65535 (default: $PORT or 8080)")
    parser.add_argument("--host", help="address to bind (default: $HOST or 0.0.0.0)")
    return parser


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kn_fn_invoker check",
        description="Check that a function can be served: exit 0 and print its mode, or exit 1 with the reason.",
    )
    parser.add_argument("--dir", default=".", help="the function directory (default: .)")
    parser.add_argument("--handler", help="module.function (default: $PYTHON_HANDLER, $BP_FUNCTION, or handler.handler)")
    parser.add_argument("--static", action="store_true", help="read the source with ast; do not import the module")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def _handler(value: str | None) -> str:
    # --handler "" is a value (a malformed one), like PYTHON_HANDLER="": not the default.
    if value is not None:
        return value
    return resolve_handler_setting(os.environ.get("PYTHON_HANDLER"), os.environ.get("BP_FUNCTION"))


def check(directory: Path, handler: str, static: bool) -> tuple[str, Signature | None, list[str]]:
    """The handler, its signature (None: deferred to the import) and, when imported, the
    lifecycle hooks beside it."""
    target = parse_target(handler)
    if static:
        module_file = find_module_file(directory, target)
        source = module_file.read_text(encoding="utf-8", errors="replace")
        return target.handler, from_source(target, source, str(module_file.relative_to(directory))), []
    signature = from_function(target, load_function(directory, target))
    return target.handler, signature, hooks.beside(directory, target).names


def _run_check(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    try:
        handler, signature, hook_names = check(Path(args.dir), _handler(args.handler), args.static)
    except InvokerError as error:
        if args.json:
            print(json.dumps({"ok": False, "kind": error.kind, "message": error.message}))
        else:
            print(error.message, file=sys.stderr)
        return 1
    if args.json:
        result = {"ok": True, "handler": handler, "mode": None, "parameters": [], "async": False, "app": None,
                  "hooks": hook_names}
        if signature is not None:
            app = signature.app.value if signature.app else None
            result.update(mode=signature.mode.value, parameters=signature.names, app=app, **{"async": signature.is_async})
        print(json.dumps(result))
    elif signature is None:
        print(messages.check_deferred(handler))
    else:
        app = signature.app.value if signature.app else None
        print(messages.check_ok(handler, signature.mode.value, signature.names, signature.is_async, hook_names, app))
    return 0


def _run_serve(argv: list[str]) -> int:
    args = _serve_parser().parse_args(argv)
    from ._app import create_app, load, log  # flask and granian load only when serving
    from ._asgi import create_asgi_app, served_on_loop
    from ._cpu import read_cpu_limit
    from ._server import serve

    cpu = read_cpu_limit()
    try:
        settings = from_environment(cpu=cpu)
        if args.port is not None:
            settings = replace(settings, port=parse_port("--port", args.port))
        if args.host:
            settings = replace(settings, host=args.host)
        loaded = load(_handler(args.handler), args.dir)
        app = create_asgi_app(settings=settings, loaded=loaded) if served_on_loop(loaded) else create_app(settings=settings, loaded=loaded)
    except InvokerError as error:
        print(error.message, file=sys.stderr)
        return 1
    given = [name for name in ("WORKERS", "THREADS") if os.environ.get(name)]
    log.info(messages.concurrency_chosen(settings.workers, settings.threads, cpu.cpus, cpu.source, given, served_on_loop(loaded)),
             extra={"fields": {"workers": settings.workers, "threads": settings.threads, "cpu_limit": cpu.cpus}})
    serve(app, settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "check":
        return _run_check(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return _run_serve(argv)
