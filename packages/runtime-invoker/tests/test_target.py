"""PYTHON_HANDLER: its forms, its alias, the module file, and import failures."""

import pytest

from kn_fn_invoker._target import InvokerError, find_module_file, load_function, parse_target, resolve_handler_setting

from fixtures import FUNCTIONS


# The forms of PYTHON_HANDLER, valid and not, are spec/handler-names.json's: test_handler_names.py.


@pytest.mark.parametrize(
    ("python_handler", "bp_function", "expected"),
    [
        (None, None, "handler.handler"),
        # Set but empty is a (malformed) value, as in the buildpack: not the default.
        ("", None, ""),
        (None, "", ""),
        ("", "", ""),
        ("main.DoEvent", None, "main.DoEvent"),
        (None, "main.DoEvent", "main.DoEvent"),
        ("main.DoEvent", "main.DoEvent", "main.DoEvent"),
    ],
)
def test_handler_setting_and_its_alias(python_handler, bp_function, expected):
    assert resolve_handler_setting(python_handler, bp_function) == expected


@pytest.mark.parametrize(
    ("python_handler", "bp_function", "shown"),
    [("a.b", "c.d", "PYTHON_HANDLER=a.b and BP_FUNCTION=c.d"), ("", "c.d", 'PYTHON_HANDLER="" and BP_FUNCTION=c.d')],
)
def test_handler_setting_conflict_is_an_error(python_handler, bp_function, shown):
    # The buildpack's text (function-target.test.ts), word for word.
    with pytest.raises(InvokerError) as caught:
        resolve_handler_setting(python_handler, bp_function)
    assert caught.value.kind == "handler-conflict"
    assert caught.value.message == (
        f"[Error: conflicting handler settings] {shown} are both set and differ. BP_FUNCTION is an alias "
        "of PYTHON_HANDLER: set only PYTHON_HANDLER (project.toml [[build.env]]), or give both the same value."
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
    assert message.endswith("A missing module usually means it is not in requirements.txt.")


def test_module_reading_env_at_import_fails_to_import_with_the_key(monkeypatch):
    monkeypatch.delenv("KN_FN_TEST_API_KEY", raising=False)
    with pytest.raises(InvokerError) as caught:
        load_function(FUNCTIONS / "env_at_import", parse_target("handler.handler"))
    assert "raised KeyError: 'KN_FN_TEST_API_KEY'" in caught.value.message
    assert caught.value.message.endswith(
        "Code that needs settings only present at run time should read them inside the function."
    )


@pytest.mark.parametrize(
    "raised",
    [
        # numpy's own wording around the loader's message, as seen in a run image without libstdc++
        "ImportError: \n\nIMPORTANT: PLEASE READ THIS FOR ADVICE ON HOW TO SOLVE THIS ISSUE!\n"
        "Original error was: libstdc++.so.6: cannot open shared object file: No such file or directory\n",
        "ImportError: libpq.so.5: cannot open shared object file: No such file or directory",
        "OSError: libGL.so.1.7.0: cannot open shared object file: No such file or directory",
    ],
)
def test_a_missing_shared_library_gets_its_own_hint(raised):
    from kn_fn_invoker import _messages as messages

    library = raised.split(": cannot open")[0].rsplit(" ", 1)[-1]
    message = messages.import_failed("handler.handler", "File \"handler.py\", line 1", raised)
    assert message.endswith(
        f"{library} is a shared library that native code of an installed package links, and it is "
        "not in the image. Install a build of the package that bundles its libraries (a manylinux "
        "wheel, or the package's -binary variant), or declare the Debian package that ships the "
        "library in project.toml [com.kn-fn.system-packages] install."
    )
    assert "requirements.txt" not in message


def test_a_missing_shared_library_from_a_real_extension_gets_its_hint(tmp_path):
    """A real extension module that links a library no system has fails the import with the hint."""
    import shutil
    import subprocess
    import sysconfig

    if shutil.which("cc") is None:
        pytest.fail("the tests need a C compiler (Debian's build-essential)")
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    (tmp_path / "absent.c").write_text("int kn_fn_absent(void) { return 1; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-Wl,-soname,libkn_fn_absent.so.1", "-o", str(lib_dir / "libkn_fn_absent.so.1"), str(tmp_path / "absent.c")], check=True)
    (lib_dir / "libkn_fn_absent.so").symlink_to("libkn_fn_absent.so.1")
    ext = "native" + sysconfig.get_config_var("EXT_SUFFIX")
    (tmp_path / "native.c").write_text(
        "#include <Python.h>\nint kn_fn_absent(void);\n"
        "static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, \"native\", 0, -1, 0};\n"
        "PyMODINIT_FUNC PyInit_native(void) { kn_fn_absent(); return PyModule_Create(&m); }\n"
    )
    fn = tmp_path / "fn"
    fn.mkdir()
    subprocess.run(
        ["cc", "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}", "-o", str(fn / ext), str(tmp_path / "native.c"),
         f"-L{lib_dir}", "-lkn_fn_absent"],
        check=True,
    )
    (fn / "handler.py").write_text("import native\n\ndef handler(req):\n    return 'x'\n")
    with pytest.raises(InvokerError) as caught:
        load_function(fn, parse_target("handler.handler"))
    assert "libkn_fn_absent.so.1: cannot open shared object file" in caught.value.message
    assert caught.value.message.endswith("in project.toml [com.kn-fn.system-packages] install.")


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
