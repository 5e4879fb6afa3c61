"""PYTHON_HANDLER: its forms, its alias, the module file, and import failures."""

import pytest

from kn_fn_invoker._target import InvokerError, Target, find_module_file, load_function, parse_target, resolve_handler_setting

from fixtures import FUNCTIONS


@pytest.mark.parametrize(
    ("value", "module", "function"),
    [
        ("handler.handler", "handler", "handler"),
        ("main.DoEvent", "main", "DoEvent"),
        ("pkg.sub.mod.fn", "pkg.sub.mod", "fn"),
        ("_private._fn", "_private", "_fn"),
    ],
)
def test_last_dot_splits_module_and_function(value, module, function):
    assert parse_target(value) == Target(module, function)


@pytest.mark.parametrize("value", [".x", "x.", "x", "../a.b", "a b.c", "a.b c", "", " ", "a..b", "a/b.c", "class.fn", "1a.b"])
def test_malformed_handlers_are_explained(value):
    with pytest.raises(InvokerError) as caught:
        parse_target(value)
    shown = value if value.strip() else repr(value)
    assert caught.value.kind == "handler-format"
    assert caught.value.message == (
        f"[Error: invalid handler] PYTHON_HANDLER={shown} is not of the form module.function. "
        "Use a dotted Python name whose last part is the function, e.g. handler.handler, "
        "main.DoEvent or pkg.sub.module.fn; each part must be a Python identifier "
        "(no paths, spaces or file extensions)."
    )


@pytest.mark.parametrize(
    ("python_handler", "bp_function", "expected"),
    [
        (None, None, "handler.handler"),
        ("", "", "handler.handler"),
        ("main.DoEvent", None, "main.DoEvent"),
        (None, "main.DoEvent", "main.DoEvent"),
        ("main.DoEvent", "main.DoEvent", "main.DoEvent"),
    ],
)
def test_handler_setting_and_its_alias(python_handler, bp_function, expected):
    assert resolve_handler_setting(python_handler, bp_function) == expected


def test_handler_setting_conflict_is_an_error():
    with pytest.raises(InvokerError) as caught:
        resolve_handler_setting("a.b", "c.d")
    assert caught.value.message == (
        "[Error: conflicting handler settings] PYTHON_HANDLER=a.b and BP_FUNCTION=c.d name "
        "different functions. Set only one of them (BP_FUNCTION is an alias of PYTHON_HANDLER)."
    )


def test_module_file_or_package_init():
    assert find_module_file(FUNCTIONS / "dotted", parse_target("pkg.sub.mod.fn")).name == "mod.py"
    assert find_module_file(FUNCTIONS / "dotted", parse_target("pkg.sub.fn")).name == "__init__.py"


def test_missing_module_says_which_files_were_looked_for():
    with pytest.raises(InvokerError) as caught:
        find_module_file(FUNCTIONS / "http", parse_target("main.DoEvent"))
    assert caught.value.message == (
        "[Error: handler module not found] No main.py or main/__init__.py in the function directory "
        "for handler main.DoEvent (module 'main'). Create it, or set PYTHON_HANDLER (project.toml "
        "[[build.env]] or pack build --env) to the module.function you have."
    )


def test_dotted_package_handler_imports_relative_modules():
    function = load_function(FUNCTIONS / "dotted", parse_target("pkg.sub.mod.fn"))
    assert function(None) == "from pkg.sub.mod"


def test_import_error_shows_the_message_and_the_users_frame():
    with pytest.raises(InvokerError) as caught:
        load_function(FUNCTIONS / "import_error", parse_target("handler.handler"))
    message = caught.value.message
    assert caught.value.kind == "import-error"
    assert message.startswith(
        "[Error: handler module failed to import] Importing the module of handler.handler raised "
        "ModuleNotFoundError: No module named 'not_a_real_module_kn_fn'\n  at File "
    )
    assert "import_error/handler.py\", line 1, in <module>: import not_a_real_module_kn_fn" in message
    assert message.endswith(
        "A missing module usually means it is not in requirements.txt; code that needs settings "
        "only present at run time should read them inside the function."
    )


def test_module_reading_env_at_import_fails_to_import_with_the_key(monkeypatch):
    monkeypatch.delenv("KN_FN_TEST_API_KEY", raising=False)
    with pytest.raises(InvokerError) as caught:
        load_function(FUNCTIONS / "env_at_import", parse_target("handler.handler"))
    assert "raised KeyError: 'KN_FN_TEST_API_KEY'" in caught.value.message


def test_syntax_error_at_import():
    with pytest.raises(InvokerError) as caught:
        load_function(FUNCTIONS / "syntax_error", parse_target("handler.handler"))
    assert caught.value.message == "[Error: syntax error] handler.py, line 1: expected ':'. Fix the syntax and build again."


def test_not_callable_handler():
    with pytest.raises(InvokerError) as caught:
        load_function(FUNCTIONS / "not_callable", parse_target("handler.handler"))
    assert caught.value.message == (
        "[Error: handler is not a function] handler.handler is a str, not a function. Set "
        "PYTHON_HANDLER (project.toml [[build.env]] or pack build --env) to module.function."
    )
