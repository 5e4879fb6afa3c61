"""`pack build` with the kn-fn builder, as a user runs it offline.

`--trust-builder --pull-policy never`: nothing can be pulled on these machines, and an
untrusted builder makes pack pull buildpacksio/lifecycle.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from harness.shell import must, run

BUILDER = os.environ.get("KN_FN_E2E_BUILDER", "kn-fn/builder:latest")
OFFLINE = ("--trust-builder", "--pull-policy", "never")
# Every image the suite builds is named under this prefix, so it never replaces a user's image.
IMAGE_PREFIX = "kn-fn-e2e/"
# What this session built: removed at its end (only these, so two sessions never remove
# each other's images mid-run).
BUILT: set[str] = set()


@dataclass
class Build:
    image: str
    code: int
    log: str
    id: str | None  # the image ID when the build succeeded

    @property
    def ok(self) -> bool:
        return self.code == 0


def build(image: str, path: Path | str, *, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> Build:
    assert image.startswith(IMAGE_PREFIX), f"e2e images are named {IMAGE_PREFIX}…, not {image}"
    args = ["pack", "build", image, "--builder", BUILDER, *OFFLINE, "--path", str(path)]
    for name, value in (env or {}).items():
        args += ["--env", f"{name}={value}"]
    BUILT.add(image)
    done = run([*args, *extra])
    return Build(image, done.returncode, done.stdout, image_id(image) if done.returncode == 0 else None)


def must_build(image: str, path: Path | str, **kwargs) -> Build:
    b = build(image, path, **kwargs)
    assert b.ok, f"pack build {image} exited {b.code}:\n{b.log}"
    return b


def image_id(ref: str) -> str | None:
    done = run(["docker", "image", "inspect", ref, "--format", "{{.Id}}"])
    return done.stdout.strip() if done.returncode == 0 else None


def image_config(ref: str) -> dict:
    return json.loads(must(["docker", "image", "inspect", ref, "--format", "{{json .Config}}"]))


def remove_image(ref: str) -> None:
    run(["docker", "rmi", "-f", ref])


class Images:
    """`images("kn-fn-e2e/rel-http")` builds sources["kn-fn-e2e/rel-http"] the first time and
    returns the image's name.

    Built again when it has gone: a concurrent e2e session that built the same name removes
    it when that session ends (pack's cache makes the rebuild a few seconds).
    """

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources
        self.built: set[str] = set()

    def __call__(self, image: str) -> str:
        if image not in self.built or image_id(image) is None:
            must_build(image, self.sources[image])
            self.built.add(image)
        return image
