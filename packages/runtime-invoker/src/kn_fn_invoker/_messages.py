"""Every text a user of the invoker reads: build-time check errors and HTTP error bodies.

Errors say what happened, what was found, and what to do, in that order. Texts that reach
an HTTP client never include anything taken from the request (no body, header values or
attribute values): a 4xx must not reflect input back to a caller.
"""

from __future__ import annotations

import re

from collections.abc import Iterable

HTTP_PARAMETERS = ("req", "request", "body", "headers")
CLOUDEVENT_PARAMETERS = ("event", "data", "payload", "attributes")

_ACCEPTED = (
    "Accepted parameter names: "
    "HTTP functions take any of req, request (the Flask request), body (bytes), headers; "
    "CloudEvent functions take any of event (the CloudEvent), data or payload (its data), "
    "attributes (a dict). A parameter annotated flask.Request or CloudEvent may have any name."
)

_SET_HANDLER = "Set PYTHON_HANDLER (project.toml [[build.env]] or pack build --env) to module.function."


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "(none)"


# --- the handler setting -----------------------------------------------------------------


def shown_value(value: str) -> str:
    """A setting's value as is when it is all letters, marks, digits, punctuation and symbols;
    else JSON-quoted with everything outside printable ASCII escaped, so an empty value, a
    space or a newline can be seen. The buildpack's shownValue (messages.ts) is the same."""
    import json  # only on the error path: start-up imports neither
    import unicodedata

    if value and all(unicodedata.category(character)[0] in "LMNPS" for character in value):
        return value
    return json.dumps(value)


def handler_format(value: str) -> str:
    # The same text as the buildpack's errors.handlerFormat: spec/handler-names.json holds it.
    return (
        f"[Error: malformed handler] PYTHON_HANDLER={shown_value(value)} is not of the form "
        "module.function or package.module.function: the last dot splits, and each part must be "
        "a Python identifier that is not a keyword (no paths, spaces, file extensions or empty "
        "parts). Examples: main.handle, pkg.sub.mod.handle. Set PYTHON_HANDLER in project.toml "
        "[[build.env]] (or pack build --env PYTHON_HANDLER=...) to such a value."
    )


def handler_conflict(python_handler: str, bp_function: str) -> str:
    # The same text as the buildpack's errors.handlerConflict.
    return (
        f"[Error: conflicting handler settings] PYTHON_HANDLER={shown_value(python_handler)} and "
        f"BP_FUNCTION={shown_value(bp_function)} are both set and differ. BP_FUNCTION is an alias "
        "of PYTHON_HANDLER: set only PYTHON_HANDLER (project.toml [[build.env]]), or give both "
        "the same value."
    )


def module_not_found(module: str, expected: Iterable[str], handler: str) -> str:
    return (
        f"[Error: handler module not found] No {' or '.join(expected)} in the function "
        f"directory for handler {handler} (module '{module}'). Create it, or set "
        "PYTHON_HANDLER (project.toml [[build.env]] or pack build --env) to the module.function you have."
    )


def function_not_found(module_file: str, function: str, handler: str, found: Iterable[str]) -> str:
    return (
        f"[Error: handler function not found] {module_file} has no function '{function}' "
        f"(PYTHON_HANDLER={handler}). Functions in {module_file}: {_names(found)}. "
        f"{_SET_HANDLER[:-1]} naming one of them, or rename the function."
    )


def not_callable(handler: str, kind: str) -> str:
    return (
        f"[Error: handler is not a function] {handler} is a {kind}, not a function. "
        f"{_SET_HANDLER}"
    )


def syntax_error(module_file: str, line: int | None, message: str) -> str:
    where = f"{module_file}, line {line}" if line else module_file
    return f"[Error: syntax error] {where}: {message}. Fix the syntax and build again."


# The dynamic loader's words when a library an extension module links is absent; numpy and
# others wrap them in their own ImportError text, so they are searched for, not matched.
_MISSING_SHARED_LIBRARY = re.compile(r"([\w.+-]+\.so(?:\.[\d.]+)?): cannot open shared object file")


def import_failed(handler: str, last_frame: str, message: str) -> str:
    return (
        f"[Error: handler module failed to import] Importing the module of {handler} raised "
        f"{message}\n  at {last_frame}\n{_import_hint(message)}"
    )


def _import_hint(message: str) -> str:
    library = _MISSING_SHARED_LIBRARY.search(message)
    if library:
        return (
            f"{library.group(1)} is a shared library that native code of an installed package links, "
            "and it is not in the image. Install a build of the package that bundles its libraries "
            "(a manylinux wheel, or the package's -binary variant), or declare the Debian package "
            "that ships the library in project.toml [com.kn-fn.system-packages] install."
        )
    if message.startswith("ModuleNotFoundError"):
        return "A missing module usually means it is not in requirements.txt."
    return "Code that needs settings only present at run time should read them inside the function."


# --- the signature -------------------------------------------------------------------------


def unknown_parameters(handler: str, names: Iterable[str]) -> str:
    return (
        f"[Error: unknown parameter name] {handler} has parameter(s) {_names(names)}, "
        f"which the invoker cannot fill. {_ACCEPTED}"
    )


def mixed_parameters(handler: str, http: Iterable[str], cloudevent: Iterable[str]) -> str:
    return (
        f"[Error: mixed HTTP and CloudEvent parameters] {handler} takes HTTP parameter(s) "
        f"{_names(http)} and CloudEvent parameter(s) {_names(cloudevent)}; a function is "
        f"either one or the other. {_ACCEPTED}"
    )


def variadic_parameters(handler: str, names: Iterable[str]) -> str:
    return (
        f"[Error: variadic parameters] {handler} takes {_names(names)}; *args and **kwargs "
        f"cannot be filled by name. List the parameters you need. {_ACCEPTED}"
    )


def check_ok(handler: str, mode: str, parameters: Iterable[str], is_async: bool, hooks: Iterable[str] = (),
             app: str | None = None) -> str:
    named = ", ".join(hooks)
    if app is not None:
        what = f"{handler}: {describe_app(app)}"
    else:
        kind = "async " if is_async else ""
        listed = ", ".join(parameters) or "none"
        what = f"{handler}: {kind}{mode} function (parameters: {listed})"
    return what + (f"; lifecycle hooks: {named}" if named else "")


def describe_app(app: str) -> str:
    return f"{app.upper()} application, served as it is (the invoker adds health paths, body limit, timeout, error log)"


def check_deferred(handler: str) -> str:
    return (
        f"{handler}: not a plain def in its module (assigned, imported or a class); "
        "its signature is checked when the module is imported"
    )


# --- lifecycle hooks -----------------------------------------------------------------------


def hook_arguments(module_file: str, name: str, required: Iterable[str], allowed: int) -> str:
    can_take = "one argument, the configuration (a dict of the environment)" if allowed else "no arguments"
    return (
        f"[Error: lifecycle hook with arguments] {module_file}: {name}() requires {_names(required)}, "
        f"but the invoker calls {name}() with {can_take}. Give the parameters defaults, or rename "
        f"the function if it is not meant as the {name} hook."
    )


def hook_failed(name: str, error: BaseException) -> str:
    text = str(error)
    return f"{name}() raised {type(error).__name__}" + (f": {text}" if text else "")


def hook_said_no(name: str) -> str:
    return "not ready" if name == "ready" else "not alive"


# --- HTTP error bodies (never include request content) ---------------------------------------

NOT_A_CLOUDEVENT = (
    "request is not a CloudEvent: send binary mode (ce-specversion, ce-id, ce-source and "
    "ce-type headers) or structured mode (Content-Type: application/cloudevents+json)"
)
BATCH_NOT_A_LIST = "invalid CloudEvent: a CloudEvents batch must be a JSON array of events"
BATCH_ITEM_NOT_OBJECT = "invalid CloudEvent: every event in a CloudEvents batch must be a JSON object"
STRUCTURED_NOT_JSON = "invalid CloudEvent: the structured CloudEvent is not valid UTF-8 JSON"
STRUCTURED_NOT_OBJECT = "invalid CloudEvent: a structured CloudEvent must be a JSON object"
BAD_BASE64 = "invalid CloudEvent: data_base64 is not valid base64"
BAD_BASE64_03 = "invalid CloudEvent: data is not valid base64 (datacontentencoding: base64)"
BAD_TIME = "invalid CloudEvent: the time attribute is not an RFC 3339 timestamp"


def missing_attributes(names: Iterable[str]) -> str:
    return f"invalid CloudEvent: missing required attribute(s): {_names(names)}"


def empty_attribute_headers(names: Iterable[str]) -> str:
    headers = ", ".join(f"ce-{name}" for name in names)
    return (
        f"invalid CloudEvent: empty header(s) {headers}: these attributes must not be empty (the server "
        "hands on a header value with bytes outside visible ASCII as empty: percent-encode them, as the "
        "CloudEvents HTTP binding says)"
    )


def unsupported_specversion(supported: Iterable[str]) -> str:
    return f"invalid CloudEvent: unsupported specversion; supported: {', '.join(supported)}"


def invalid_attributes(names: Iterable[str]) -> str:
    return f"invalid CloudEvent: invalid attribute(s): {_names(names)}"


def data_not_decodable(content_type_kind: str) -> str:
    return f"invalid CloudEvent: data does not match its datacontenttype (expected {content_type_kind})"


def method_not_allowed(allowed: Iterable[str]) -> str:
    return f"method not allowed; this function accepts {', '.join(allowed)}"


def body_too_large(limit: int) -> str:
    return f"request body is larger than the limit of {limit} bytes (MAX_BODY_BYTES)"


BAD_REQUEST = "bad request"
APP_RAISED_LOG = "the application raised"
APP_TIMED_OUT_LOG = "the application timed out"


def app_raised(exception_type: str) -> str:
    return f"the application raised {exception_type}; see the function's log"


def app_failed_after_start(exception_type: str) -> str:
    return f"the application raised {exception_type} after it began its response: the connection was cut"

INTERNAL_ERROR_LOG = "internal error in the invoker"


def body_incomplete(expected: int, received: int) -> str:
    return f"request body ended after {received} of its {expected} bytes (Content-Length): the client stopped sending"


BODY_CUT = "request body ended before its last chunk: the client stopped sending"


def asgi_app_needs_asgi(handler: str) -> str:
    return f"{handler} is an ASGI application: serve it with kn_fn_invoker._asgi.create_asgi_app, not the WSGI app"


def lifespan_failed(message: str) -> str:
    return f"the application's lifespan startup failed: {message or 'no message'}"


LIFESPAN_UNSUPPORTED = "the application does not take the ASGI lifespan protocol: served without it"


def lifespan_shutdown_failed(message: str) -> str:
    return f"the application's lifespan shutdown failed: {message or 'no message'}"


def function_raised(exception_type: str) -> str:
    return f"the function raised {exception_type}; see the function's log"


def function_timed_out(seconds: float) -> str:
    return f"the function did not finish within {seconds:g} s (TIMEOUT)"


def unsupported_return(type_name: str) -> str:
    return (
        f"the function returned a value of type {type_name}, which cannot be sent as a "
        "response; see the function's log"
    )


def unsupported_return_log(type_name: str) -> str:
    return (
        f"function returned {type_name}; return str, bytes, dict, list, None, a Flask "
        "Response, or a (body, status[, headers]) tuple"
    )


def unserialisable_reply_log(type_name: str) -> str:
    return (
        f"function returned reply data of type {type_name} that is not JSON-serialisable; "
        "return str, bytes, None, or JSON-serialisable data (bytes inside a dict are not)"
    )


INVALID_REPLY = "the function returned reply attributes that are not a valid CloudEvent; see the function's log"


def invalid_reply_log(detail: str) -> str:
    return f"function returned an invalid reply event ({detail}); reply attributes must be strings per the CloudEvents spec"


# --- start-up ------------------------------------------------------------------------------


def concurrency_chosen(workers: int, threads: int, cpus: float | None, source: str, set_names: Iterable[str],
                       on_loop: bool = False) -> str:
    """The start-up line that says how many requests run at once, and why."""
    given = set(set_names)
    origin = ", ".join(f"{name} {'set in the environment' if name in given else 'from the CPU limit'}"
                       for name in ("WORKERS", "THREADS"))
    limit = f"{cpus:g} CPUs" if cpus is not None else "none"
    hint = "; set WORKERS to use more CPUs" if cpus is None and "WORKERS" not in given else ""
    line = f"WORKERS={workers} THREADS={threads}: {origin}; CPU limit: {limit} ({source}){hint}"
    if on_loop:
        line += "; THREADS does not apply: an async function or ASGI app runs on each worker's event loop"
    return line


def bad_setting(name: str, value: str, expected: str) -> str:
    return f"[Error: invalid setting] {name}={value!r}: expected {expected}."


_DIGITS_ONLY = "decimal digits only: no sign, point, exponent or 0x"
EXPECTED_PORT = f"a port number from 1 to 65535 ({_DIGITS_ONLY})"
EXPECTED_REPLY_SOURCE = (
    "a CloudEvents source, a URI-reference such as /my-function or https://example.com/fn, "
    "without spaces, control characters, surrogates or Unicode noncharacters"
)
EXPECTED_REPLY_TYPE = (
    "a CloudEvents type such as com.example.done: not blank, and without control characters, "
    "surrogates or Unicode noncharacters"
)


def expected_whole(minimum: int, maximum: int) -> str:
    return f"a whole number from {minimum} to {maximum} ({_DIGITS_ONLY})"


def expected_bytes(minimum: int, maximum: int) -> str:
    return f"a number of bytes from {minimum} to {maximum} ({_DIGITS_ONLY})"


def expected_seconds(maximum: int, zero: str | None = None) -> str:
    lowest = f"0 ({zero})" if zero else "0"
    return (
        f"a number of seconds from {lowest} to {maximum}, in digits with an optional decimal "
        "point such as 30 or 2.5 (no sign, exponent, nan or inf)"
    )
