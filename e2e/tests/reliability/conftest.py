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


@pytest.fixture(scope="session")
def images() -> pack.Images:
    return pack.Images(SOURCES)
