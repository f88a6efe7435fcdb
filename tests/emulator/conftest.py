"""Helpers for the emulator's own tests: raw httpx against the in-process app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from b24_tools.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """An empty in-memory emulator (no seed), for tests that count exactly."""
    e = Emulator()
    try:
        yield e
    finally:
        e.close()


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emu.transport(), base_url=emu.webhook_url) as client:
        yield client


@pytest.fixture
def seeded_http(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emulator.transport(), base_url=emulator.webhook_url) as client:
        yield client


class Receiver:
    """A loopback HTTP server that records every POST (an event handler)."""

    def __init__(self, status: int = 200) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[tuple[str, bytes, str]] = []
        self.received = received
        code = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                received.append((self.path, self.rfile.read(length), self.headers.get("Content-Type", "")))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/handler"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict]:
        from b24_tools.client._phpquery import decode

        return [decode(body.decode()) for _, body, _ in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


@pytest.fixture
def failing_receiver() -> Iterator[Receiver]:
    r = Receiver(status=500)
    try:
        yield r
    finally:
        r.close()
