"""The parameter rules, read from the live function and from the source, with their texts."""

import pytest

from kn_fn_invoker._signature import Mode, from_function, from_source
from kn_fn_invoker._target import InvokerError, load_function, parse_target

from fixtures import FUNCTIONS

ACCEPTED = (
    "Accepted parameter names: HTTP functions take any of req, request (the Flask request), "
    "body (bytes), headers; CloudEvent functions take any of event (the CloudEvent), data or "
    "payload (its data), attributes (a dict). A parameter annotated flask.Request or CloudEvent "
    "may have any name."
)


def both_readers(scenario: str, handler: str):
    """The signature as the live reader and the ast reader see it; they must agree."""
    target = parse_target(handler)
    module_file = FUNCTIONS / scenario / (target.module.replace(".", "/") + ".py")
    results = []
    for read in (
        lambda: from_function(target, load_function(FUNCTIONS / scenario, target)),
        lambda: from_source(target, module_file.read_text(), f"{target.module}.py"),
    ):
        try:
            results.append(read())
        except InvokerError as error:
            results.append(error)
    return results


@pytest.mark.parametrize(
    ("handler", "mode", "names", "is_async"),
    [
        ("handler.annotated_request", Mode.HTTP, ["r"], False),
        ("handler.annotated_string", Mode.HTTP, ["r"], False),
        ("handler.keyword_only", Mode.HTTP, ["body"], False),
        ("handler.all_http", Mode.HTTP, ["req", "request", "body", "headers"], False),
        ("handler.all_cloudevent", Mode.CLOUDEVENT, ["event", "data", "payload", "attributes"], False),
        ("handler.async_cloudevent", Mode.CLOUDEVENT, ["data"], True),
    ],
)
def test_accepted_signatures(handler, mode, names, is_async):
    for signature in both_readers("signatures", handler):
        assert signature.mode is mode
        assert signature.names == names
        assert signature.is_async is is_async


def test_no_parameters_is_http():
    for signature in both_readers("http", "handler.no_params"):
        assert signature.mode is Mode.HTTP
        assert signature.names == []


@pytest.mark.parametrize(
    ("handler", "kind", "message"),
    [
        (
            "handler.unknown",
            "unknown-parameters",
            "[Error: unknown parameter name] handler.unknown has parameter(s) context, which the invoker cannot fill. ",
        ),
        (
            "handler.defaults_unknown",
            "unknown-parameters",
            "[Error: unknown parameter name] handler.defaults_unknown has parameter(s) retries, which the invoker cannot fill. ",
        ),
        (
            "handler.mixed",
            "mixed-parameters",
            "[Error: mixed HTTP and CloudEvent parameters] handler.mixed takes HTTP parameter(s) req and "
            "CloudEvent parameter(s) data; a function is either one or the other. ",
        ),
        (
            "handler.variadic",
            "variadic-parameters",
            "[Error: variadic parameters] handler.variadic takes *args; *args and **kwargs cannot be "
            "filled by name. List the parameters you need. ",
        ),
        (
            "handler.keywords",
            "variadic-parameters",
            "[Error: variadic parameters] handler.keywords takes **kwargs; *args and **kwargs cannot be "
            "filled by name. List the parameters you need. ",
        ),
    ],
)
def test_refused_signatures_list_the_accepted_names(handler, kind, message):
    for error in both_readers("signatures", handler):
        assert isinstance(error, InvokerError)
        assert error.kind == kind
        assert error.message == message + ACCEPTED


def test_missing_function_lists_the_functions_that_exist():
    live, static = both_readers("custom_module", "main.do_event")
    expected = (
        "[Error: handler function not found] main.py has no function 'do_event' "
        "(PYTHON_HANDLER=main.do_event). Functions in main.py: DoEvent, helper. Set PYTHON_HANDLER "
        "(project.toml [[build.env]] or pack build --env) to module.function naming one of them, "
        "or rename the function."
    )
    assert live.kind == static.kind == "function-not-found"
    assert live.message == static.message == expected


def test_static_reading_defers_names_not_bound_by_def():
    target = parse_target("handler.handler")
    source = (FUNCTIONS / "deferred" / "handler.py").read_text()
    assert from_source(target, source, "handler.py") is None
    # ...and the live reader sees the real function behind it.
    assert from_function(target, load_function(FUNCTIONS / "deferred", target)).mode is Mode.HTTP


def test_static_reading_finds_defs_inside_if_blocks():
    source = "import sys\nif sys.platform:\n    def handler(data):\n        pass\n"
    signature = from_source(parse_target("handler.handler"), source, "handler.py")
    assert signature.mode is Mode.CLOUDEVENT


def test_syntax_error_names_file_and_line():
    target = parse_target("handler.handler")
    source = (FUNCTIONS / "syntax_error" / "handler.py").read_text()
    with pytest.raises(InvokerError) as caught:
        from_source(target, source, "handler.py")
    assert caught.value.kind == "syntax-error"
    assert caught.value.message == "[Error: syntax error] handler.py, line 1: expected ':'. Fix the syntax and build again."
