"""Rebuilding a function, as a user does between edits: the cache is reused only when it is valid,
and the image always serves the code and the requirements of the last build.

Each test builds one image name several times (pack keys its cache volume by the image name);
the first build passes --clear-cache, so a cache left by an earlier run cannot leak in.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness import apps, pack

from .buildlog import DEPENDENCIES, PIP_INSTALL, REUSED, REUSED_NONE, rebuild_reasons, section, short_sha256

COLD = ("--clear-cache",)

GREETING = "kn-fn-e2e-greeting"
COLOUR = "kn-fn-e2e-colour"


def greeting_module(version: str) -> str:
    return f"__version__ = {version!r}\nGREETING = 'hello from {version}'\n"


def app_with_greeting(path: Path, pin: str) -> apps.App:
    """A function with one real pip requirement, pinned exactly, installed from a vendored wheel."""
    app = apps.new(path, {
        "handler.py": (
            "import kn_fn_e2e_greeting\n\n\n"
            "def handler(req):\n"
            "    return {'greeting': kn_fn_e2e_greeting.GREETING, 'version': kn_fn_e2e_greeting.__version__}\n"
        ),
        "requirements.txt": apps.offline_requirements(f"{GREETING}=={pin}"),
    })
    for version in ("1.0.0", "2.0.0"):
        apps.vendor(app, GREETING, version, greeting_module(version))
    return app


def test_rebuild_with_nothing_changed_reuses_the_dependencies_and_gives_the_same_image(tmp_path, functions):
    app = app_with_greeting(tmp_path / "app", "1.0.0")
    image = f"{pack.IMAGE_PREFIX}journey-unchanged"

    first = pack.must_build(image, app.path, extra=COLD)
    assert rebuild_reasons(first.log) == ["no cached dependencies layer"]
    assert PIP_INSTALL in first.log  # so its absence below means something
    assert f" + {GREETING}==1.0.0" in first.log  # uv's line for an installed package

    second = pack.must_build(image, app.path)
    # The whole dependencies section is the one cache line: no venv, no pip, no compileall.
    assert section(second.log, DEPENDENCIES) == f"  {REUSED}"
    assert PIP_INSTALL not in second.log
    # Same inputs, same image: layers, metadata and config are byte-identical.
    assert second.id == first.id

    reply = functions.start(image).get("/")
    assert reply.status == 200
    assert reply.json() == {"greeting": "hello from 1.0.0", "version": "1.0.0"}


PROJECT = '[[build.env]]\nname = "PYTHON_HANDLER"\nvalue = "{handler}"\n'


def build_and_serve(functions, image: str, app: apps.App, handler: str, extra: tuple[str, ...] = ()) -> tuple[pack.Build, str, list[str]]:
    """Build, check the log names `handler`, GET / and list /workspace (and its bytecode) in the container."""
    built = pack.must_build(image, app.path, extra=extra)
    assert f"  Handler: {handler} (from PYTHON_HANDLER)" in built.log
    fn = functions.start(image)
    reply = fn.get("/")
    assert reply.status == 200, reply.text
    listing = fn.exec("ls", "-a", "/workspace", "/workspace/__pycache__").split()
    fn.stop()
    return built, reply.text, listing


def test_rebuild_serves_changed_code_a_renamed_function_and_a_renamed_module(tmp_path, functions):
    # The original project served stale code after such edits (its layer metadata survived).
    app = apps.new(tmp_path / "app", {
        "main.py": "def greet(req):\n    return 'v1 from main.greet'\n",
        "project.toml": PROJECT.format(handler="main.greet"),
    })
    image = f"{pack.IMAGE_PREFIX}journey-edits"
    _, text, _ = build_and_serve(functions, image, app, "main.greet", extra=COLD)
    assert text == "v1 from main.greet"

    # Same function, new body.
    app.write("main.py", "def greet(req):\n    return 'v2 from main.greet'\n")
    built, text, _ = build_and_serve(functions, image, app, "main.greet")
    assert text == "v2 from main.greet"
    assert f"  {REUSED_NONE}" in built.log  # a code change does not reinstall the dependencies

    # The function renamed, and PYTHON_HANDLER with it.
    app.write("main.py", "def welcome(req):\n    return 'v3 from main.welcome'\n")
    app.write("project.toml", PROJECT.format(handler="main.welcome"))
    _, text, _ = build_and_serve(functions, image, app, "main.welcome")
    assert text == "v3 from main.welcome"

    # The module file renamed too: the old module and its bytecode are gone from the image.
    app.rename("main.py", "service.py")
    app.write("service.py", "def welcome(req):\n    return 'v4 from service.welcome'\n")
    app.write("project.toml", PROJECT.format(handler="service.welcome"))
    _, text, listing = build_and_serve(functions, image, app, "service.welcome")
    assert text == "v4 from service.welcome"
    assert "service.py" in listing and "service.cpython-311.pyc" in listing
    assert "main.py" not in listing and "main.cpython-311.pyc" not in listing


def test_rebuild_after_a_requirements_change_reinstalls_and_says_why(tmp_path, functions):
    app = app_with_greeting(tmp_path / "app", "1.0.0")
    image = f"{pack.IMAGE_PREFIX}journey-requirements"
    before = app.read("requirements.txt")
    pack.must_build(image, app.path, extra=COLD)

    app.write("requirements.txt", apps.offline_requirements(f"{GREETING}==2.0.0"))
    after = app.read("requirements.txt")
    rebuilt = pack.must_build(image, app.path)

    # Exactly one reason, naming the file and both hashes (the buildpack's reasons.requirementsChanged).
    assert rebuild_reasons(rebuilt.log) == [f"requirements.txt changed (sha256 {short_sha256(before)} -> {short_sha256(after)})"]
    assert REUSED not in rebuilt.log
    assert PIP_INSTALL in rebuilt.log and f" + {GREETING}==2.0.0" in rebuilt.log

    reply = functions.start(image).get("/")
    assert reply.json() == {"greeting": "hello from 2.0.0", "version": "2.0.0"}


def test_a_failed_install_does_not_poison_the_next_build(tmp_path, functions):
    app = app_with_greeting(tmp_path / "app", "1.0.0")
    apps.vendor(app, COLOUR, "1.0.0", "COLOUR = 'teal'\n")
    image = f"{pack.IMAGE_PREFIX}journey-poison"
    good_requirements = app.read("requirements.txt")
    good = pack.must_build(image, app.path, extra=COLD)

    # A requirement pip cannot find (not in wheels/, and --no-index): the build fails in pip.
    app.write("requirements.txt", apps.offline_requirements(f"{GREETING}==1.0.0", "kn-fn-e2e-no-such-package==1.0.0"))
    failed = pack.build(image, app.path)
    assert not failed.ok
    assert "[Error: dependencies not installed]" in failed.log
    assert "Because kn-fn-e2e-no-such-package was not found in the provided package locations and you require kn-fn-e2e-no-such-package==1.0.0" in failed.log
    assert pack.image_id(image) == good.id  # the failed build replaced nothing

    # Fixed: the bad line replaced by a real package the handler now uses.
    fixed_requirements = apps.offline_requirements(f"{GREETING}==1.0.0", f"{COLOUR}==1.0.0")
    app.write("requirements.txt", fixed_requirements)
    app.write("handler.py", (
        "import kn_fn_e2e_colour\nimport kn_fn_e2e_greeting\n\n\n"
        "def handler(req):\n"
        "    return {'greeting': kn_fn_e2e_greeting.GREETING, 'colour': kn_fn_e2e_colour.COLOUR}\n"
    ))
    fixed = pack.must_build(image, app.path)

    # Compared with the last *successful* build's requirements, not the failed one's; and installed.
    assert rebuild_reasons(fixed.log) == [
        f"requirements.txt changed (sha256 {short_sha256(good_requirements)} -> {short_sha256(fixed_requirements)})"
    ]
    assert PIP_INSTALL in fixed.log and f" + {COLOUR}==1.0.0" in fixed.log
    assert "  Imported handler.handler: HTTP function" in fixed.log

    fn = functions.start(image)
    assert fn.get("/").json() == {"greeting": "hello from 1.0.0", "colour": "teal"}
    # And the package is in the image's virtualenv, where the launch process's python finds it.
    process = json.loads(pack.image_config(image)["Labels"]["io.buildpacks.build.metadata"])["processes"][0]
    assert fn.exec(process["command"][0], "-c", "import kn_fn_e2e_colour; print(kn_fn_e2e_colour.__file__)").strip().endswith(
        "/site-packages/kn_fn_e2e_colour.py"
    )
