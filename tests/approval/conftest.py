"""Fixtures for the approval tests: every persistence test runs on SQLite and on the local PostgreSQL.

PostgreSQL: postgresql://postgres@127.0.0.1:5432/test, one fresh schema per test (dropped afterwards).
Missing server → `pytest.fail` when CI=true, else a loud skip.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from approval_helpers import open_kw  # noqa: E402

PG_BASE = os.environ.get("B24_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def _need_pg() -> None:
    why = _pg_available()
    if why is None:
        return
    msg = f"PostgreSQL at {PG_BASE} is not reachable ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip("LOUD SKIP: " + msg)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database URL whose search_path is a fresh schema, dropped after the test."""
    _need_pg()
    import psycopg

    schema = "b24t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Persistence location for one test: `{"sqlite_path": ...}` or `{"database_url": ...}`."""
    if request.param == "sqlite":
        return {"kind": "sqlite", "sqlite_path": str(tmp_path / "b24.sqlite")}
    url = request.getfixturevalue("pg_url")
    return {"kind": "postgres", "database_url": url}


@pytest.fixture
def make_approvals(backend: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    """Open `Approvals` on the test's backend (several instances = several reviewers/processes)."""
    from b24_tools import Approvals, Policy

    with ExitStack() as stack:

        def factory(client: Any, *, policy: Any = None, **kw: Any) -> Any:
            return stack.enter_context(
                Approvals.open(client=client, policy=policy or Policy(), **open_kw(backend), **kw)
            )

        yield factory
