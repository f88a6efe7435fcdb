"""Audit events in a LangGraph `BaseStore`, and the reference JSONL export.

Every plan, decision, call, retry, result and error is one event under the namespace `("b24", "audit")`.
Events are redacted before they are stored. `export(path)` writes one JSON object a line with the reference
tool's fields: ts, actor, method, risk, params (redacted), plan_id, idempotency_key, decision, outcome, error,
duration_ms (plus `event`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from .._redact import redact, redact_text
from ._persistence import maybe_redact

__all__ = ["AuditLog", "AUDIT_NS", "EXPORT_FIELDS"]

AUDIT_NS = ("b24", "audit")
EXPORT_FIELDS = (
    "ts",
    "event",
    "actor",
    "method",
    "risk",
    "params",
    "plan_id",
    "idempotency_key",
    "decision",
    "outcome",
    "error",
    "duration_ms",
)
_PAGE = 500


class AuditLog:
    """Append-only audit events shared by every process that opens the same store."""

    def __init__(self, store: Any, *, actor: str = "b24-tools") -> None:
        self.store = store
        self.actor = actor

    def emit(self, event: str, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Record one event; returns the stored (redacted) row."""
        now = time.time()
        row: dict[str, Any] = {name: None for name in EXPORT_FIELDS}
        row.update(fields)
        row.update(ts=round(now, 3), event=event, actor=actor or self.actor)
        if isinstance(row.get("error"), BaseException):
            row["error"] = f"{type(row['error']).__name__}: {row['error']}"
        if isinstance(row.get("error"), str):
            row["error"] = redact_text(row["error"])
        row = maybe_redact(row)
        key = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        row["id"] = key
        self.store.put(AUDIT_NS, key, row, index=False)
        return row

    def events(self, plan_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Events in time order (oldest first); the last `limit` when given."""
        flt = {"plan_id": plan_id} if plan_id else None
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.store.search(AUDIT_NS, filter=flt, limit=_PAGE, offset=offset)
            rows.extend(item.value for item in page)
            if len(page) < _PAGE:
                break
            offset += _PAGE
        rows.sort(key=lambda r: r.get("id") or "")
        return rows[-limit:] if limit else rows

    def export(self, path: str | os.PathLike[str] = ".runtime/bitrix24_audit.jsonl") -> int:
        """Write all events as JSONL (reference fields); returns the number of lines written."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = self.events()
        tmp = target.with_suffix(target.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                line = {name: row.get(name) for name in EXPORT_FIELDS}
                fh.write(json.dumps(redact(line), ensure_ascii=True, default=str) + "\n")
        tmp.replace(target)
        return len(rows)
