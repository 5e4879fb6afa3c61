"""Fixtures of the reliability tests: the images they serve, built once per session.

Durations are shortened through the environment (harness/load.py: KN_FN_LOAD_SECONDS, ...;
test_malformed_input.py: KN_FN_FUZZ_EXAMPLES); the defaults are the reliability issue's figures.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from harness import pack
from harness.shell import REPO_ROOT

# Hypothesis keeps a charmap cache on disk; keep it out of the source tree (the tests also
# run with database=None, so no example database is written either).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "kn-fn-e2e-hypothesis"))

FUNCTIONS = Path(__file__).parent / "functions"
SOURCES = {
    "kn-fn-e2e/rel-http": REPO_ROOT / "templates" / "python" / "http",
    "kn-fn-e2e/rel-cloudevents": REPO_ROOT / "templates" / "python" / "cloudevents",
    "kn-fn-e2e/rel-faults": FUNCTIONS / "faults",
}


class Images:
    """`images("kn-fn-e2e/rel-http")` builds the image the first time and returns its name.

    Built again when it has gone: a concurrent e2e session that built the same name removes
    it when that session ends (pack's cache makes the rebuild a few seconds).
    """

    def __init__(self) -> None:
        self.built: set[str] = set()

    def __call__(self, image: str) -> str:
        if image not in self.built or pack.image_id(image) is None:
            pack.must_build(image, SOURCES[image])
            self.built.add(image)
        return image


@pytest.fixture(scope="session")
def images() -> Images:
    return Images()
