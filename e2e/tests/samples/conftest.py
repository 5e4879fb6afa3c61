"""Fixtures of the sample tests: building a sample with pack, and moto's server (S3 and SQS)
for the session with its clients.

Every sample test that serves the sample runs twice: with the function alone, and as a
Knative revision pod behind Knative's queue-proxy (harness/knative.py), with the same calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import pytest

from harness import moto as moto_server
from harness import bindings, knative, pack
from harness.shell import REPO_ROOT

SAMPLES = REPO_ROOT / "samples" / "python"


def pytest_generate_tests(metafunc):
    if "functions" in metafunc.fixturenames:
        metafunc.parametrize("functions", knative.THROUGH, indirect=True)


@pytest.fixture(scope="session")
def build_sample(tmp_path_factory) -> Callable[[str, str], str]:
    """build_sample("cloudevents", "txt-to-pdf") packs samples/python/cloudevents/txt-to-pdf as
    kn-fn-e2e/sample-txt-to-pdf and returns the image name (pack's cache makes a rebuild fast)."""
    # PyPI through the CI machines' TLS proxy: see harness/bindings.py.
    extra = bindings.ca_certificates(tmp_path_factory.mktemp("bindings"))

    def build(kind: str, name: str) -> str:
        return pack.must_build(f"{pack.IMAGE_PREFIX}sample-{name}", SAMPLES / kind / name, extra=extra).image

    return build


@pytest.fixture(scope="session")
def moto() -> Iterator[moto_server.MotoServer]:
    server = moto_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3(moto):
    return moto.client("s3")


@pytest.fixture(scope="session")
def sqs(moto):
    return moto.client("sqs")
