import asyncio


async def handler(req):
    # An awaited I/O call of 5 ms (a database query, an HTTP call), then the answer.
    await asyncio.sleep(0.005)
    return "hello"
