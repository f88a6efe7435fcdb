"""Leaky bucket shared by many processes on one host through a SQLite file (default `.runtime/`).

Each reservation is one `BEGIN IMMEDIATE` transaction (read level, drain, add one, write), so processes serialise
on SQLite's write lock; the sleep happens after the commit.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

from . import _asleep, _check, _sleep, drain

__all__ = ["FileRateLimiter"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS b24_bucket (key TEXT PRIMARY KEY, level REAL NOT NULL, ts REAL NOT NULL)"
)


class FileRateLimiter:
    """Leaky bucket per key in a SQLite file; safe across processes and threads."""

    def __init__(
        self, path: str | Path, *, rate: float = 1.9, burst: float = 48.0, ttl_sec: float = 3600.0
    ) -> None:
        _check(rate, burst)
        self.path = Path(path)
        self.rate = float(rate)
        self.burst = float(burst)
        self.ttl_sec = ttl_sec
        self._local = threading.local()
        self._pid = os.getpid()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; set once per file
            conn.execute(_SCHEMA)
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        # the bucket is soft state: losing the last update in a power cut is harmless, an fsync per request is not
        conn.execute("PRAGMA synchronous=OFF")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self._connect()
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    def reserve(self, key: str) -> float:
        """Take a slot in one IMMEDIATE transaction; return how long to wait before sending."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            now = time.time()
            row = conn.execute("SELECT level, ts FROM b24_bucket WHERE key = ?", (key,)).fetchone()
            level, ts = (row[0], row[1]) if row else (0.0, now)
            level, wait = drain(level, now - ts, self.rate, self.burst)
            conn.execute(
                "INSERT INTO b24_bucket (key, level, ts) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET level = excluded.level, ts = excluded.ts",
                (key, level, now),
            )
            if not row:
                conn.execute("DELETE FROM b24_bucket WHERE ts < ?", (now - self.ttl_sec,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return wait

    def acquire(self, key: str) -> float:
        return _sleep(self.reserve(key))

    async def aacquire(self, key: str) -> float:
        return await _asleep(await asyncio.to_thread(self.reserve, key))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
