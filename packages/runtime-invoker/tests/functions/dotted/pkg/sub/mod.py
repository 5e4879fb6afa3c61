from .helpers import greeting


def fn(req):
    return greeting()
