"""The root README's commands, run as written (the convention is in harness/readme.py).

Part one (for people writing functions) runs from an empty directory with kn-fn-builder on
PATH, as the README tells a user to set it up; part two (for maintainers) runs from the
repository root. Both use a registry on 127.0.0.1:5000 because that is what the README shows.
The `console` blocks are not run; each is listed here with the reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness import readme, registry
from harness.shell import REPO_ROOT

README = REPO_ROOT / "README.md"
BUILDER_BIN = REPO_ROOT / "packages" / "builder" / "bin"
PART_TWO = "# Part two"
REGISTRY_PORT = 5000

# What each shown-only block is, and why no test runs it.
SHOWN_ONLY = {
    'export PATH="$PWD/packages/builder/bin:$PATH"': "the test puts packages/builder/bin on PATH itself",
    "npm start": "the main job itself",
    "npm test": "CI runs it (.ci/run)",
    "kubectl apply": "needs a Kubernetes cluster with Knative; the manifests are checked in test_templates.py",
}
# Languages of blocks that are neither run nor shown commands (code and config examples).
EXAMPLES = {"python", "toml", "yaml", "text"}


def _parts() -> tuple[list[readme.Block], list[readme.Block]]:
    bs = readme.blocks(README)
    lines = README.read_text(encoding="utf-8").splitlines()
    split = next(i + 1 for i, line in enumerate(lines) if line.startswith(PART_TWO))
    return [b for b in bs if b.line < split], [b for b in bs if b.line > split]


@pytest.fixture(scope="module")
def registry_5000(tmp_path_factory) -> Iterator[registry.Registry]:
    problem = readme.port_in_use(REGISTRY_PORT)
    assert problem is None, problem
    r = registry.start(tmp_path_factory.mktemp("registry"), port=REGISTRY_PORT)
    yield r
    r.stop()


def test_every_block_is_run_or_says_why_not():
    bs = readme.blocks(README)
    assert readme.ambiguous(bs) == [], [b.where for b in readme.ambiguous(bs)]
    for b in bs:
        assert b.lang in {readme.RUN, readme.SHOWN} | EXAMPLES, f"{b.where}: unexpected block language {b.lang!r}"
        if b.lang == readme.SHOWN:
            commands = [line for line in b.text.splitlines() if line.startswith("$ ")]
            assert commands, f"{b.where}: a console block shows commands as '$ ...' lines"
            for command in commands:
                assert any(key in command for key in SHOWN_ONLY), f"{b.where}: {command!r} is neither run nor explained"
    part_one, part_two = _parts()
    assert [b for b in part_one if b.lang == readme.RUN] and [b for b in part_two if b.lang == readme.RUN]


def test_the_readmes_project_toml_and_manifests_parse():
    import tomllib

    bs = readme.blocks(README)
    tables = [tomllib.loads(b.text) for b in bs if b.lang == "toml"]
    handler = [t["io"]["buildpacks"]["build"]["env"] for t in tables if "io" in t]
    assert handler == [[{"name": "PYTHON_HANDLER", "value": "main.do_event"}]]
    system = [t["com"]["kn-fn"]["system-packages"] for t in tables if "com" in t]
    assert system == [{"install": ["libmpfr6"]}]
    assert len(handler) + len(system) == len(tables)
    kinds = {(d["apiVersion"], d["kind"]) for b in bs if b.lang == "yaml" for d in [yaml.safe_load(b.text)]}
    assert kinds == {("serving.knative.dev/v1", "Service"), ("eventing.knative.dev/v1", "Trigger")}


def test_part_one_the_users_guide(tmp_path: Path, registry_5000: registry.Registry):
    problem = readme.port_in_use(8080)
    assert problem is None, problem
    part_one, _ = _parts()
    run = readme.run_blocks(
        part_one,
        cwd=tmp_path,
        env={"PATH": f"{BUILDER_BIN}:{os.environ['PATH']}"},
        containers=["my-fn"],
        images=["my-fn", "my-events", f"{registry_5000.host}/my-fn", f"{registry_5000.host}/kn-fn/run:0.1.0"],
    )
    assert run.ok, run.report()
    assert readme.shown_output_problems(readme.blocks(README), run) == []

    # Getting started: the template answers.
    assert "Hello, Knative!" in run.output_of("?name=Knative")
    # Building: the second build after a code change reused the dependencies, and the SBOM is there.
    building = run.output_of("sed -i")
    second_build = building.rsplit("===> DETECTING", 1)[1]
    assert "Reusing cached dependencies (no dependencies, same Python, runtime and uv)" in second_build, building
    sboms = [line for line in building.splitlines() if line.endswith(".cdx.json")]
    assert sboms, building
    listed = {c["name"].lower() for s in sboms for c in json.loads((tmp_path / "my-events" / s).read_text())["components"]}
    assert {"flask", "granian", "cloudevents", "kn-fn-invoker"} <= listed
    # Rebase: pack says so.
    assert "Rebased Image" in run.output_of("pack rebase")
    # Publishing: the registry has the image.
    status, _, body = registry_5000.get("/v2/my-fn/tags/list")
    assert (status, json.loads(body)) == (200, {"name": "my-fn", "tags": ["latest"]})


def test_part_two_the_maintainers_guide(registry_5000: registry.Registry):
    _, part_two = _parts()
    run = readme.run_blocks(part_two, cwd=REPO_ROOT, images=["kn-fn-readme/builder-by-pack:latest"])
    assert run.ok, run.report()
    assert "kn-fn/python-function" in run.output_of("pack builder inspect")
    for name in ("build", "run", "builder"):
        status, _, body = registry_5000.get(f"/v2/kn-fn/{name}/tags/list")
        assert status == 200 and sorted(json.loads(body)["tags"]) == ["0.1.0", "latest"], body
