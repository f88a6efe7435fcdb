"""Helpers of the reference compatibility tests. The reference tool's users, switching: its command lines and variable names against a served emulator.

`ref(line)` runs one of the reference's command lines with only the command name changed
(`python3 …/bitrix24_client.py` → `b24 call`, `python3 …/offline_sync_worker.py` → `b24 events worker`), in
process, with the reference's environment variables pointing at an emulator served on a loopback port.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from b24_tools.cli import app
from b24_tools.emulator import Emulator

__all__ = ["CLIENT", "WORKER", "REFERENCE_AUDIT_FIELDS", "adapt", "Run", "Reference"]

CLIENT = "python3 skills/bitrix24-agent/scripts/bitrix24_client.py"
WORKER = "python3 skills/bitrix24-agent/scripts/offline_sync_worker.py"

# The reference's audit record (scripts/bitrix24_client.py, write_audit_row callers): name → JSON type.
REFERENCE_AUDIT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "ts": int,
    "request_id": str,
    "tenant": str,
    "method": str,
    "risk": str,
    "status": str,
    "error_code": str,
    "error_message": str,
    "duration_ms": int,
    "allowlisted": bool,
    "packs": list,
    "rest_v3": bool,
    "param_keys": list,
    "plan_id": str,
    "idempotency_key": str,
    "idempotent_replay": bool,
}


def adapt(line: str) -> list[str]:
    """The reference's command line → `b24` argv (the command name is the only change)."""
    text = " ".join(part.strip() for part in line.strip().split("\\\n"))
    text = text.replace(CLIENT, "b24 call").replace(WORKER, "b24 events worker")
    argv = shlex.split(text)
    assert argv[0] == "b24", line
    return argv[1:]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class Reference:
    """A user of the reference tool, now with `b24`: its env names, a served emulator, a fresh directory."""

    def __init__(self, emu: Emulator, url: str, home: Path) -> None:
        self.emu = emu
        self.url = url
        self.home = home
        self.runner = CliRunner()
        self.env: dict[str, str | None] = {
            # the reference's names (README quick start, webhook example; limiter as its README sets it)
            "B24_DOMAIN": url,
            "B24_AUTH_MODE": "webhook",
            "B24_WEBHOOK_USER_ID": str(emu.config.user_id),
            "B24_WEBHOOK_CODE": emu.config.webhook_code,
            "B24_RATE_LIMITER": "file",
            "B24_RATE_LIMITER_RATE": "2.0",
            "B24_RATE_LIMITER_BURST": "10",
            # this package's own, kept inside the test directory
            "B24_RUNTIME_DIR": str(home / ".runtime"),
            "B24_EVENTS_DB": str(home / ".runtime" / "b24_events.sqlite"),
            "B24_WEBHOOK_URL": None,
            "B24_DATABASE_URL": None,
            "B24_OUTPUT": None,
        }

    @property
    def audit_file(self) -> Path:
        return self.home / ".runtime" / "bitrix24_audit.jsonl"

    def audit_rows(self, path: Path | None = None) -> list[dict[str, Any]]:
        target = path or self.audit_file
        if not target.exists():
            return []
        return [json.loads(line) for line in target.read_text().splitlines() if line.strip()]

    def __call__(self, line: str | list[str], *extra: str, env: dict[str, str | None] | None = None) -> Run:
        argv = adapt(line) if isinstance(line, str) else list(line)
        merged = {**self.env, **(env or {})}
        r = self.runner.invoke(app, [*argv, *extra], env=merged, catch_exceptions=False)
        return Run(r.exit_code, r.stdout, r.stderr)

    def approvals(self) -> Any:
        from b24_tools import Approvals, B24Settings, Policy

        settings = B24Settings(
            _env_file=None,
            sqlite_path=self.home / ".runtime" / "b24.sqlite",
            runtime_dir=self.home / ".runtime",
            rate_limiter="off",
        )
        return Approvals.open(settings, client=self.emu.client(), policy=Policy(packs=("core",)))
