from typing import Any


def handler(req: Any):
    """Answers every HTTP request; `req` is the Flask request."""
    name = req.args.get("name", "world")
    return f"Hello, {name}!"
