"""Fixtures shared by the Flask test-client tests.

Each app is made from a fixture directory under tests/functions/. User modules are named
like each other (handler.py), so every test gets a clean sys.modules and sys.path back.
"""

from __future__ import annotations

import asyncio  # noqa: F401 - see isolated_imports
import sys

import pytest

from kn_fn_invoker import create_app
from kn_fn_invoker._settings import Settings

from fixtures import FUNCTIONS



@pytest.fixture(autouse=True)
def isolated_imports():
    # asyncio is imported above, before any test: the worker's event loop (_loop.py) outlives
    # a test, and a fresh asyncio module in the next one would not know its tasks.
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.path[:] = path


@pytest.fixture
def make_client():
    def make(scenario: str, handler: str = "handler.handler", **settings):
        app = create_app(handler, FUNCTIONS / scenario, Settings(**settings))
        return app.test_client()

    return make
