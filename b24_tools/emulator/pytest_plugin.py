"""pytest fixtures for the emulator: `emulator`, `b24_client`, `b24_aclient`.

Register with `pytest_plugins = ["b24_tools.emulator.pytest_plugin"]` in a conftest.py. The `emulator` is
pre-seeded (30 leads, 12 deals, 8 contacts, 4 companies, 6 tasks, 3 users; deterministic): tests that need an
empty portal build their own `Emulator()`. `b24_aclient` is a pytest-asyncio fixture, so it works in its strict
mode as well as in auto mode (mark the test `@pytest.mark.asyncio` in strict mode).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ._emulator import Emulator

try:  # an async fixture needs pytest-asyncio; declared through it, strict mode works too
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio no async test can use it anyway
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = ["emulator", "b24_client", "b24_aclient"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh in-memory emulator, no leaky bucket, pre-seeded: 30 leads, 12 deals, 8 contacts, 4 companies,
    6 tasks, 3 users (deterministic)."""
    emu = Emulator()
    emu.seed(leads=30, deals=12, contacts=8, companies=4, tasks=6, users=3)
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture
def b24_client(emulator: Emulator) -> Iterator[Any]:
    """A synchronous `B24Client` talking to `emulator` in process (limiter off)."""
    client = emulator.client()
    try:
        yield client
    finally:
        client.close()


@_async_fixture
async def b24_aclient(emulator: Emulator) -> AsyncIterator[Any]:
    """An `AsyncB24Client` talking to `emulator` in process."""
    client = emulator.aclient()
    try:
        yield client
    finally:
        await client.aclose()
