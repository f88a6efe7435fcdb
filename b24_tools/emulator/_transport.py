"""In-process httpx transports for the emulator app.

`httpx.ASGITransport` is async-only, so `SyncASGITransport` runs the ASGI app on a private event-loop thread
and blocks on the answer; `AsyncASGITransport` runs it on the caller's loop. Both turn the app's
`DropConnection` into `httpx.RemoteProtocolError`, as a real socket closed without an answer would.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import unquote

import httpx

from ._errors import DropConnection

__all__ = ["SyncASGITransport", "AsyncASGITransport", "LoopThread", "run_asgi"]


async def run_asgi(
    app: Any, request: httpx.Request, body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "extensions": {},
    }
    sent_body = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    try:
        await app(scope, receive, send)
    finally:
        done.set()
    return status, headers, b"".join(chunks)


class LoopThread:
    """One event loop on a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="b24-emulator-loop", daemon=True
                )
                self._thread.start()
            return self._loop

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop()).result()

    def close(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    self._thread.join(timeout=2)
                self._loop.close()
                self._loop = None
                self._thread = None


def _response(
    request: httpx.Request, status: int, headers: list[tuple[bytes, bytes]], content: bytes
) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=content, request=request)


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous transport to an ASGI app (runs it on a private loop thread)."""

    def __init__(self, app: Any, loop: LoopThread | None = None) -> None:
        self.app = app
        self._loop = loop or LoopThread()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        try:
            status, headers, content = self._loop.run(run_asgi(self.app, request, body))
        except DropConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return _response(request, status, headers, content)


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """An async transport to an ASGI app on the caller's event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        try:
            status, headers, content = await run_asgi(self.app, request, body)
        except DropConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return _response(request, status, headers, content)
