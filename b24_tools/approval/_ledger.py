"""Idempotency ledger on a LangGraph `BaseStore`, with atomic claims from the `StatusTable`.

States of a key: (absent) → claimed → done | failed | unknown.
- `claim(key)` before the call: exactly one caller gets `Claim.state == "new"`; a key that is `done` replays the
  recorded result; `claimed`/`unknown` mean an earlier attempt may have reached the portal (reconcile first);
  `failed` (a definite refusal by the portal) may be claimed again.
- `complete(key, result)` after the call stores the (redacted) result first, then flips the status, so a `done`
  key always has its result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from ._persistence import StatusTable, maybe_redact

__all__ = ["Claim", "Ledger", "LEDGER_NS"]

LEDGER_NS = ("b24", "ledger")
_CAS_NS = "ledger"


@dataclass
class Claim:
    """The answer of `Ledger.claim`."""

    state: Literal["new", "done", "in_flight", "unknown"]
    key: str
    owner: str | None = None
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def result(self) -> Any:
        return self.record.get("result")


class Ledger:
    """Idempotency ledger shared by every process that opens the same store."""

    def __init__(self, store: Any, *, table: StatusTable | None = None, ttl_sec: int = 86400) -> None:
        self.store = store
        self.table = table or StatusTable.for_store(store)
        self.ttl_sec = ttl_sec

    def _record(self, key: str) -> dict[str, Any]:
        item = self.store.get(LEDGER_NS, key)
        return dict(item.value) if item is not None else {}

    def _put(self, key: str, *, merge: bool = True, **fields: Any) -> None:
        record = self._record(key) if merge else {}
        record.update(fields, key=key, updated_at=time.time())
        self.store.put(LEDGER_NS, key, maybe_redact(record), index=False)

    def claim(self, key: str, *, owner: str, method: str | None = None) -> Claim:
        """Claim `key` for `owner` (a plan id) before calling the portal."""
        if self.table.create(_CAS_NS, key, "claimed", owner=owner):
            return Claim("new", key, owner)  # the status row is the claim; the record comes with the result
        row = self.table.get(_CAS_NS, key) or {}
        status = row.get("status")
        if status == "claimed":
            record = self._record(key)
            if record.get("status") == "done":  # the result was stored, the flip to done was not: finish it
                self.table.transition(_CAS_NS, key, ["claimed"], "done")
                return Claim("done", key, row.get("owner"), record)
        if status == "done":
            record = self._record(key)
            expired = record.get("expires_at") and record["expires_at"] < time.time()
            if not expired:
                return Claim("done", key, row.get("owner"), record)
            if self.table.transition(_CAS_NS, key, ["done"], "claimed", owner=owner):
                self._put(
                    key, status="claimed", owner=owner, method=method, claimed_at=time.time(), result=None
                )
                return Claim("new", key, owner)
        if status == "failed" and self.table.transition(_CAS_NS, key, ["failed"], "claimed", owner=owner):
            self._put(key, status="claimed", owner=owner, method=method, claimed_at=time.time(), error=None)
            return Claim("new", key, owner)
        if status == "unknown":
            return Claim("unknown", key, row.get("owner"), self._record(key))
        if status is None:  # lost a race with a delete; try once more
            return self.claim(key, owner=owner, method=method)
        return Claim("in_flight", key, row.get("owner"), self._record(key))

    def complete(self, key: str, result: Any, *, how: str = "call", owner: str | None = None) -> None:
        """Record the result of a successful call (or a reconciled one)."""
        self._put(
            key,
            merge=owner is None,
            status="done",
            result=result,
            completed_at=time.time(),
            how=how,
            expires_at=time.time() + self.ttl_sec,
            **({"owner": owner} if owner else {}),
        )
        self._flush()  # the result is durable before the key reads as done
        self.table.transition(_CAS_NS, key, ["claimed", "unknown", "failed"], "done")

    def _flush(self) -> None:
        flush = getattr(self.store, "flush", None)
        if flush is not None:
            flush()

    def fail(self, key: str, error: str) -> None:
        """The portal refused the call: nothing was written, the key may be claimed again."""
        self._put(key, status="failed", error=error)
        self._flush()
        self.table.transition(_CAS_NS, key, ["claimed", "unknown"], "failed")

    def park(self, key: str, evidence: dict[str, Any]) -> None:
        """The outcome cannot be proven: keep the key blocked until a reviewer resolves it."""
        self._put(key, status="unknown", evidence=evidence)
        self._flush()
        self.table.transition(_CAS_NS, key, ["claimed"], "unknown")

    def release(self, key: str) -> None:
        """Forget a claim whose call provably never reached the portal."""
        self.table.transition(_CAS_NS, key, ["claimed", "unknown"], "failed")
        self._put(key, status="failed", error="released: the call did not happen")

    def lookup(self, key: str) -> Claim | None:
        """The key's state without claiming it (None when never claimed)."""
        row = self.table.get(_CAS_NS, key)
        if row is None:
            return None
        state = {"done": "done", "unknown": "unknown", "claimed": "in_flight"}.get(row["status"])
        if state is None:
            return None
        record = self._record(key)
        if state == "done" and record.get("expires_at") and record["expires_at"] < time.time():
            return None
        return Claim(state, key, row.get("owner"), record)  # type: ignore[arg-type]
