"""Open a checkpointer, a store and the status table on one database: SQLite (default) or PostgreSQL.

- SQLite (`.runtime/b24.sqlite`): `SqliteSaver` + `SqliteStore` on one file (WAL), two connections.
- PostgreSQL (`postgresql://…`): `PostgresSaver` + `PostgresStore` on one connection pool.
- Async: `open_async_persistence` (`AsyncSqliteSaver`/`AsyncSqliteStore`, `AsyncPostgresSaver`/`AsyncPostgresStore`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore

from ..._errors import B24ConfigError
from ..._redact import redact_text
from ..._settings import B24Settings
from ._serde import make_serializer, redacting_saver
from ._status_table import StatusTable

__all__ = ["Persistence", "is_postgres_url", "open_async_persistence", "open_persistence"]

_SQLITE_TIMEOUT = 30.0


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


@dataclass
class Persistence:
    """What `open_persistence` yields: a checkpointer, a store and the status table on the store's database."""

    checkpointer: BaseCheckpointSaver[Any]
    store: BaseStore
    table: StatusTable
    backend: str  # "sqlite" | "postgres"
    location: str  # file path or URL without password


def _resolve(
    settings: B24Settings | None, database_url: str | None, sqlite_path: str | Path | None
) -> tuple[str, str]:
    if database_url is None and sqlite_path is None and settings is not None:
        database_url = settings.database_url
        sqlite_path = settings.sqlite_path
    if database_url and is_postgres_url(database_url):
        return "postgres", database_url
    if database_url and database_url.startswith("sqlite:///"):
        return "sqlite", database_url[len("sqlite:///") :]
    if database_url:
        raise B24ConfigError(
            f"unsupported B24_DATABASE_URL scheme: {redact_text(database_url.split(':', 1)[0])}",
            hint="use postgresql://user@host:port/db, or leave it unset for SQLite at B24_SQLITE_PATH",
        )
    return "sqlite", str(sqlite_path or ".runtime/b24.sqlite")


def _sqlite_connect(path: str, *, autocommit: bool = True) -> sqlite3.Connection:
    """`autocommit=False` for SqliteSaver: it commits once per put, so its multi-row writes share a transaction."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=_SQLITE_TIMEOUT)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
    conn.execute(f"PRAGMA busy_timeout={int(_SQLITE_TIMEOUT * 1000)}")
    if not autocommit:
        conn.isolation_level = "DEFERRED"  # deferred transactions, committed by the saver
    return conn


def _pg_missing() -> B24ConfigError:
    return B24ConfigError(
        "PostgreSQL persistence needs langgraph-checkpoint-postgres and psycopg",
        hint="pip install 'b24-tools[postgres]'",
    )


@contextmanager
def open_persistence(
    settings: B24Settings | None = None,
    *,
    database_url: str | None = None,
    sqlite_path: str | Path | None = None,
    encryption_key: str | bytes | None = None,
    pool_size: int = 8,
) -> Iterator[Persistence]:
    """Open checkpointer + store (+ status table) for SQLite (default) or PostgreSQL; closes them on exit."""
    backend, where = _resolve(settings, database_url, sqlite_path)
    serde = make_serializer(settings, encryption_key=encryption_key)
    if backend == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver
        from langgraph.store.sqlite import SqliteStore

        cp_conn = _sqlite_connect(where, autocommit=False)
        st_conn = _sqlite_connect(where)
        try:
            saver = SqliteSaver(cp_conn, serde=serde)
            saver.setup()
            store = SqliteStore(st_conn)
            store.setup()
            yield Persistence(saver, store, StatusTable.for_store(store), "sqlite", where)
        finally:
            st_conn.close()
            cp_conn.close()
        return
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from langgraph.store.postgres import PostgresStore
        from psycopg import Connection
        from psycopg.rows import DictRow, dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:  # pragma: no cover
        raise _pg_missing() from exc
    pool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
        where,
        connection_class=Connection[DictRow],
        min_size=1,
        max_size=pool_size,
        open=True,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    try:
        pg_saver = redacting_saver(PostgresSaver)(pool, serde=serde)
        pg_saver.setup()
        pg_store = PostgresStore(pool)
        pg_store.setup()
        yield Persistence(
            pg_saver,
            pg_store,
            StatusTable.for_store(pg_store),
            "postgres",
            redact_text(_strip_password(where)),
        )
    finally:
        pool.close()


@asynccontextmanager
async def open_async_persistence(
    settings: B24Settings | None = None,
    *,
    database_url: str | None = None,
    sqlite_path: str | Path | None = None,
    encryption_key: str | bytes | None = None,
) -> AsyncIterator[Persistence]:
    """Async twin of `open_persistence`: `AsyncSqliteSaver`/`AsyncSqliteStore` or the async Postgres classes.

    `table` is a synchronous `StatusTable` on its own connection to the same database.
    """
    backend, where = _resolve(settings, database_url, sqlite_path)
    serde = make_serializer(settings, encryption_key=encryption_key)
    if backend == "sqlite":
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
        from langgraph.store.sqlite import AsyncSqliteStore

        if where != ":memory:":
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        cp_conn = await aiosqlite.connect(where, timeout=_SQLITE_TIMEOUT)
        st_conn = await aiosqlite.connect(where, timeout=_SQLITE_TIMEOUT, isolation_level=None)
        table_conn = _sqlite_connect(where)
        try:
            await cp_conn.execute("PRAGMA journal_mode=WAL")
            saver = AsyncSqliteSaver(cp_conn, serde=serde)
            await saver.setup()
            store = AsyncSqliteStore(st_conn)
            await store.setup()
            yield Persistence(saver, store, StatusTable("sqlite", table_conn), "sqlite", where)
        finally:
            table_conn.close()
            await st_conn.close()
            await cp_conn.close()
        return
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from langgraph.store.postgres import AsyncPostgresStore
        from psycopg import AsyncConnection, Connection
        from psycopg.rows import DictRow, dict_row
        from psycopg_pool import AsyncConnectionPool, ConnectionPool
    except ImportError as exc:  # pragma: no cover
        raise _pg_missing() from exc
    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    apool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
        where, connection_class=AsyncConnection[DictRow], min_size=1, max_size=8, open=False, kwargs=kwargs
    )
    await apool.open()
    spool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
        where, connection_class=Connection[DictRow], min_size=1, max_size=2, open=True, kwargs=kwargs
    )
    try:
        pg_saver = redacting_saver(AsyncPostgresSaver)(apool, serde=serde)
        await pg_saver.setup()
        pg_store = AsyncPostgresStore(apool)
        await pg_store.setup()
        yield Persistence(
            pg_saver,
            pg_store,
            StatusTable("postgres", spool),
            "postgres",
            redact_text(_strip_password(where)),
        )
    finally:
        spool.close()
        await apool.close()


def _strip_password(url: str) -> str:
    """postgresql://user:pw@host/db -> postgresql://user:***@host/db"""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"
