"""HTTP fixture functions: one per row of the Responses table."""
import asyncio

from flask import Response, abort


def handler(req):
    return "hello " + req.args.get("name", "world")


def no_params():
    return "no parameters"


def returns_bytes(body):
    return b"\x00\x01" + body


def returns_dict(headers):
    return {"agent": headers.get("User-Agent", ""), "n": 1}


def returns_list(request):
    return [1, "two", None]


def returns_status(req):
    return "created", 201


def returns_status_headers(req):
    return {"ok": True}, 202, {"X-Extra": "yes"}


def returns_response(req):
    return Response("teapot", status=418, content_type="text/x-teapot")


def returns_none(req):
    return None


def returns_unsupported(req):
    return object()


def returns_int(req):
    return 5


def raises(body):
    raise ValueError("boom with secret " + body.decode())


def aborts(req):
    abort(401)


def reads_body(body):
    return str(len(body))


async def async_handler(req):
    await asyncio.sleep(0)
    return "async " + req.method


def flask_global(req):
    from flask import request

    return request.path


def positional_only(req, /):
    return "positional " + req.method


def slow(req):
    import time

    time.sleep(float(req.args.get("s", "0.5")))
    return "slow done"
