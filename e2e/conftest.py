"""Fixtures shared by every e2e test.

- the builder image must exist (scripts/run.sh makes it with `kn-fn-builder all`);
- `functions` starts built images as containers and removes every one at teardown;
- images this session built (pack.BUILT, named kn-fn-e2e/…) are removed at its end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import container, pack
from harness.shell import run


@pytest.fixture(scope="session", autouse=True)
def builder() -> str:
    if pack.image_id(pack.BUILDER) is None:
        pytest.fail(f"{pack.BUILDER} is not in the engine: run e2e/scripts/run.sh (it runs `kn-fn-builder all` first)")
    return pack.BUILDER


class Functions:
    """Start built images; every container started here is removed when the test ends."""

    def __init__(self) -> None:
        self.started: list[container.Function] = []

    def start(self, image: str, **kwargs) -> container.Function:
        fn = container.start(image, **kwargs)
        self.started.append(fn)
        return fn

    def close(self) -> None:
        for fn in self.started:
            fn.stop()


@pytest.fixture
def functions() -> Iterator[Functions]:
    f = Functions()
    yield f
    f.close()


@pytest.fixture(scope="session", autouse=True)
def tidy_images() -> Iterator[None]:
    yield
    if pack.BUILT:
        run(["docker", "rmi", "-f", *sorted(pack.BUILT)])
