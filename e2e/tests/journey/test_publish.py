"""`pack build --publish` straight to a registry, then pull the image from there and run it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harness import apps, pack
from harness.registry import Registry
from harness.shell import must, run

RUN_IMAGE = "kn-fn/run:0.1.0"


@pytest.fixture
def pushed_run_image(registry: Registry) -> Iterator[str]:
    """The run image in the registry: with --publish the lifecycle reads it from there, not the engine."""
    remote = f"{registry.host}/{RUN_IMAGE}"
    must(["docker", "tag", RUN_IMAGE, remote])
    must(["docker", "push", remote])
    yield remote
    run(["docker", "rmi", remote])


@pytest.fixture
def published_ref(registry: Registry) -> Iterator[str]:
    ref = f"{registry.host}/{pack.IMAGE_PREFIX}journey-published:1"
    yield ref
    run(["docker", "rmi", ref])  # pulled by the test; the session's tidy-up only knows local names


def test_publish_to_a_registry_then_pull_and_run(tmp_path, registry, pushed_run_image, published_ref, functions):
    app = apps.copy(apps.TEMPLATES / "python" / "http", tmp_path / "app")
    # pack.build() is for local images (names under kn-fn-e2e/); a registry reference needs pack directly.
    # --network host: the creator container must reach the registry on the host's 127.0.0.1.
    done = run([
        "pack", "build", published_ref, "--builder", pack.BUILDER, *pack.OFFLINE, "--path", app.path,
        "--publish", "--run-image", pushed_run_image, "--network", "host",
    ])
    assert done.returncode == 0, done.stdout
    assert f"Successfully built image '{published_ref}'" in done.stdout
    assert pack.image_id(published_ref) is None  # published, not saved to the engine

    repository, tag = published_ref.removeprefix(f"{registry.host}/").rsplit(":", 1)
    manifest = registry.manifest(repository, tag)
    assert manifest.status == 200, manifest.body
    config_digest = manifest.json()["config"]["digest"]

    must(["docker", "pull", published_ref])
    # The engine's image ID is the manifest's config digest: what runs is what the registry holds.
    assert pack.image_id(published_ref) == config_digest
    run_image = json.loads(pack.image_config(published_ref)["Labels"]["io.buildpacks.lifecycle.metadata"])["runImage"]
    assert run_image["image"] == pushed_run_image

    reply = functions.start(published_ref).get("/?name=registry")
    assert (reply.status, reply.text) == (200, "Hello, registry!")
