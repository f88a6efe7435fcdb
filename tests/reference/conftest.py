"""Fixture `ref`: a user of the reference tool with `b24`, against an emulator served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reference_helpers import Reference

from b24_tools.emulator import Emulator


@pytest.fixture
def ref(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Reference]:
    monkeypatch.chdir(tmp_path)
    for key in ("B24_PACKS", "B24_METHOD_ALLOWLIST", "B24_REQUIRE_PLAN", "B24_AUDIT_FILE", "B24_SQLITE_PATH"):
        monkeypatch.delenv(key, raising=False)
    emu = Emulator()
    emu.seed(leads=5, deals=3, contacts=2, companies=1, tasks=2, users=2)
    try:
        with emu.serve() as url:
            yield Reference(emu, url, tmp_path)
    finally:
        emu.close()
