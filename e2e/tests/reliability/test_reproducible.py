"""The same function built twice, each time on a fresh cache, gives the same image ID: with
no requirements (everything from the buildpack's wheelhouse) and with one from PyPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import bindings, pack
from harness.shell import REPO_ROOT

FRESH = "  Installing dependencies afresh because:\n  - no cached dependencies layer\n"


FUNCTIONS = {
    "template-http": (REPO_ROOT / "templates" / "python" / "http", ()),
    # PyPI through the CI machines' TLS proxy: see harness/bindings.py.
    "pypi-six": (Path(__file__).parent / "functions" / "pypi-six", "ca-binding"),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_two_fresh_builds_give_the_same_image_id(name, tmp_path):
    path, needs = FUNCTIONS[name]
    extra = bindings.ca_certificates(tmp_path) if needs == "ca-binding" else ()
    builds = [pack.must_build(f"kn-fn-e2e/rel-repro-{name}-{n}", path, extra=("--clear-cache", *extra)) for n in "ab"]
    for b in builds:
        assert FRESH in b.log, b.log  # really built from scratch, not from a cache
    if name == "pypi-six":
        assert all(" + six==1.17.0" in b.log for b in builds), builds[0].log  # uv installed it, from PyPI
    assert builds[0].id == builds[1].id
