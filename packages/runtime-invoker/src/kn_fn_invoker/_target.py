"""The function target: which module and function PYTHON_HANDLER names, and loading it."""

from __future__ import annotations

import importlib
import keyword
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import _messages as messages

DEFAULT_HANDLER = "handler.handler"


class InvokerError(Exception):
    """A problem with the user's function, explained for the user (exit 1, no traceback)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Target:
    module: str
    function: str

    @property
    def handler(self) -> str:
        return f"{self.module}.{self.function}"

    def candidate_files(self) -> tuple[str, str]:
        """Where the module can live, relative to the function directory."""
        base = self.module.replace(".", "/")
        return (f"{base}.py", f"{base}/__init__.py")


def parse_target(value: str) -> Target:
    """`module.function` or `pkg.sub.module.function`: the last dot splits.

    The rules are spec/handler-names.json's, shared with the buildpack's parseHandler. Each
    part is NFKC-normalised as Python normalises names in source (`import ﬁ` imports `fi`,
    https://docs.python.org/3/reference/lexical_analysis.html#identifiers), then must be an
    identifier and not a keyword. Parts are split before normalising: a fullwidth full stop
    is not a dot.
    """
    parts = value.split(".")
    if not value.isascii():
        import unicodedata  # only for non-ASCII names: start-up stays lean

        parts = [unicodedata.normalize("NFKC", part) for part in parts]
    if len(parts) < 2 or not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
        raise InvokerError("handler-format", messages.handler_format(value))
    return Target(module=".".join(parts[:-1]), function=parts[-1])


def resolve_handler_setting(python_handler: str | None, bp_function: str | None) -> str:
    """PYTHON_HANDLER wins; BP_FUNCTION is its alias; both set and different is an error.

    Set but empty is a value (and a malformed one), not the default: the buildpack reads the
    platform's env files the same way, so a setting means one thing at build and at run time.
    """
    if python_handler is not None and bp_function is not None and python_handler != bp_function:
        raise InvokerError("handler-conflict", messages.handler_conflict(python_handler, bp_function))
    if python_handler is not None:
        return python_handler
    return DEFAULT_HANDLER if bp_function is None else bp_function


def find_module_file(directory: Path, target: Target) -> Path:
    for relative in target.candidate_files():
        path = directory / relative
        if path.is_file():
            return path
    raise InvokerError(
        "module-not-found",
        messages.module_not_found(target.module, target.candidate_files(), target.handler),
    )


def load_function(directory: Path, target: Target) -> Callable[..., Any]:
    """Import the user's module from `directory` and return the named callable."""
    module_file = find_module_file(directory, target)
    source_dir = str(directory.resolve())
    # The function directory comes first so the user's modules shadow nothing of ours by
    # accident and are found the way `python handler.py` would find them.
    if source_dir not in sys.path:
        sys.path.insert(0, source_dir)
    try:
        module = importlib.import_module(target.module)
    except SyntaxError as error:
        raise InvokerError(
            "syntax-error", messages.syntax_error(_relative(directory, module_file), error.lineno, error.msg)
        ) from None
    except BaseException as error:  # noqa: BLE001 - any failure at import is the user's to see
        if isinstance(error, KeyboardInterrupt):
            raise
        raise InvokerError(
            "import-error", messages.import_failed(target.handler, _last_frame(error), _describe(error))
        ) from None
    if not hasattr(module, target.function):
        found = sorted(
            name for name, value in vars(module).items()
            if callable(value) and not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        )
        raise InvokerError(
            "function-not-found",
            messages.function_not_found(_relative(directory, module_file), target.function, target.handler, found),
        )
    function = getattr(module, target.function)
    if not callable(function):
        raise InvokerError("not-callable", messages.not_callable(target.handler, type(function).__name__))
    return function


def _relative(directory: Path, path: Path) -> str:
    try:
        return str(path.relative_to(directory))
    except ValueError:
        return str(path)


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _last_frame(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    # importlib's own frames say nothing to the user; show the deepest frame of theirs.
    for frame in reversed(frames):
        if "importlib" not in frame.filename:
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: {(frame.line or "").strip()}'
    return "(no frame)"
