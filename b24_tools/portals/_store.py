"""Where installed portals live: one row per portal (member_id), tokens sealed, in SQLite or PostgreSQL.

    PortalStore.open("sqlite:///.runtime/b24_portals.sqlite" | "postgresql://…", sealer=...)

One table, `b24_portal`. Columns hold what the install and the OAuth server said about the portal (member_id,
domain, endpoints, scope, plan) and its tokens sealed with `B24_ENCRYPTION_KEY` (access, refresh, application
token). Uninstalling keeps the row (status `uninstalled`, time) and erases every token, so later calls fail with
a clear error instead of an authorization failure. Both backends share the SQL; only placeholders and the
connection differ.
"""

from __future__ import annotations

import builtins
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .._errors import require_extra
from .._redact import register_secret
from ..client._auth import TokenPair
from ._crypto import Sealer

__all__ = ["PortalRecord", "PortalStore", "portal_host"]

Status = Literal["installed", "uninstalled"]

_COLUMNS = (
    "member_id, domain, client_endpoint, server_endpoint, status, scope, user_id, plan, "
    "installed_at, uninstalled_at, access_token, refresh_token, expires, application_token, token_version"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS b24_portal (
    member_id TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    client_endpoint TEXT NOT NULL,
    server_endpoint TEXT NOT NULL,
    status TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    user_id INTEGER,
    plan TEXT NOT NULL DEFAULT 'standard',
    installed_at DOUBLE PRECISION NOT NULL,
    uninstalled_at DOUBLE PRECISION,
    access_token TEXT,
    refresh_token TEXT,
    expires DOUBLE PRECISION,
    application_token TEXT,
    token_version INTEGER NOT NULL DEFAULT 0
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS b24_portal_domain ON b24_portal (domain)"


def portal_host(value: str) -> str:
    """`https://Portal.bitrix24.com/rest/` or `portal.bitrix24.com` → `portal.bitrix24.com` (host[:port])."""
    raw = value.strip()
    if "://" not in raw:
        raw = "//" + raw
    return (urlsplit(raw).netloc or value).lower().rstrip("/")


@dataclass(frozen=True, slots=True)
class PortalRecord:
    """One installed (or formerly installed) portal. Holds no secret."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    status: Status
    scope: str = ""
    user_id: int | None = None
    plan: str = "standard"
    installed_at: float = 0.0
    uninstalled_at: float | None = None

    @property
    def installed(self) -> bool:
        return self.status == "installed"

    @property
    def base_url(self) -> str:
        """The portal's address as the client takes it (`https://portal.bitrix24.com`)."""
        parts = urlsplit(self.client_endpoint)
        return f"{parts.scheme}://{parts.netloc}"


class PortalStore:
    """Portals and their sealed tokens. Thread-safe; every process sharing the database sees the same rows."""

    def __init__(self, url: str, *, sealer: Sealer) -> None:
        self.sealer = sealer
        self.url = url
        self._local = threading.local()
        self._pool: Any = None
        if url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgres"
            require_extra("a PostgreSQL portal store", "postgres", "psycopg", "psycopg_pool")
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(
                url, min_size=1, max_size=8, open=True, kwargs={"autocommit": True, "prepare_threshold": 0}
            )
        else:
            self.kind = "sqlite"
            path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else url
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # local state files are private
                os.close(fd)
        self.setup()

    @classmethod
    def open(cls, url: str | Path, *, sealer: Sealer) -> PortalStore:
        return cls(str(url), sealer=sealer)

    def __repr__(self) -> str:
        return f"PortalStore(kind={self.kind!r})"

    # -- connections ------------------------------------------------------------------------------------
    @contextmanager
    def _conn(self) -> Iterator[Any]:
        if self._pool is not None:
            with self._pool.connection() as conn:
                yield conn
            return
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn, self._local.pid = conn, os.getpid()
        yield conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.kind == "postgres" else sql

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._conn() as conn:
            cur = conn.execute(self._sql(sql), args)
            return int(cur.rowcount or 0)

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            return [tuple(r) for r in conn.execute(self._sql(sql), args).fetchall()]

    def setup(self) -> None:
        self._exec(_SCHEMA)
        self._exec(_INDEX)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- sealing ------------------------------------------------------------------------------------------
    def _seal(self, member_id: str, field: str, value: str | None) -> str | None:
        return self.sealer.seal(value, context=f"{member_id}:{field}")

    def _open(self, member_id: str, field: str, value: str | None) -> str | None:
        out = self.sealer.open(value, context=f"{member_id}:{field}")
        register_secret(out)
        return out

    # -- portals ------------------------------------------------------------------------------------------
    def save_install(
        self,
        record: PortalRecord,
        tokens: TokenPair,
        *,
        application_token: str | None = None,
    ) -> None:
        """Insert or re-install a portal with fresh tokens (a re-install replaces everything it had)."""
        m = record.member_id
        args = (
            m, portal_host(record.domain), record.client_endpoint, record.server_endpoint, "installed",
            record.scope, record.user_id, record.plan, record.installed_at or time.time(), None,
            self._seal(m, "access", tokens.access_token), self._seal(m, "refresh", tokens.refresh_token),
            tokens.expires, self._seal(m, "application", application_token), 0,
        )  # fmt: skip
        placeholders = ", ".join("?" * len(args))
        self._exec(
            f"INSERT INTO b24_portal ({_COLUMNS}) VALUES ({placeholders}) ON CONFLICT (member_id) DO UPDATE SET "
            "domain = excluded.domain, client_endpoint = excluded.client_endpoint, "
            "server_endpoint = excluded.server_endpoint, status = excluded.status, scope = excluded.scope, "
            "user_id = excluded.user_id, plan = excluded.plan, installed_at = excluded.installed_at, "
            "uninstalled_at = NULL, access_token = excluded.access_token, "
            "refresh_token = excluded.refresh_token, expires = excluded.expires, "
            "application_token = excluded.application_token, "
            "token_version = b24_portal.token_version + 1",
            args,
        )

    def get(self, key: str) -> PortalRecord | None:
        """By member_id, or by domain (`portal.bitrix24.com`, with or without scheme)."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM b24_portal WHERE member_id = ?", (key,))
        if not rows:
            rows = self._rows(
                f"SELECT {_COLUMNS} FROM b24_portal WHERE domain = ? ORDER BY installed_at DESC",
                (portal_host(key),),
            )
        return _record(rows[0]) if rows else None

    def list(self, status: Status | None = None) -> list[PortalRecord]:
        if status is None:
            rows = self._rows(f"SELECT {_COLUMNS} FROM b24_portal ORDER BY domain")
        else:
            rows = self._rows(
                f"SELECT {_COLUMNS} FROM b24_portal WHERE status = ? ORDER BY domain", (status,)
            )
        return [_record(r) for r in rows]

    def set_plan(self, member_id: str, plan: str) -> None:
        self._exec("UPDATE b24_portal SET plan = ? WHERE member_id = ?", (plan, member_id))

    def mark_uninstalled(self, member_id: str) -> bool:
        """Status `uninstalled`; every token erased. False when the portal is unknown or already uninstalled."""
        return (
            self._exec(
                "UPDATE b24_portal SET status = 'uninstalled', uninstalled_at = ?, access_token = NULL, "
                "refresh_token = NULL, expires = NULL, application_token = NULL, "
                "token_version = token_version + 1 WHERE member_id = ? AND status = 'installed'",
                (time.time(), member_id),
            )
            > 0
        )

    # -- tokens ---------------------------------------------------------------------------------------------
    def load_tokens(self, member_id: str) -> TokenPair | None:
        rows = self._rows(
            "SELECT access_token, refresh_token, expires FROM b24_portal "
            "WHERE member_id = ? AND status = 'installed'",
            (member_id,),
        )
        if not rows or rows[0][0] is None:
            return None
        access, refresh, expires = rows[0]
        return TokenPair(
            self._open(member_id, "access", access) or "",
            self._open(member_id, "refresh", refresh),
            float(expires) if expires is not None else None,
        )

    def save_tokens(self, member_id: str, pair: TokenPair) -> bool:
        """Store a refreshed pair; False when the portal was uninstalled meanwhile (nothing stored)."""
        return (
            self._exec(
                "UPDATE b24_portal SET access_token = ?, refresh_token = ?, expires = ?, "
                "token_version = token_version + 1 WHERE member_id = ? AND status = 'installed'",
                (
                    self._seal(member_id, "access", pair.access_token),
                    self._seal(member_id, "refresh", pair.refresh_token),
                    pair.expires,
                    member_id,
                ),
            )
            > 0
        )

    def application_token(self, member_id: str) -> str | None:
        rows = self._rows(
            "SELECT application_token FROM b24_portal WHERE member_id = ? AND status = 'installed'",
            (member_id,),
        )
        return self._open(member_id, "application", rows[0][0]) if rows and rows[0][0] else None

    def set_application_token(self, member_id: str, token: str) -> bool:
        """Store the token `ONAPPINSTALL` carried, only while none is stored (the first one wins)."""
        return (
            self._exec(
                "UPDATE b24_portal SET application_token = ? "
                "WHERE member_id = ? AND status = 'installed' AND application_token IS NULL",
                (self._seal(member_id, "application", token), member_id),
            )
            > 0
        )

    def raw_rows(self) -> builtins.list[tuple[Any, ...]]:
        """Every stored column as it sits on disk (tests check that no token is readable)."""
        return self._rows(f"SELECT {_COLUMNS} FROM b24_portal")


def _record(row: tuple[Any, ...]) -> PortalRecord:
    return PortalRecord(
        member_id=row[0], domain=row[1], client_endpoint=row[2], server_endpoint=row[3], status=row[4],
        scope=row[5] or "", user_id=row[6], plan=row[7] or "standard", installed_at=float(row[8]),
        uninstalled_at=float(row[9]) if row[9] is not None else None,
    )  # fmt: skip
