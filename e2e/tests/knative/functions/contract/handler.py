"""An HTTP function with one path per behaviour a client can see, to compare the answers a
pod gives through queue-proxy with the function's own.

- /echo          JSON: the method, path, query, body length, request headers and peer address
                 it received
- /status/N      answers N with a text body
- /raise         raises: the invoker's 500
- /sleep?s=N     sleeps N seconds, then answers (TIMEOUT: the invoker's 504)
"""

import json
import time


def handler(req):
    if req.path == "/echo":
        return json.dumps({
            "method": req.method,
            "path": req.path,
            "query": req.query_string.decode(),
            "body_bytes": len(req.get_data()),
            "headers": {name.lower(): value for name, value in req.headers.items()},
            "remote_addr": req.remote_addr,
        }), 200, {"Content-Type": "application/json"}
    if req.path.startswith("/status/"):
        code = int(req.path.rsplit("/", 1)[1])
        return f"status {code}", code
    if req.path == "/raise":
        raise RuntimeError("raised on purpose")
    if req.path == "/sleep":
        time.sleep(float(req.args.get("s", "1")))
        return "slept"
    return "contract: use /echo, /status/N, /raise or /sleep?s=N", 404
