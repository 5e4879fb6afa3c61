"""HTTP function: /boom reads the JSON body and raises; every other path answers a summary."""

import json


def handler(req):
    body = req.get_data()
    if req.path == "/boom":
        order = json.loads(body)
        # The message names no value from the request: whatever the log shows of the body
        # would have come from the invoker.
        raise ValueError(f"order rejected ({len(order)} fields)")
    return {"ok": True, "path": req.path, "length": len(body)}
