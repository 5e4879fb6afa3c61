"""Fixtures shared by every e2e test.

- the builder image must exist (scripts/run.sh makes it with `kn-fn-builder all`);
- `functions` starts built images as containers and removes every one at teardown; a test
  parametrized with `functions` in ("direct", "queue-proxy") (`indirect=True`) runs once with
  the function alone and once as a Knative revision pod, behind Knative's queue-proxy
  (harness/knative.py), with the same calls;
- images this session built (pack.BUILT, named kn-fn-e2e/…) are removed at its end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import container, knative, pack
from harness.shell import run


@pytest.fixture(scope="session", autouse=True)
def builder() -> str:
    if pack.image_id(pack.BUILDER) is None:
        pytest.fail(f"{pack.BUILDER} is not in the engine: run e2e/scripts/run.sh (it runs `kn-fn-builder all` first)")
    return pack.BUILDER


class Functions:
    """Start built images; every container started here is removed when the test ends.

    `through="queue-proxy"` makes `start()` run each image as a Knative revision pod."""

    def __init__(self, through: str = "direct") -> None:
        assert through in knative.THROUGH, through
        self.through = through
        self.started: list[container.Function] = []

    def start(self, image: str, *, env: dict[str, str] | None = None, host_loopback: bool = False,
              docker_args: tuple[str, ...] = ()) -> container.Function:
        if self.through == "queue-proxy":
            assert not docker_args, "docker_args are for a container alone, not a pod"
            return self.pod(image, env=env, host_loopback=host_loopback)
        fn = container.start(image, env=env, host_loopback=host_loopback, docker_args=docker_args)
        self.started.append(fn)
        return fn

    def pod(self, image: str, **kwargs) -> knative.Pod:
        pod = knative.start(image, **kwargs)
        self.started.append(pod)
        return pod

    def close(self) -> None:
        for fn in self.started:
            fn.stop()


@pytest.fixture
def functions(request) -> Iterator[Functions]:
    f = Functions(getattr(request, "param", "direct"))
    yield f
    f.close()


@pytest.fixture(scope="session", autouse=True)
def tidy_images() -> Iterator[None]:
    yield
    if pack.BUILT:
        run(["docker", "rmi", "-f", *sorted(pack.BUILT)])
