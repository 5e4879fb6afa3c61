"""What the built image is, beyond answering: who the process runs as, its SBOM, and rebasing it
onto a rebuilt run image without rebuilding the function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import apps, pack
from harness.shell import must, run

GREETING = "kn-fn-e2e-greeting"
LIFECYCLE_METADATA = "io.buildpacks.lifecycle.metadata"
BUILD_METADATA = "io.buildpacks.build.metadata"
SBOM_FILE = Path("layers/sbom/launch/kn-fn_python-function/dependencies/sbom.cdx.json")
REBUILT_RUN_IMAGE = f"{pack.IMAGE_PREFIX}run-rebuilt:1"
MARKER = "/etc/kn-fn-e2e-run-rebuilt"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One function with a real requirement, built once for every test in this module."""
    app = apps.new(tmp_path_factory.mktemp("image") / "app", {
        "handler.py": "import kn_fn_e2e_greeting\n\n\ndef handler(req):\n    return kn_fn_e2e_greeting.GREETING\n",
        "requirements.txt": apps.offline_requirements(f"{GREETING}==1.0.0"),
    })
    apps.vendor(app, GREETING, "1.0.0", "GREETING = 'hello from the image tests'\n")
    name = f"{pack.IMAGE_PREFIX}journey-image"
    pack.must_build(name, app.path, extra=("--clear-cache",))
    return name


def launch_python(image: str) -> str:
    """The python of the web process, as the buildpack recorded it (the dependencies layer's venv)."""
    process = json.loads(pack.image_config(image)["Labels"][BUILD_METADATA])["processes"][0]
    assert process["type"] == "web"
    return process["command"][0]


def installed_distributions(fn, python: str) -> set[tuple[str, str]]:
    """(name, version) of every distribution the image's venv python sees, asked inside the container."""
    script = (
        "import importlib.metadata as m, json; "
        "print(json.dumps(sorted({(d.metadata['Name'].lower(), d.version) for d in m.distributions()})))"
    )
    return {tuple(pair) for pair in json.loads(fn.exec(python, "-c", script))}


def test_the_function_runs_as_a_non_root_user(image, functions):
    user = pack.image_config(image)["User"]
    assert user.split(":")[0] not in ("", "0", "root"), f"image User is {user!r}"

    fn = functions.start(image)
    # PID 1 is the function's own process (the launcher execs it), so its Uid line is the one that counts.
    assert "kn_fn_invoker" in fn.exec("cat", "/proc/1/cmdline").replace("\0", " ")
    uid_line = next(line for line in fn.exec("cat", "/proc/1/status").splitlines() if line.startswith("Uid:"))
    real, effective, saved, filesystem = (int(v) for v in uid_line.split()[1:])
    assert 0 not in (real, effective, saved, filesystem), uid_line
    assert int(fn.exec("id", "-u").strip()) != 0
    assert fn.get("/").text == "hello from the image tests"


def test_pack_sbom_download_lists_every_installed_distribution(image, functions, tmp_path):
    must(["pack", "sbom", "download", image, "--output-dir", tmp_path])
    sbom = json.loads((tmp_path / SBOM_FILE).read_text())
    assert sbom["bomFormat"] == "CycloneDX"
    listed = {(c["name"].lower(), c["version"]) for c in sbom["components"]}
    for c in sbom["components"]:
        # The purl spec's pypi type: the name lower-cased, runs of "-_." as one "-".
        assert c["purl"] == f"pkg:pypi/{re.sub(r'[-_.]+', '-', c['name']).lower()}@{c['version']}"

    names = {name for name, _ in listed}
    assert {"flask", "kn-fn-invoker", GREETING} <= names
    assert (GREETING, "1.0.0") in listed
    # Exactly what the image's virtualenv holds, versions included.
    fn = functions.start(image)
    assert listed == installed_distributions(fn, launch_python(image))


@pytest.fixture
def rebuilt_run_image(tmp_path: Path) -> Iterator[str]:
    """kn-fn/run:0.1.0 plus one marker file, built locally (FROM a local image: nothing is pulled).

    The io.buildpacks.* labels (distro, base id) are inherited from the base, so the lifecycle's
    target check accepts it.
    """
    (tmp_path / "marker").write_text("rebased\n")
    (tmp_path / "Dockerfile").write_text(f"FROM kn-fn/run:0.1.0\nCOPY marker {MARKER}\n")
    must(["docker", "build", "-q", "-t", REBUILT_RUN_IMAGE, tmp_path])
    yield REBUILT_RUN_IMAGE
    run(["docker", "rmi", REBUILT_RUN_IMAGE])


def layers(ref: str) -> list[str]:
    return json.loads(must(["docker", "image", "inspect", ref, "--format", "{{json .RootFS.Layers}}"]))


@pytest.fixture
def image_copy(image: str) -> Iterator[str]:
    """A second tag of the module's image, so rebasing it leaves the original as built."""
    copy = f"{pack.IMAGE_PREFIX}journey-rebased"
    must(["docker", "tag", image, copy])
    yield copy
    run(["docker", "rmi", copy])  # not built by pack, so the session's tidy-up may not know it


def test_pack_rebase_onto_a_rebuilt_run_image(image_copy, rebuilt_run_image, functions):
    app = image_copy
    old_run = json.loads(pack.image_config(app)["Labels"][LIFECYCLE_METADATA])["runImage"]
    assert old_run["image"] == "kn-fn/run:0.1.0"
    run_layers, new_run_layers, app_layers = layers(old_run["image"]), layers(rebuilt_run_image), layers(app)
    assert app_layers[: len(run_layers)] == run_layers

    # --force: the lifecycle (platform API >= 0.12) refuses a run image whose name is neither the
    # one the app recorded (kn-fn/run:0.1.0) nor a mirror of it; the shared tag is not ours to move.
    must(["pack", "rebase", app, "--run-image", rebuilt_run_image, "--pull-policy", "never", "--force"])

    # The base layers are the rebuilt run image's; the function's own layers are untouched.
    assert layers(app) == new_run_layers + app_layers[len(run_layers):]
    new_run = json.loads(pack.image_config(app)["Labels"][LIFECYCLE_METADATA])["runImage"]
    assert new_run["topLayer"] == new_run_layers[-1]
    assert new_run["reference"] == pack.image_id(rebuilt_run_image).removeprefix("sha256:")
    assert new_run["image"] == rebuilt_run_image

    fn = functions.start(app)
    assert fn.exec("cat", MARKER) == "rebased\n"
    assert fn.get("/").text == "hello from the image tests"
