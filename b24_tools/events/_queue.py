"""A durable inbound-event queue on SQLite: de-duplicated, at-least-once, safe across threads and processes.

Every accepted event is one row keyed by a de-duplication key; a second delivery of the same key is
recorded as a duplicate and never handled twice. Handlers claim rows (`claim`), then `ack` or `fail` them;
a row that failed `max_attempts` times moves to the dead-letter state with its last error and leaves a dead
letter (the reference worker's DLQ row: tenant, event, message_id, retry_count, error, payload, ts) in the
`b24_dead_letters` table, or in a JSONL file when `dead_letters_file` is given (the reference's `--dlq-file`).
`dead_letters()`, `requeue_dead_letters()` and `drop_dead_letters()` serve `b24 events dlq list|replay|drop`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._redact import redact
from ._dlq import JsonlDeadLetters

__all__ = ["EventQueue", "QueuedEvent", "dedup_key_for"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS b24_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL,
    message_id TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    duplicates INTEGER NOT NULL DEFAULT 0,
    received_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    lease_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS b24_events_status ON b24_events(status, id);
CREATE TABLE IF NOT EXISTS b24_dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT,
    event TEXT,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    ts REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS b24_worker_state (key TEXT PRIMARY KEY, value TEXT);
"""
_DLQ_EVENT_ID = "ALTER TABLE b24_dead_letters ADD COLUMN event_id INTEGER"

STATUSES = ("pending", "in_progress", "done", "dead")


def dedup_key_for(event: str, data: Any, *, ts: str | None = None, message_id: str | None = None) -> str:
    """`offline:<MESSAGE_ID>` for offline events, else `<EVENT>:<ts>:<sha256(data)[:16]>` (as the reference's worker)."""
    if message_id:
        return f"offline:{message_id}"
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=True, default=str).encode()
    ).hexdigest()
    return f"{(event or 'unknown').upper()}:{ts or ''}:{digest[:16]}"


@dataclass(frozen=True)
class QueuedEvent:
    """One event as handlers see it. `auth` is never stored; `data` is the event's `data` object."""

    id: int
    event: str
    data: Any
    source: str = "webhook"
    ts: str | None = None
    message_id: str | None = None
    dedup_key: str = ""
    attempts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class EventQueue:
    """SQLite-backed queue (one file; WAL; a short-lived connection per operation, so threads may share it)."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        lease_sec: float = 300.0,
        dead_letters_file: str | Path | None = None,
        tenant: str = "",
    ) -> None:
        self.path = str(path)
        self.lease_sec = lease_sec
        self.tenant = tenant
        self._jsonl = JsonlDeadLetters(dead_letters_file) if dead_letters_file else None
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        if self.path == ":memory:":
            self._memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            conn.executescript(_SCHEMA)
            cols = {r[1] for r in conn.execute("PRAGMA table_info(b24_dead_letters)").fetchall()}
            if "event_id" not in cols:  # files written before dead letters linked their queue row
                conn.execute(_DLQ_EVENT_ID)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._lock:  # one shared in-memory connection: serialize the threads that use it
                yield self._memory
            return
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    def put(
        self,
        event: str,
        data: Any,
        *,
        ts: str | None = None,
        source: str = "webhook",
        message_id: str | None = None,
        dedup_key: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[bool, int]:
        """Enqueue; returns `(accepted, row_id)`. A duplicate delivery returns `(False, id_of_the_first)`."""
        key = dedup_key or dedup_key_for(event, data, ts=ts, message_id=message_id)
        payload = json.dumps(
            {"data": redact(data), "ts": ts, "extra": redact(dict(extra or {}))},
            ensure_ascii=False,
            default=str,
        )
        now = time.time()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT id FROM b24_events WHERE dedup_key = ?", (key,)).fetchone()
                if row is not None:
                    conn.execute("UPDATE b24_events SET duplicates = duplicates + 1 WHERE id = ?", (row[0],))
                    conn.execute("COMMIT")
                    return False, int(row[0])
                cur = conn.execute(
                    "INSERT INTO b24_events (dedup_key, event, payload, source, message_id, received_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, (event or "").upper(), payload, source, message_id, now, now),
                )
                conn.execute("COMMIT")
                return True, int(cur.lastrowid or 0)
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def seen(self, dedup_key: str) -> str | None:
        """The status of a key already in the queue, or None."""
        with self._conn() as conn:
            row = conn.execute("SELECT status FROM b24_events WHERE dedup_key = ?", (dedup_key,)).fetchone()
        return None if row is None else str(row[0])

    def claim(self, limit: int = 50) -> list[QueuedEvent]:
        """Take up to `limit` pending rows (and rows whose lease expired) for handling."""
        now = time.time()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                rows = conn.execute(
                    "SELECT id, event, payload, source, message_id, dedup_key, attempts FROM b24_events"
                    " WHERE status = 'pending' OR (status = 'in_progress' AND lease_until < ?)"
                    " ORDER BY id LIMIT ?",
                    (now, limit),
                ).fetchall()
                for row in rows:
                    conn.execute(
                        "UPDATE b24_events SET status = 'in_progress', lease_until = ?, updated_at = ? WHERE id = ?",
                        (now + self.lease_sec, now, row[0]),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        out = []
        for rid, event, payload, source, message_id, key, attempts in rows:
            body = json.loads(payload)
            out.append(
                QueuedEvent(
                    id=rid,
                    event=event,
                    data=body.get("data"),
                    source=source,
                    ts=body.get("ts"),
                    message_id=message_id,
                    dedup_key=key,
                    attempts=attempts,
                    extra=body.get("extra") or {},
                )
            )
        return out

    def ack(self, row_id: int) -> None:
        self._set(row_id, "done", None, bump=False)

    def fail(
        self, row_id: int, error: str, *, max_attempts: int = 5, item: Mapping[str, Any] | None = None
    ) -> str:
        """Record a failure; returns the new status (`pending` to retry, `dead` once attempts are exhausted).

        A row that goes dead leaves a dead letter whose payload is `item` (the event record as received) or the
        queued event."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT attempts, event, payload, message_id FROM b24_events WHERE id = ?", (row_id,)
            ).fetchone()
        attempts = (int(row[0]) if row else 0) + 1
        status = "dead" if attempts >= max_attempts else "pending"
        self._set(row_id, status, error, bump=True)
        if status == "dead" and row is not None:
            body = dict(item) if item is not None else {"event": row[1], **json.loads(row[2])}
            body.setdefault("event", row[1])
            self.dead_letter(row[3], body, error, attempts=attempts, event_id=row_id)
        return status

    def mark(self, row_id: int, status: str, error: str | None = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        self._set(row_id, status, error, bump=False)

    def _set(self, row_id: int, status: str, error: str | None, *, bump: bool) -> None:
        with self._conn() as conn:
            conn.execute(
                "UPDATE b24_events SET status = ?, last_error = COALESCE(?, last_error), attempts = attempts + ?,"
                " lease_until = 0, updated_at = ? WHERE id = ?",
                (status, error, 1 if bump else 0, time.time(), row_id),
            )

    def dead_letter(
        self,
        message_id: str | None,
        item: Mapping[str, Any],
        error: str,
        *,
        attempts: int = 0,
        event_id: int | None = None,
    ) -> None:
        """Keep a record that will not be retried (malformed, or out of retries), with its payload redacted."""
        name = item.get("EVENT_NAME", item.get("event", item.get("EVENT")))
        event = str(name).upper() if name else None
        payload = redact(dict(item))
        now = time.time()
        if self._jsonl is not None:
            self._jsonl.add(
                {
                    "tenant": self.tenant,
                    "event": event,
                    "message_id": message_id,
                    "retry_count": attempts,
                    "error": error,
                    "payload": payload,
                    "ts": int(now),
                    "id": uuid.uuid4().hex[:12],
                    "event_id": event_id,
                }
            )
            return
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO b24_dead_letters (message_id, event, payload, error, attempts, ts, event_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, event, json.dumps(payload, default=str), error, attempts, now, event_id),
            )

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every dead letter, oldest first: `id`, `tenant`, `event`, `message_id`, `retry_count` (= `attempts`),
        `error`, `payload`, `ts`, `event_id`."""
        if self._jsonl is not None:
            out = self._jsonl.rows()
            for row in out:
                row.setdefault("attempts", row.get("retry_count", 0))
            return out
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id, message_id, event, payload, error, attempts, ts, event_id FROM b24_dead_letters"
                " ORDER BY id"
            ).fetchall()
        return [
            {
                "id": str(i),
                "tenant": self.tenant,
                "event": e,
                "message_id": m,
                "retry_count": a,
                "attempts": a,
                "error": err,
                "payload": json.loads(p),
                "ts": int(ts),
                "event_id": eid,
            }
            for i, m, e, p, err, a, ts, eid in rows
        ]

    def _take_dead_letters(self, ids: list[str] | None) -> list[dict[str, Any]]:
        if self._jsonl is not None:
            return self._jsonl.take(ids)
        taken = [d for d in self.dead_letters() if ids is None or d["id"] in {str(i) for i in ids}]
        with self._conn() as conn:
            conn.executemany("DELETE FROM b24_dead_letters WHERE id = ?", [(int(d["id"]),) for d in taken])
        return taken

    def drop_dead_letters(self, ids: list[str] | None) -> list[dict[str, Any]]:
        """Delete these dead letters (every one for None); returns what was deleted."""
        return self._take_dead_letters(ids)

    def requeue_dead_letters(self, ids: list[str] | None) -> list[dict[str, Any]]:
        """Give these dead letters (every one for None) another round: their queue row goes back to `pending`
        with its attempts reset (or a new row is queued from the payload), and the dead letter is removed."""
        taken = self._take_dead_letters(ids)
        for d in taken:
            row_id = d.get("event_id")
            if row_id is not None and self._row_exists(int(row_id)):
                with self._conn() as conn:
                    conn.execute(
                        "UPDATE b24_events SET status = 'pending', attempts = 0, lease_until = 0, updated_at = ?"
                        " WHERE id = ?",
                        (time.time(), int(row_id)),
                    )
                continue
            payload = d.get("payload")
            body: dict[str, Any] = payload if isinstance(payload, dict) else {}
            name = d.get("event") or body.get("EVENT_NAME") or body.get("event") or "UNKNOWN"
            data = body.get("EVENT_DATA", body.get("data", body.get("DATA")))
            self.put(
                str(name),
                data,
                source="dlq",
                message_id=d.get("message_id"),
                dedup_key=f"dlq-replay:{d.get('id')}:{uuid.uuid4().hex[:8]}",
            )
        return taken

    def get_state(self, key: str) -> str | None:
        """A small value the offline worker keeps between runs (its open `process_id`)."""
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM b24_worker_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_state(self, key: str, value: str | None) -> None:
        with self._conn() as conn:
            if value is None:
                conn.execute("DELETE FROM b24_worker_state WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO b24_worker_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def _row_exists(self, row_id: int) -> bool:
        with self._conn() as conn:
            return conn.execute("SELECT 1 FROM b24_events WHERE id = ?", (row_id,)).fetchone() is not None

    def counts(self) -> dict[str, int]:
        """Rows per status, plus `duplicates` (deliveries refused as already seen)."""
        with self._conn() as conn:
            rows = conn.execute("SELECT status, COUNT(*) FROM b24_events GROUP BY status").fetchall()
            dups = conn.execute("SELECT COALESCE(SUM(duplicates), 0) FROM b24_events").fetchone()[0]
        out = {s: 0 for s in STATUSES}
        out.update({str(s): int(n) for s, n in rows})
        out["duplicates"] = int(dups)
        return out

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        """All rows (optionally one status) as dicts, oldest first — for inspection and tests."""
        sql = "SELECT id, dedup_key, event, payload, source, message_id, status, attempts, last_error FROM b24_events"
        args: tuple[Any, ...] = ()
        if status:
            sql += " WHERE status = ?"
            args = (status,)
        with self._conn() as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        keys = (
            "id",
            "dedup_key",
            "event",
            "payload",
            "source",
            "message_id",
            "status",
            "attempts",
            "last_error",
        )
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["payload"] = json.loads(d["payload"])
            out.append(d)
        return out

    def close(self) -> None:
        if self._memory is not None:
            self._memory.close()
            self._memory = None
