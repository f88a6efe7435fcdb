"""The real reviewer API (approval graph on SQLite) over the in-process emulator, for inbox tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from b24_tools import B24Settings
from b24_tools.approval import Approvals


def graph_settings(tmp_path: Path, **kw: Any) -> B24Settings:
    return B24Settings(
        _env_file=None,
        runtime_dir=tmp_path,
        sqlite_path=tmp_path / "b24.sqlite",
        audit_file=tmp_path / "audit.jsonl",
        packs="core",
        **kw,
    )


@contextlib.contextmanager
def open_approvals(emulator: Any, settings: B24Settings, **kw: Any) -> Iterator[Approvals]:
    client = emulator.client()
    try:
        with Approvals.open(settings, client=client, sqlite_path=settings.sqlite_path, **kw) as approvals:
            yield approvals
    finally:
        client.close()


def with_reviewer_auth(settings: B24Settings, token: str) -> B24Settings:
    return settings.model_copy(
        update={"reviewer_token": SecretStr(token), "session_secret": SecretStr("graph-session-secret")}
    )
