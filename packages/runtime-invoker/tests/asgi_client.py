"""A test client for the invoker's ASGI app: the part of a server the tests need, in one event
loop per test (as a granian worker has one). `drive(app, scenario)` runs the lifespan startup,
`await scenario(client)`, then the shutdown; a request is a scope and the messages around it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased; repeated ones joined with ", "
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self._to_lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._lifespan: asyncio.Task[None] | None = None

    async def startup(self) -> dict[str, Any]:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan = asyncio.ensure_future(self.app(scope, self._to_lifespan.get, self._from_lifespan.put))
        await self._to_lifespan.put({"type": "lifespan.startup"})
        return await self._from_lifespan.get()

    async def shutdown(self) -> dict[str, Any]:
        await self._to_lifespan.put({"type": "lifespan.shutdown"})
        message = await self._from_lifespan.get()
        assert self._lifespan is not None
        await self._lifespan
        return message

    async def request(
        self,
        method: str,
        path: str = "/",
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        chunks: list[bytes] | None = None,
        disconnect_after_body: bool = False,
        query: str = "",
    ) -> Reply:
        """`chunks`: the body in several messages, with no Content-Length (as a chunked
        request arrives); `disconnect_after_body`: the client goes away before the last one."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        header_list = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()]
        if chunks is None:
            chunks = [body]
            if body and not any(name == b"content-length" for name, _ in header_list):
                header_list.append((b"content-length", str(len(body)).encode()))
        elif not any(name == b"content-length" for name, _ in header_list):
            header_list.append((b"transfer-encoding", b"chunked"))
        incoming = [{"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
                    for index, chunk in enumerate(chunks)]
        if disconnect_after_body:
            incoming[-1]["more_body"] = True
            incoming.append({"type": "http.disconnect"})
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": header_list, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080), "state": {},
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if incoming:
                return incoming.pop(0)
            await asyncio.Event().wait()  # nothing more: as a connection left open
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        start = next(message for message in sent if message["type"] == "http.response.start")
        headers_out: dict[str, str] = {}
        for name, value in start["headers"]:
            key = name.decode("latin-1").lower()
            headers_out[key] = f"{headers_out[key]}, {value.decode('latin-1')}" if key in headers_out else value.decode("latin-1")
        data = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
        return Reply(start["status"], headers_out, data)


def drive(app: Callable[..., Awaitable[None]], scenario: Callable[[Client], Awaitable[Any]]) -> Any:
    """Lifespan startup (it must complete), the scenario, lifespan shutdown; the scenario's result."""

    async def run() -> Any:
        client = Client(app)
        started = await client.startup()
        assert started == {"type": "lifespan.startup.complete"}, started
        result = await scenario(client)
        assert await client.shutdown() == {"type": "lifespan.shutdown.complete"}
        return result

    return asyncio.run(run())
