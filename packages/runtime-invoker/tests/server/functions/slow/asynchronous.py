"""handler.py as an `async def`: served on the worker's event loop (ASGI), asyncio.sleep for
time.sleep. TIMEOUT cancels it."""

import asyncio
import os


async def handler(req):
    marker = os.environ.get("KN_FN_TEST_MARKER")
    if marker:
        with open(marker, "a", encoding="utf-8") as out:
            out.write(req.path + "\n")
    await asyncio.sleep(float(req.args.get("sleep", "0")))
    return "slept:" + req.get_data(as_text=True)
