"""Applications on the real server: `wsgi` (Flask), `asgi` (raw, with a lifespan), and hooks
that print, so a test reads their order in the server's output."""

import asyncio
import os

from flask import Flask

wsgi = Flask(__name__)


@wsgi.route("/", methods=["GET", "POST"])
def index():
    return f"flask in {os.getpid()}"


def start():
    print("hook start", flush=True)


async def stop():
    await asyncio.sleep(0)
    print("hook stop", flush=True)


async def asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].split(".")[1]
            print(f"app {kind}", flush=True)
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"asgi got " + message["body"]})


async def echo_header(req):
    return req.headers.get("X-Thing", "absent")
