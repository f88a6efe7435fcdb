"""`StatusTable`: the compare-and-set the `BaseStore` API lacks (plan decisions, ledger claims).

A small table `b24_cas` next to the store's tables, on the same connection. One UPDATE … WHERE status IN (…) is
atomic in SQLite (file lock) and PostgreSQL (row lock + re-check under READ COMMITTED); `InMemoryStore` gets a
process-local dictionary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["StatusTable"]

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
