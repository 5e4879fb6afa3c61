"""handler.py as an `async def`: served on the worker's event loop (ASGI)."""

import json


async def handler(req):
    body = req.get_data()
    if req.path == "/boom":
        order = json.loads(body)
        raise ValueError(f"order rejected ({len(order)} fields)")
    return {"ok": True, "path": req.path, "length": len(body)}
