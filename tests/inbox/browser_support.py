"""Headless Debian Chromium driven by Playwright (no browser download), and uvicorn serving an app in a thread."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason} (make browser installs Debian's chromium)")
    pytest.skip(
        f"SKIPPED LOUDLY: browser test needs headless Chromium: {reason}; run `make browser` (apt-get install chromium)"
    )


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright BrowserContext on the system Chromium, with a fresh profile directory (user data dir)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        _unavailable(f"playwright is not installed ({exc})")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        _unavailable("no `chromium` on PATH")
    with tempfile.TemporaryDirectory(prefix="b24-inbox-chromium-") as profile, sync_playwright() as pw:
        try:
            # Playwright passes the fresh profile as --user-data-dir itself (it refuses the raw flag in args)
            browser = pw.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser here"
            _unavailable(f"Chromium at {executable} did not start: {exc}")
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port in a thread; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):  # wait for startup by state, not by a time threshold
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
