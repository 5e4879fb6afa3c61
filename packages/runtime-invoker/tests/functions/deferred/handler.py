import functools


def _make():
    def inner(req):
        return "made"

    return inner


handler = _make()
