"""CLI tests run `b24` in process (Typer's CliRunner) against an in-process emulator and a temp state dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from b24_tools.cli import _common as _cli_common
from b24_tools.cli import app


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout.strip().splitlines()[-1])


class B24:
    """`b24(...)` runs the CLI; `.emu` is the portal behind it; `.state` the runtime dir."""

    def __init__(self, emu: Any, state: Path) -> None:
        self.emu = emu
        self.state = state
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Run:
        r = self.runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)
        return Run(r.exit_code, r.stdout, r.stderr)

    def approvals(self) -> Any:
        from b24_tools import Approvals, B24Settings, Policy

        settings = B24Settings(
            _env_file=None, sqlite_path=self.state / "b24.sqlite", runtime_dir=self.state, rate_limiter="off"
        )
        return Approvals.open(settings, client=self.emu.client(), policy=Policy(packs=("core",)))


@pytest.fixture
def b24(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any) -> Iterator[B24]:
    state = tmp_path / ".runtime"
    monkeypatch.chdir(tmp_path)
    for key in (
        "B24_WEBHOOK_URL",
        "B24_DOMAIN",
        "B24_PACKS",
        "B24_METHOD_ALLOWLIST",
        "B24_REQUIRE_PLAN",
        "B24_WEBHOOK_CODE",
        "B24_WEBHOOK_USER_ID",
        "B24_AUTH_MODE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("B24_RUNTIME_DIR", str(state))
    monkeypatch.setenv("B24_SQLITE_PATH", str(state / "b24.sqlite"))
    monkeypatch.setenv("B24_EVENTS_DB", str(state / "events.sqlite"))
    monkeypatch.setenv("B24_RATE_LIMITER", "off")
    monkeypatch.setattr(_cli_common, "client_factory", lambda settings, use_emulator: emulator.client())
    yield B24(emulator, state)
