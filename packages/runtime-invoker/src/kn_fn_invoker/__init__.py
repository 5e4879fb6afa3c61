"""kn-fn runtime invoker: serves a Python function over HTTP and CloudEvents."""

from typing import Any

from ._target import InvokerError

__version__ = "0.1.0"

__all__ = ["create_app", "InvokerError", "__version__"]


def __getattr__(name: str) -> Any:
    # Flask is imported only when an app is made: the build's static check runs this
    # package from its wheel on a bare interpreter, before any dependency is installed.
    if name == "create_app":
        from ._app import create_app

        return create_app
    raise AttributeError(name)
