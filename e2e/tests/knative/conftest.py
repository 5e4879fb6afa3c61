"""Fixtures of the tests that run functions as Knative revision pods, behind Knative's real
queue-proxy (harness/knative.py): the images they serve, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import knative, pack
from harness.shell import REPO_ROOT

FUNCTIONS = Path(__file__).parent / "functions"
SOURCES = {
    "kn-fn-e2e/kn-http": REPO_ROOT / "templates" / "python" / "http",
    "kn-fn-e2e/kn-cloudevents": REPO_ROOT / "templates" / "python" / "cloudevents",
    "kn-fn-e2e/kn-faults": REPO_ROOT / "e2e" / "tests" / "reliability" / "functions" / "faults",
    "kn-fn-e2e/kn-adder": REPO_ROOT / "samples" / "python" / "http" / "adder",
    "kn-fn-e2e/kn-contract": FUNCTIONS / "contract",
    "kn-fn-e2e/kn-slow-start": FUNCTIONS / "slow-start",
    "kn-fn-e2e/kn-heartbeat-logger": FUNCTIONS / "heartbeat-logger",
}


@pytest.fixture(scope="session", autouse=True)
def knative_tools() -> None:
    knative.require_tools()


@pytest.fixture(scope="session")
def images() -> pack.Images:
    return pack.Images(SOURCES)
