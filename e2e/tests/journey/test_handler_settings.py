"""Every way a user names the handler: project.toml (both schemas pack reads), `pack build --env`,
and the BP_FUNCTION alias. The served answer says which function ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import apps, pack

# handler.py is there too: if a setting were ignored, the default handler would answer and
# the test would see "handler.handler" instead of the function it asked for.
MAIN_PY = "\n\n".join(
    f"def {name}(req):\n    return 'main.{name}'\n"
    for name in ("from_project_v01", "from_project_v02", "from_env_flag", "from_bp_function")
)
DEFAULT_HANDLER_PY = "def handler(req):\n    return 'handler.handler'\n"

PROJECT_V01 = """\
[[build.env]]
name = "PYTHON_HANDLER"
value = "main.from_project_v01"
"""

PROJECT_V02 = """\
[_]
schema-version = "0.2"
id = "io.kn-fn.e2e.handler-settings"

[[io.buildpacks.build.env]]
name = "PYTHON_HANDLER"
value = "main.from_project_v02"
"""

CASES = [
    pytest.param({"project.toml": PROJECT_V01}, {}, "main.from_project_v01", "PYTHON_HANDLER", id="project.toml-schema-0.1"),
    pytest.param({"project.toml": PROJECT_V02}, {}, "main.from_project_v02", "PYTHON_HANDLER", id="project.toml-schema-0.2"),
    pytest.param({}, {"PYTHON_HANDLER": "main.from_env_flag"}, "main.from_env_flag", "PYTHON_HANDLER", id="pack-build--env"),
    pytest.param({}, {"BP_FUNCTION": "main.from_bp_function"}, "main.from_bp_function", "BP_FUNCTION", id="BP_FUNCTION-alias"),
]


@pytest.mark.parametrize(("extra_files", "env", "handler", "source"), CASES)
def test_the_named_function_is_built_and_served(tmp_path: Path, functions, extra_files, env, handler, source):
    app = apps.new(tmp_path / "app", {"handler.py": DEFAULT_HANDLER_PY, "main.py": MAIN_PY, **extra_files})
    # One image name for every case: pack keys its cache by it, so the cases after the first
    # reuse the (identical, requirement-free) dependencies layer and build in seconds. The
    # function layer and the launch process are rewritten on every build, whatever the cache.
    image = f"{pack.IMAGE_PREFIX}journey-handler-settings"

    built = pack.must_build(image, app.path, env=env)

    # The build log names the handler and where the setting came from.
    assert f"  Handler: {handler} (from {source})" in built.log
    assert f"  Imported {handler}: HTTP function" in built.log
    reply = functions.start(image).get("/")
    assert (reply.status, reply.text) == (200, handler)
