"""SQLite state of the emulated portal: one table per entity (`id` + JSON `data`) and a key/value table.

A file survives restarts; `":memory:"` is for tests. One connection shared by every thread
(`check_same_thread=False`) behind one re-entrant lock, so the in-process transports, uvicorn and the event
delivery thread can all touch it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Store"]

_NAME_RE = re.compile(r"[^a-z0-9_]")


def _table(entity: str) -> str:
    return "e_" + _NAME_RE.sub("_", entity.lower())


class Store:
    """Tables created on first use; rows are `(id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT JSON)`."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute(
            "PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._known: set[str] = set()

    # -- schema ---------------------------------------------------------------------------------------
    def ensure(self, entity: str) -> str:
        name = _table(entity)
        if name not in self._known:
            with self.lock:
                self.conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)"
                )
                self._known.add(name)
        return name

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- rows -----------------------------------------------------------------------------------------
    def insert(self, entity: str, data: dict[str, Any], *, id: int | None = None) -> int:
        t = self.ensure(entity)
        with self.lock:
            if id is None:
                cur = self.conn.execute(f"INSERT INTO {t} (data) VALUES (?)", (json.dumps(data),))
            else:
                cur = self.conn.execute(f"INSERT INTO {t} (id, data) VALUES (?, ?)", (id, json.dumps(data)))
            return int(cur.lastrowid or 0)

    def insert_many(self, entity: str, rows: Iterable[dict[str, Any]]) -> int:
        t = self.ensure(entity)
        with self.transaction():
            cur = self.conn.executemany(
                f"INSERT INTO {t} (data) VALUES (?)", ((json.dumps(r),) for r in rows)
            )
            return cur.rowcount

    def get(self, entity: str, id: int) -> dict[str, Any] | None:
        t = self.ensure(entity)
        with self.lock:
            row = self.conn.execute(f"SELECT data FROM {t} WHERE id = ?", (id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, entity: str, id: int, data: dict[str, Any]) -> None:
        t = self.ensure(entity)
        with self.lock:
            self.conn.execute(f"UPDATE {t} SET data = ? WHERE id = ?", (json.dumps(data), id))

    def delete(self, entity: str, id: int) -> bool:
        t = self.ensure(entity)
        with self.lock:
            return self.conn.execute(f"DELETE FROM {t} WHERE id = ?", (id,)).rowcount > 0

    def select(
        self,
        entity: str,
        where: str = "",
        args: Sequence[Any] = (),
        *,
        order: str = "id ASC",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple[int, dict[str, Any]]]:
        t = self.ensure(entity)
        sql = f"SELECT id, data FROM {t}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self.lock:
            rows = self.conn.execute(sql, tuple(args)).fetchall()
        return [(int(i), json.loads(d)) for i, d in rows]

    def count(self, entity: str, where: str = "", args: Sequence[Any] = ()) -> int:
        t = self.ensure(entity)
        sql = f"SELECT COUNT(*) FROM {t}" + (f" WHERE {where}" if where else "")
        with self.lock:
            return int(self.conn.execute(sql, tuple(args)).fetchone()[0])

    def size(self, entity: str) -> int:
        return self.count(entity)

    # -- key/value --------------------------------------------------------------------------------------
    def kv_get(self, key: str, default: Any = None) -> Any:
        with self.lock:
            row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def kv_set(self, key: str, value: Any) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def kv_delete(self, key: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM kv WHERE key = ?", (key,))

    def next_seq(self, name: str) -> int:
        with self.lock:
            value = int(self.kv_get(f"seq:{name}", 0)) + 1
            self.kv_set(f"seq:{name}", value)
            return value

    def close(self) -> None:
        with self.lock:
            self.conn.close()
