"""Signatures the check must accept or refuse, with the reason."""
import flask


def unknown(req, context):
    pass


def mixed(req, data):
    pass


def variadic(*args):
    pass


def keywords(req, **kwargs):
    pass


def defaults_unknown(req, retries=3):
    pass


def annotated_request(r: flask.Request):
    return r.method


def annotated_string(r: "flask.Request"):
    return r.method


def keyword_only(*, body):
    return body


def all_cloudevent(event, data, payload, attributes):
    return None


def all_http(req, request, body, headers):
    return "ok"


async def async_cloudevent(data):
    return None


not_a_function = 42
