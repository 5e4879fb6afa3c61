"""An async HTTP function with async hooks: what it sees of its loop, its request, its deadline."""

import asyncio

from flask import abort, jsonify, request

seen = {"start_loop": None, "stopped": False, "cancelled": False}


async def start():
    seen["start_loop"] = asyncio.get_running_loop()


async def stop():
    seen["stopped"] = True


async def ready():
    same = asyncio.get_running_loop() is seen["start_loop"]
    return same, "ready on the start loop" if same else "another loop"


async def handler(req):
    if req.path == "/abort":
        abort(418)
    if req.path == "/jsonify":
        return jsonify(seen="jsonify"), 201
    if req.path == "/raise":
        raise KeyError("nope")
    if req.path == "/timeout-error":
        raise TimeoutError("the function's own")
    if req.path == "/slow":
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            seen["cancelled"] = True
            raise
    return {
        "path": req.path,
        "q": req.args.get("q"),
        "body": req.get_data(as_text=True),
        "header": req.headers.get("X-Thing"),
        "flask_request_path": request.path,
        "on_start_loop": asyncio.get_running_loop() is seen["start_loop"],
    }
