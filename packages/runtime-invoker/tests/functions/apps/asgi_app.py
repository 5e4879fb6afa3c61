"""ASGI applications: one that takes the lifespan protocol (as Starlette does), a raw one that
does not, one whose startup fails, and the hooks beside them."""

import asyncio

events = []


async def start():
    events.append("hook start")


def stop():
    events.append("hook stop")


class Recording:
    """Answers `<method> <path> <body>`; /raise raises before answering, /raise-late after it
    began, /slow sleeps; records its lifespan."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    events.append("app startup")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    events.append("app shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        message = await receive()
        path = scope["path"]
        if path == "/raise":
            raise LookupError("no such thing")
        if path == "/slow":
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                events.append("cancelled")
                raise
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        if path == "/raise-late":
            raise LookupError("half way")
        text = f"{scope['method']} {path} {message['body'].decode()} more={message['more_body']}"
        await send({"type": "http.response.body", "body": text.encode()})


app = Recording()


async def raw(scope, receive, send):
    assert scope["type"] == "http", "no lifespan here"
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"raw"})


class FailingStartup:
    async def __call__(self, scope, receive, send):
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database unreachable"})


failing = FailingStartup()
