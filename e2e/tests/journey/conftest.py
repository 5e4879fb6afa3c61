"""Fixtures for the user-journey tests (build, rebuild, fail, publish, rebase)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import registry as local_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_registry.Registry]:
    """A registry on 127.0.0.1:<free port> for the tests of one module; storage in a temp dir."""
    reg = local_registry.start(tmp_path_factory.mktemp("registry"))
    yield reg
    reg.stop()
