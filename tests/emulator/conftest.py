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
