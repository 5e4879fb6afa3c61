"""An async CloudEvent function."""

import asyncio


async def handler(data, attributes):
    await asyncio.sleep(0)
    if isinstance(data, dict) and data.get("fail"):
        raise ValueError("bad order")
    if isinstance(data, dict) and data.get("quiet"):
        return None
    return {"got": data, "type": attributes["type"]}
