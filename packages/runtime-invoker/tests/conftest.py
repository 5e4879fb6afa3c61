"""Fixtures shared by the Flask test-client tests.

Each app is made from a fixture directory under tests/functions/. User modules are named
like each other (handler.py), so every test gets a clean sys.modules and sys.path back.
"""

from __future__ import annotations

import sys

import pytest

from kn_fn_invoker import create_app
from kn_fn_invoker._settings import Settings

from fixtures import FUNCTIONS



@pytest.fixture(autouse=True)
def isolated_imports():
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
