"""Which values a function asks for, read from its parameter names (or annotations).

One rule set serves two readers: `from_function` (the imported function, at run time and in
the build's import check) and `from_source` (the module's `ast`, before its dependencies
exist, so the build can explain a bad signature without running user code).
"""

from __future__ import annotations

import ast
import enum
import inspect
from dataclasses import dataclass
from typing import Any, Callable

from . import _messages as messages
from ._target import InvokerError, Target


class Mode(str, enum.Enum):
    HTTP = "http"
    CLOUDEVENT = "cloudevent"


class App(str, enum.Enum):
    """An application object the function names instead of a function: served as it is."""

    WSGI = "wsgi"
    ASGI = "asgi"


class Role(str, enum.Enum):
    """The value a parameter receives."""

    REQUEST = "request"
    BODY = "body"
    HEADERS = "headers"
    EVENT = "event"
    DATA = "data"
    ATTRIBUTES = "attributes"


_ROLE_BY_NAME = {
    "req": Role.REQUEST,
    "request": Role.REQUEST,
    "body": Role.BODY,
    "headers": Role.HEADERS,
    "event": Role.EVENT,
    "data": Role.DATA,
    "payload": Role.DATA,
    "attributes": Role.ATTRIBUTES,
}
_HTTP_ROLES = {Role.REQUEST, Role.BODY, Role.HEADERS}
_VARIADIC_PREFIX = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}

# Annotations are matched on their last dotted part, so `flask.Request`, `Request` and
# `"flask.Request"` (postponed evaluation) all mean the same thing in both readers.
_ROLE_BY_ANNOTATION = {"Request": Role.REQUEST, "CloudEvent": Role.EVENT}


@dataclass(frozen=True)
class Parameter:
    name: str
    role: Role
    positional_only: bool


@dataclass(frozen=True)
class Signature:
    mode: Mode
    parameters: tuple[Parameter, ...]
    is_async: bool
    app: App | None = None  # set: an application object, not a function (no parameters)

    @property
    def names(self) -> list[str]:
        return [parameter.name for parameter in self.parameters]


@dataclass(frozen=True)
class _RawParameter:
    """What both readers can tell about one parameter."""

    name: str
    variadic: str  # "", "*" or "**"
    positional_only: bool
    annotation: str | None


def _annotation_role(annotation: str | None) -> Role | None:
    if not annotation:
        return None
    last = annotation.strip().strip("'\"").rsplit(".", 1)[-1]
    return _ROLE_BY_ANNOTATION.get(last)


# The parameter names PEP 3333 and the ASGI specification give an application's callable.
# Names, not counts, tell an app from a function: `(data, attributes)` has two parameters too.
_WSGI_PARAMETERS = ("environ", "start_response")
_ASGI_PARAMETERS = ("scope", "receive", "send")
# Constructors whose result is an application, for the static check (`app = FastAPI()`);
# matched on the last dotted part. Others (falcon's ambiguous `App`) wait for the import.
_APP_CONSTRUCTORS = {
    "Flask": App.WSGI,
    "Bottle": App.WSGI,
    "get_wsgi_application": App.WSGI,
    "FastAPI": App.ASGI,
    "Starlette": App.ASGI,
    "Quart": App.ASGI,
    "Litestar": App.ASGI,
    "get_asgi_application": App.ASGI,
}


def _app_by_parameters(names: list[str]) -> App | None:
    # The first name varies (falcon's `env`); the callbacks' names are the convention.
    if len(names) == 2 and names[1] == "start_response":
        return App.WSGI
    if len(names) == 3 and tuple(names[1:]) == _ASGI_PARAMETERS[1:]:
        return App.ASGI
    return None


def application(app: App) -> Signature:
    # An ASGI app is served on the worker's event loop, as an async function is.
    return Signature(mode=Mode.HTTP, parameters=(), is_async=app is App.ASGI, app=app)


def analyse(target: Target, raw: list[_RawParameter], is_async: bool) -> Signature:
    handler = target.handler
    app = _app_by_parameters([p.name for p in raw if not p.variadic])
    if app is not None and not any(p.variadic for p in raw):
        return application(app)
    variadic = [p.variadic + p.name for p in raw if p.variadic]
    if variadic:
        raise InvokerError("variadic-parameters", messages.variadic_parameters(handler, variadic))
    parameters: list[Parameter] = []
    unknown: list[str] = []
    for p in raw:
        role = _ROLE_BY_NAME.get(p.name) or _annotation_role(p.annotation)
        if role is None:
            unknown.append(p.name)
        else:
            parameters.append(Parameter(p.name, role, p.positional_only))
    if unknown:
        raise InvokerError("unknown-parameters", messages.unknown_parameters(handler, unknown))
    http = [p.name for p in parameters if p.role in _HTTP_ROLES]
    cloudevent = [p.name for p in parameters if p.role not in _HTTP_ROLES]
    if http and cloudevent:
        raise InvokerError("mixed-parameters", messages.mixed_parameters(handler, http, cloudevent))
    mode = Mode.CLOUDEVENT if cloudevent else Mode.HTTP
    return Signature(mode=mode, parameters=tuple(parameters), is_async=is_async)


def from_function(target: Target, function: Callable[..., Any]) -> Signature:
    """The signature of the imported callable. A function, or an object whose call takes an
    application's parameters (a Flask or FastAPI instance: `PYTHON_HANDLER=main.app`)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise InvokerError("not-callable", messages.not_callable(target.handler, type(function).__name__)) from None
    raw = []
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            annotation_name = None
        elif isinstance(annotation, str):
            annotation_name = annotation
        else:
            annotation_name = getattr(annotation, "__name__", None)
        raw.append(
            _RawParameter(
                name=parameter.name,
                variadic=_VARIADIC_PREFIX.get(parameter.kind, ""),
                positional_only=parameter.kind is inspect.Parameter.POSITIONAL_ONLY,
                annotation=annotation_name,
            )
        )
    is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)
    )
    return analyse(target, raw, is_async)


def from_source(target: Target, source: str, filename: str) -> Signature | None:
    """The signature of a top-level `def`; None when the name is bound some other way.

    Raises InvokerError for syntax errors, a missing function, or a bad signature.
    """
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise InvokerError("syntax-error", messages.syntax_error(filename, error.lineno, error.msg or "invalid syntax")) from None
    definitions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    other_bindings: dict[str, ast.stmt] = {}
    star_import = False
    for node in tree.body:
        for name, bound in _top_level_bindings(node):
            if isinstance(bound, (ast.FunctionDef, ast.AsyncFunctionDef)):
                definitions[name] = bound
                other_bindings.pop(name, None)
            else:
                other_bindings[name] = bound
                definitions.pop(name, None)
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            star_import = True
    if target.function in definitions:
        node = definitions[target.function]
        return analyse(target, _raw_from_ast(node.args), isinstance(node, ast.AsyncFunctionDef))
    if target.function in other_bindings:
        app = _constructed_app(other_bindings[target.function])
        return application(app) if app is not None else None
    if star_import:
        return None
    found = sorted(name for name in definitions if not name.startswith("_"))
    raise InvokerError("function-not-found", messages.function_not_found(filename, target.function, target.handler, found))


def _constructed_app(node: ast.stmt) -> App | None:
    """`app = Flask(__name__)`, `app: FastAPI = FastAPI()`: an app by its constructor's name."""
    value = getattr(node, "value", None) if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    if not isinstance(value, ast.Call):
        return None
    called = value.func
    name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", None)
    return _APP_CONSTRUCTORS.get(name) if name else None


def _top_level_bindings(node: ast.stmt):
    """(name, node) for each name a top-level statement binds; walks into if/try blocks."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name, node
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for name_node in ast.walk(target):
                if isinstance(name_node, ast.Name):
                    yield name_node.id, node
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                yield (alias.asname or alias.name.split(".")[0]), node
    elif isinstance(node, (ast.If, ast.Try, ast.With)):
        blocks = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
        blocks += [handler.body for handler in getattr(node, "handlers", [])]
        for block in blocks:
            for child in block:
                yield from _top_level_bindings(child)


def _raw_from_ast(arguments: ast.arguments) -> list[_RawParameter]:
    def annotation(arg: ast.arg) -> str | None:
        if arg.annotation is None:
            return None
        if isinstance(arg.annotation, ast.Constant) and isinstance(arg.annotation.value, str):
            return arg.annotation.value
        return ast.unparse(arg.annotation)

    raw = [_RawParameter(a.arg, "", True, annotation(a)) for a in arguments.posonlyargs]
    raw += [_RawParameter(a.arg, "", False, annotation(a)) for a in arguments.args]
    if arguments.vararg:
        raw.append(_RawParameter(arguments.vararg.arg, "*", False, None))
    raw += [_RawParameter(a.arg, "", False, annotation(a)) for a in arguments.kwonlyargs]
    if arguments.kwarg:
        raw.append(_RawParameter(arguments.kwarg.arg, "**", False, None))
    return raw
