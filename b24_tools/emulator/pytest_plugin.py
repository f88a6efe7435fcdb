"""pytest fixtures for the emulator: `emulator`, `b24_client`, `b24_aclient`.

Register with `pytest_plugins = ["b24_tools.emulator.pytest_plugin"]` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ._emulator import Emulator

__all__ = ["emulator", "b24_client", "b24_aclient"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh in-memory emulator, no leaky bucket, with a small deterministic seed."""
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


@pytest.fixture
async def b24_aclient(emulator: Emulator) -> AsyncIterator[Any]:
    """An `AsyncB24Client` talking to `emulator` in process."""
    client = emulator.aclient()
    try:
        yield client
    finally:
        await client.aclose()
