"""Every way a function dir can be wrong: `pack build` exits non-zero and the user reads the
buildpack's own message in pack's output (the text of packages/buildpack/src/messages.ts).

The fixtures are the buildpack's (packages/buildpack/test/fixtures), driven the way its
lifecycle tests drive them; nothing here is edited, pack only reads the dirs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import apps, bindings, pack

from .buildlog import DEPENDENCIES

FAILED_BUILD = "ERROR: failed to build: executing lifecycle: failed with status code: 51"
FAILED_DETECT = "ERROR: failed to build: executing lifecycle: failed with status code: 20"
ACCEPTED_PARAMETERS = (
    "Accepted parameter names: HTTP functions take any of req, request (the Flask request), body (bytes), headers; "
    "CloudEvent functions take any of event (the CloudEvent), data or payload (its data), attributes (a dict)."
)

# (fixture, build env, lines the log must contain, fails before pip runs)
BUILD_FAILURES = [
    *(
        pytest.param(
            "malformed-handler", {"PYTHON_HANDLER": value},
            [f"[Error: malformed handler] PYTHON_HANDLER={value} is not of the form module.function or package.module.function"],
            True, id=f"malformed-handler-{name}",
        )
        for value, name in ((".x", "leading-dot"), ("x.", "trailing-dot"), ("x", "no-dot"), ("../a.b", "path"))
    ),
    pytest.param(
        "malformed-handler", {"PYTHON_HANDLER": "nowhere.handler"},
        ["[Error: handler module not found] PYTHON_HANDLER=nowhere.handler needs nowhere.py or nowhere/__init__.py in the app directory, and there is none."],
        True, id="handler-module-missing",
    ),
    pytest.param(
        "missing-function", {"PYTHON_HANDLER": "main.DoEvent"},
        ["[Error: handler function not found] main.py has no function 'DoEvent' (PYTHON_HANDLER=main.DoEvent). Functions in main.py: do_event, helper."],
        True, id="missing-function",
    ),
    pytest.param(
        "syntax-error", {},
        ["[Error: syntax error] handler.py, line 1: expected ':'. Fix the syntax and build again."],
        True, id="syntax-error",
    ),
    pytest.param(
        "unknown-parameter", {},
        ["[Error: unknown parameter name] handler.handler has parameter(s) context, which the invoker cannot fill. " + ACCEPTED_PARAMETERS],
        True, id="unknown-parameter",
    ),
    pytest.param(
        "mixed-parameters", {},
        ["[Error: mixed HTTP and CloudEvent parameters] handler.handler takes HTTP parameter(s) req and CloudEvent parameter(s) data; "
         "a function is either one or the other. " + ACCEPTED_PARAMETERS],
        True, id="mixed-parameters",
    ),
    pytest.param(
        "http-default", {"PYTHON_HANDLER": "handler.handler", "BP_FUNCTION": "handler.other"},
        ["[Error: conflicting handler settings] PYTHON_HANDLER=handler.handler and BP_FUNCTION=handler.other are both set and differ."],
        True, id="PYTHON_HANDLER-BP_FUNCTION-conflict",
    ),
    # These need the dependencies section: the import check runs in the venv; uv or the runtime check is what fails.
    pytest.param(
        "import-error", {},
        ["[Error: handler module failed to import] Importing the module of handler.handler raised ModuleNotFoundError: "
         "No module named 'module_that_does_not_exist_kn_fn'",
         '  at File "/workspace/handler.py", line 1, in <module>: import module_that_does_not_exist_kn_fn'],
        False, id="import-error",
    ),
    pytest.param(
        "missing-requirement", {},
        ["[Error: dependencies not installed] uv could not install the dependencies from requirements.txt together with the runtime invoker.",
         "Because kn-fn-no-such-package-on-pypi was not found in the package registry and you require kn-fn-no-such-package-on-pypi==9.9.9"],
        False, id="missing-requirement",
    ),
    # One resolve with the runtime (root README): a pin outside the runtime's range is refused
    # before anything is installed, naming the package, the pin and the range.
    pytest.param(
        "conflicting-pin", {},
        ["[Error: dependencies conflict with the runtime] requirements.txt pins flask 2.0.0, but the runtime invoker 0.1.0 "
         "runs in the same environment and needs flask>=2.3.3,<4. Nothing was installed."],
        False, id="conflicting-pin",
    ),
]


def image_for(request: pytest.FixtureRequest) -> str:
    # The test id made into a valid image name (lower case, [a-z0-9-]).
    image = f"{pack.IMAGE_PREFIX}journey-fail-" + re.sub(r"[^a-z0-9]+", "-", request.node.callspec.id.lower()).strip("-")
    pack.remove_image(image)  # so "no image" below is this build's doing
    return image


@pytest.mark.parametrize(("fixture", "env", "expected", "before_pip"), BUILD_FAILURES)
def test_build_fails_with_the_buildpacks_message(request, tmp_path, fixture, env, expected, before_pip):
    image = image_for(request)
    # The host's CAs, so that uv's failure is the package's, not TLS behind a re-signing proxy.
    built = pack.build(image, apps.FIXTURES / fixture, env=env, extra=bindings.ca_certificates(tmp_path))

    assert built.code != 0
    assert FAILED_BUILD in built.log, built.log
    for line in expected:
        assert line in built.log, built.log
    # Analysis fails early: nothing is installed for a function that cannot work.
    assert (f"[{DEPENDENCIES}]" not in built.log) == before_pip
    assert pack.image_id(image) is None


NO_HANDLER = (
    "kn-fn/python-function: no handler.py in the app directory and neither PYTHON_HANDLER nor BP_FUNCTION is set; "
    "this is not a Python function"
)


@pytest.mark.parametrize("app", ["not-a-function", "empty"])
def test_a_dir_without_a_function_fails_detection_and_says_why(request, tmp_path: Path, app):
    path = apps.FIXTURES / app if app != "empty" else apps.new(tmp_path / "empty").path
    image = image_for(request)
    built = pack.build(image, path)

    assert built.code != 0
    assert FAILED_DETECT in built.log, built.log
    assert "ERROR: No buildpack groups passed detection." in built.log
    # The lifecycle shows each buildpack's detect output when no group passed, at default verbosity.
    assert NO_HANDLER in built.log
    assert "fail: kn-fn/python-function@0.1.0" in built.log
    assert pack.image_id(image) is None
