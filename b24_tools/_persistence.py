"""Checkpointer + store factory, the redacting serializer, and an atomic status table.

    with open_persistence(settings) as p:          # SQLite at settings.sqlite_path, or Postgres when a URL is set
        p.checkpointer, p.store, p.table

- SQLite (default, `.runtime/b24.sqlite`): `SqliteSaver` + `SqliteStore` on one file (WAL), two connections.
- PostgreSQL (`postgresql://…`): `PostgresSaver` + `PostgresStore` on one connection pool.
- Async variants: `open_async_persistence(...)` (`AsyncSqliteSaver`/`AsyncSqliteStore`, `AsyncPostgresSaver`/
  `AsyncPostgresStore`).
- Every checkpoint passes through `RedactingSerializer` (secrets are masked before bytes are written) and, when
  `settings.encryption_key` is set, LangGraph's `EncryptedSerializer` (AES) on top.
- `StatusTable` is a small table `b24_cas` next to the store's tables, on the same connection: it gives the
  compare-and-set the `BaseStore` API lacks (plan decisions, ledger claims). One UPDATE … WHERE status IN (…)
  is atomic in SQLite (file lock) and PostgreSQL (row lock + re-check under READ COMMITTED).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from ._errors import B24ConfigError
from ._redact import SECRET_KEYS, known_secrets, redact, redact_text
from ._settings import B24Settings

__all__ = [
    "BufferedStore",
    "Persistence",
    "RedactingSerializer",
    "StatusTable",
    "make_serializer",
    "maybe_redact",
    "open_persistence",
    "open_async_persistence",
    "is_postgres_url",
]

_SQLITE_TIMEOUT = 30.0


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


# --------------------------------------------------------------------------- serializer


def _scrub(obj: Any, depth: int = 0) -> Any:
    """Redact secrets inside the values a checkpoint may hold (containers, pydantic models, dataclasses)."""
    if depth > 40:
        return obj
    if isinstance(obj, str):
        return redact_text(obj) if obj else obj
    if isinstance(obj, dict):
        return redact({k: _scrub(v, depth + 1) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_scrub(v, depth + 1) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_scrub(v, depth + 1) for v in obj)
    if isinstance(obj, set | frozenset):
        return type(obj)(_scrub(v, depth + 1) for v in obj)
    if hasattr(obj, "model_copy") and hasattr(type(obj), "model_fields"):
        try:
            update = {name: _scrub(getattr(obj, name), depth + 1) for name in type(obj).model_fields}
            return obj.model_copy(update=update)
        except Exception:  # pragma: no cover - exotic models are stored as they are
            return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        try:
            changes = {
                f.name: _scrub(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj) if f.init
            }
            return dataclasses.replace(obj, **changes)
        except Exception:  # pragma: no cover
            return obj
    return obj


_TRIGGERS = tuple(k.encode() for k in SECRET_KEYS) + (b"/rest/", b"token")


def _may_hold_secret(data: bytes) -> bool:
    if not data:
        return False
    low = data.lower()
    if any(t in low for t in _TRIGGERS):
        return True
    return any(s.encode() in data for s in known_secrets())


def maybe_redact(value: Any) -> Any:
    """`redact(value)`, skipped when its JSON shows nothing redact() could change (a C-speed check)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return redact(value)
    return redact(value) if _may_hold_secret(text.encode()) else value


class RedactingSerializer(SerializerProtocol):
    """Wraps a LangGraph serializer; masks registered secrets and secret-named keys before dumping."""

    def __init__(self, inner: SerializerProtocol | None = None) -> None:
        self.inner = inner or JsonPlusSerializer()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        typ, data = self.inner.dumps_typed(obj)
        if not _may_hold_secret(data):
            return typ, data  # fast path: no registered secret and no secret-looking key or URL in the bytes
        return self.inner.dumps_typed(_scrub(obj))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


def _scrub_checkpoint(checkpoint: Any) -> Any:
    """PostgresSaver stores primitive channel values inline (not through the serializer): scrub those too."""
    values = checkpoint.get("channel_values") or {}
    if not any(isinstance(v, str) for v in values.values()):
        return checkpoint
    return {
        **checkpoint,
        "channel_values": {k: redact_text(v) if isinstance(v, str) else v for k, v in values.items()},
    }


def _redacting_saver(cls: type) -> type:
    """A subclass of a checkpointer whose inline (non-serialized) checkpoint values are redacted."""

    class _Redacting(cls):  # type: ignore[misc, valid-type]
        def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            return super().put(config, _scrub_checkpoint(checkpoint), _scrub(metadata), new_versions)

        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            return await super().aput(config, _scrub_checkpoint(checkpoint), _scrub(metadata), new_versions)

    _Redacting.__name__ = _Redacting.__qualname__ = f"Redacting{cls.__name__}"
    return _Redacting


def make_serializer(
    settings: B24Settings | None = None, *, encryption_key: str | bytes | None = None
) -> SerializerProtocol:
    """Redacting serializer, wrapped in AES (`EncryptedSerializer`) when a key is configured."""
    serde: SerializerProtocol = RedactingSerializer(JsonPlusSerializer())
    key: str | bytes | None = encryption_key
    if key is None and settings is not None and settings.encryption_key is not None:
        key = settings.encryption_key.get_secret_value() or None
    if key:
        try:
            from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
        except ImportError as exc:  # pragma: no cover
            raise B24ConfigError(
                "checkpoint encryption needs pycryptodome", hint="pip install 'b24-tools[crypto]'"
            ) from exc
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) not in (16, 24, 32):
            raise B24ConfigError(
                "B24_ENCRYPTION_KEY must be 16, 24 or 32 bytes long (AES-128/192/256)",
                hint="generate one with: python -c 'import secrets; print(secrets.token_hex(16))'",
            )
        try:
            serde = EncryptedSerializer.from_pycryptodome_aes(serde=serde, key=raw)
        except ImportError as exc:  # pragma: no cover
            raise B24ConfigError(
                "checkpoint encryption needs pycryptodome", hint="pip install 'b24-tools[crypto]'"
            ) from exc
    return serde


# --------------------------------------------------------------------------- status table (CAS)

_DDL = """
CREATE TABLE IF NOT EXISTS b24_cas (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT,
    ref TEXT,
    hash TEXT,
    data TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (ns, key)
)
"""
_COLS = ("ns", "key", "status", "owner", "ref", "hash", "data", "version", "updated_at")


class StatusTable:
    """Compare-and-set rows `(ns, key) -> status, owner, ref, hash, version` shared by every process.

    Backends: SQLite connection, psycopg connection/pool, or process-local memory (for `InMemoryStore`).
    """

    def __init__(self, kind: str, conn: Any = None, lock: threading.Lock | None = None) -> None:
        self.kind = kind  # "sqlite" | "postgres" | "memory"
        self.conn = conn
        self.lock = lock or threading.Lock()
        self._mem: dict[tuple[str, str], dict[str, Any]] = {}
        if kind != "memory":
            self._exec(_DDL)

    # -- construction
    @classmethod
    def for_store(cls, store: Any) -> StatusTable:
        """The status table living next to `store` (same database, same connection)."""
        cached = getattr(store, "_b24_status_table", None)
        if cached is not None:
            return cached
        name = type(store).__name__
        if name in ("SqliteStore",):
            table = cls("sqlite", store.conn, store.lock)
        elif name in ("PostgresStore",):
            table = cls("postgres", store.conn)
        else:
            table = cls("memory")
        try:
            store._b24_status_table = table
        except Exception:  # pragma: no cover
            pass
        return table

    # -- low level
    def _exec(self, sql: str, args: Sequence[Any] = ()) -> tuple[int, list[dict[str, Any]]]:
        if self.kind == "sqlite":
            sql = sql.replace("%s", "?")
            with self.lock:
                cur = self.conn.execute(sql, tuple(args))
                rows = cur.fetchall() if cur.description else []
                names = [d[0] for d in cur.description] if cur.description else []
                count = cur.rowcount
                if self.conn.in_transaction:
                    self.conn.commit()
            return count, [dict(zip(names, r, strict=False)) for r in rows]
        from psycopg.rows import dict_row

        with _pg_conn(self.conn) as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, tuple(args))
            rows = cur.fetchall() if cur.description else []
            return cur.rowcount, [dict(r) for r in rows]

    # -- API
    def create(
        self,
        ns: str,
        key: str,
        status: str,
        *,
        owner: str | None = None,
        ref: str | None = None,
        hash: str | None = None,
    ) -> bool:
        """Insert the row if absent; True when this caller created it."""
        now = time.time()
        if self.kind == "memory":
            with self.lock:
                if (ns, key) in self._mem:
                    return False
                self._mem[(ns, key)] = dict(
                    ns=ns,
                    key=key,
                    status=status,
                    owner=owner,
                    ref=ref,
                    hash=hash,
                    data=None,
                    version=1,
                    updated_at=now,
                )
                return True
        n, _ = self._exec(
            "INSERT INTO b24_cas (ns, key, status, owner, ref, hash, version, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, 1, %s) ON CONFLICT (ns, key) DO NOTHING",
            (ns, key, status, owner, ref, hash, now),
        )
        return n == 1

    def transition(
        self,
        ns: str,
        key: str,
        from_status: Sequence[str],
        to_status: str,
        *,
        owner: str | None = None,
        ref: str | None = None,
        hash: str | None = None,
        expect_ref: str | None = None,
        data: str | None = None,
    ) -> bool:
        """Atomically move the row from one of `from_status` to `to_status`; True when this caller won.

        `owner`, `ref`, `hash` and `data` are set in the same statement when given."""
        now = time.time()
        froms = list(from_status)
        if self.kind == "memory":
            with self.lock:
                row = self._mem.get((ns, key))
                if (
                    row is None
                    or row["status"] not in froms
                    or (expect_ref is not None and row["ref"] != expect_ref)
                ):
                    return False
                row.update(status=to_status, updated_at=now, version=row["version"] + 1)
                for name, value in (("owner", owner), ("ref", ref), ("hash", hash), ("data", data)):
                    if value is not None:
                        row[name] = value
                return True
        marks = ", ".join(["%s"] * len(froms))
        sql = (
            "UPDATE b24_cas SET status = %s, owner = COALESCE(%s, owner), ref = COALESCE(%s, ref), "
            "hash = COALESCE(%s, hash), data = COALESCE(%s, data), version = version + 1, updated_at = %s "
            f"WHERE ns = %s AND key = %s AND status IN ({marks})"
        )
        args: list[Any] = [to_status, owner, ref, hash, data, now, ns, key, *froms]
        if expect_ref is not None:
            sql += " AND ref = %s"
            args.append(expect_ref)
        n, _ = self._exec(sql, args)
        return n == 1

    def get(self, ns: str, key: str) -> dict[str, Any] | None:
        if self.kind == "memory":
            with self.lock:
                row = self._mem.get((ns, key))
                return dict(row) if row else None
        _, rows = self._exec(f"SELECT {', '.join(_COLS)} FROM b24_cas WHERE ns = %s AND key = %s", (ns, key))
        return rows[0] if rows else None

    def keys(self, ns: str, statuses: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """All rows of `ns` (optionally only those in `statuses`), by key."""
        if self.kind == "memory":
            with self.lock:
                return {
                    k: dict(r)
                    for (n, k), r in self._mem.items()
                    if n == ns and (statuses is None or r["status"] in statuses)
                }
        sql = f"SELECT {', '.join(_COLS)} FROM b24_cas WHERE ns = %s"
        args: list[Any] = [ns]
        if statuses:
            sql += f" AND status IN ({', '.join(['%s'] * len(statuses))})"
            args.extend(statuses)
        _, rows = self._exec(sql, args)
        return {r["key"]: r for r in rows}

    def delete(self, ns: str, key: str) -> None:
        if self.kind == "memory":
            with self.lock:
                self._mem.pop((ns, key), None)
            return
        self._exec("DELETE FROM b24_cas WHERE ns = %s AND key = %s", (ns, key))


@contextmanager
def _pg_conn(conn: Any) -> Iterator[Any]:
    if hasattr(conn, "connection") and callable(conn.connection):  # ConnectionPool
        with conn.connection() as c:
            yield c
    else:
        yield conn


# --------------------------------------------------------------------------- factories


@dataclass
class Persistence:
    """What `open_persistence` yields: a checkpointer, a store and the status table on the store's database."""

    checkpointer: Any
    store: Any
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
        conn.isolation_level = ""  # deferred transactions, committed by the saver
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
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:  # pragma: no cover
        raise _pg_missing() from exc
    pool = ConnectionPool(
        where,
        min_size=1,
        max_size=pool_size,
        open=True,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    try:
        saver = _redacting_saver(PostgresSaver)(pool, serde=serde)
        saver.setup()
        store = PostgresStore(pool)
        store.setup()
        yield Persistence(
            saver, store, StatusTable.for_store(store), "postgres", redact_text(_strip_password(where))
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
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool, ConnectionPool
    except ImportError as exc:  # pragma: no cover
        raise _pg_missing() from exc
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    apool = AsyncConnectionPool(where, min_size=1, max_size=8, open=False, kwargs=kwargs)
    await apool.open()
    spool = ConnectionPool(where, min_size=1, max_size=2, open=True, kwargs=kwargs)
    try:
        saver = _redacting_saver(AsyncPostgresSaver)(apool, serde=serde)
        await saver.setup()
        store = AsyncPostgresStore(apool)
        await store.setup()
        yield Persistence(
            saver, store, StatusTable("postgres", spool), "postgres", redact_text(_strip_password(where))
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


class BufferedStore:
    """Wraps a `BaseStore`: inside `with buffered():` puts are collected and written as one `batch()`.

    Fewer round trips (one transaction instead of one per put). Reads see buffered writes; `flush()` writes
    what is buffered now (used before a compare-and-set that must follow a durable write).
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    @property
    def _ops(self) -> list[Any] | None:
        return getattr(self._local, "ops", None)

    def put(self, namespace: tuple[str, ...], key: str, value: dict[str, Any], index: Any = None) -> None:
        ops = self._ops
        if ops is None:
            self.store.put(namespace, key, value, index=index)
            return
        from langgraph.store.base import PutOp

        ops.append(PutOp(tuple(namespace), key, value, index=index))

    def get(self, namespace: tuple[str, ...], key: str) -> Any:
        ops = self._ops
        if ops:
            for op in reversed(ops):
                if op.namespace == tuple(namespace) and op.key == key:
                    import datetime as _dt

                    from langgraph.store.base import Item

                    ts = _dt.datetime.fromtimestamp(time.time(), tz=_dt.UTC)
                    return Item(
                        value=op.value, key=key, namespace=tuple(namespace), created_at=ts, updated_at=ts
                    )
        return self.store.get(namespace, key)

    def search(self, *args: Any, **kw: Any) -> Any:
        self.flush()
        return self.store.search(*args, **kw)

    def flush(self) -> None:
        ops = self._ops
        if ops:
            batch = list(ops)
            ops.clear()
            self.store.batch(batch)

    @contextmanager
    def buffered(self) -> Iterator[None]:
        if self._ops is not None:  # nested: the outer block flushes
            yield
            return
        self._local.ops = []
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._local.ops = None
