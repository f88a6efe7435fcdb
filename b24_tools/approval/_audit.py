"""Audit events in a LangGraph `BaseStore`, and the reference JSONL export.

Every plan, decision, call, retry, result and error is one event under the namespace `("b24", "audit")`.
Events are redacted before they are stored. Each event carries the reference tool's sixteen fields
(`REFERENCE_FIELDS`: ts, request_id, tenant, method, risk, status, error_code, error_message, duration_ms,
allowlisted, packs, rest_v3, param_keys, plan_id, idempotency_key, idempotent_replay) beside this package's own
(`EXPORT_FIELDS`: event, actor, params, decision, outcome, error). `export(path)` writes them as JSONL that a
reader of the reference's audit file reads unchanged (`ts` and `duration_ms` as integers there); with
`calls_only=True` only the rows the reference itself writes (status ok / error / idempotent_replay).

`audit_context(...)` scopes one front-end invocation (a `b24 call`): its request id, whether the call uses
REST 3.0, a JSONL file each row is also appended to (the reference's live audit file), or `enabled=False`
for the reference's `--no-audit`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .._redact import redact, redact_text
from ._persistence import maybe_redact

__all__ = [
    "AuditLog",
    "AUDIT_NS",
    "EXPORT_FIELDS",
    "REFERENCE_FIELDS",
    "CALL_STATUSES",
    "AuditContext",
    "audit_context",
    "reference_row",
]

AUDIT_NS = ("b24", "audit")
# The reference tool's audit record, field for field (its JSONL is read by existing scripts).
REFERENCE_FIELDS = (
    "ts",
    "request_id",
    "tenant",
    "method",
    "risk",
    "status",
    "error_code",
    "error_message",
    "duration_ms",
    "allowlisted",
    "packs",
    "rest_v3",
    "param_keys",
    "plan_id",
    "idempotency_key",
    "idempotent_replay",
)
# This package's own fields (the lifecycle of a plan, who decided, the redacted params).
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
# The statuses of the reference's rows: one per answer from the portal (or replay of one).
CALL_STATUSES = ("ok", "error", "idempotent_replay")
# status of the other lifecycle events (the reference has none of them)
_EVENT_STATUS = {"replay": "idempotent_replay", "call": "sent", "plan": "planned", "park": "unknown_outcome"}
_PAGE = 500


@dataclass(frozen=True)
class AuditContext:
    """What one front-end invocation adds to every event it causes."""

    request_id: str
    rest_v3: bool | None = None
    enabled: bool = True
    mirror: Path | None = None
    calls_only: bool = True


_CONTEXT: ContextVar[AuditContext | None] = ContextVar("b24_audit_context", default=None)


@contextlib.contextmanager
def audit_context(
    *,
    request_id: str | None = None,
    rest_v3: bool | None = None,
    enabled: bool = True,
    mirror: str | os.PathLike[str] | None = None,
    calls_only: bool = True,
) -> Iterator[AuditContext]:
    """Scope the events of one invocation: shared `request_id` (12 hex, as the reference), `rest_v3`,
    `enabled=False` (nothing recorded: the reference's --no-audit), `mirror` (also append rows to that JSONL
    file: the reference's rows only — one per portal answer — unless `calls_only=False`)."""
    ctx = AuditContext(
        request_id=request_id or uuid.uuid4().hex[:12],
        rest_v3=rest_v3,
        enabled=enabled,
        mirror=Path(mirror) if mirror else None,
        calls_only=calls_only,
    )
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)


_API_CODE = re.compile(r"^(?P<cls>B24\w+): (?P<code>[^\s:\[]+)(?: in [\w.]+)?(?::|$| \[| —)")
_CLASS_CODE = {
    "B24Timeout": "NETWORK_ERROR",
    "B24ConnectionError": "NETWORK_ERROR",
    "B24TransportError": "NETWORK_ERROR",
    "B24UnknownOutcome": "UNKNOWN_OUTCOME",
    "B24PolicyError": "POLICY_REFUSED",
    "B24ValidationError": "VALIDATION_ERROR",
    "B24PlanError": "PLAN_REFUSED",
    "B24ConfigError": "CONFIG_ERROR",
}


def _error_code(error: Any) -> str:
    """The Bitrix24 code of an error (`B24APIError: QUERY_LIMIT_EXCEEDED in crm.lead.add: …` → the code);
    a stable name for errors the portal never answered (`NETWORK_ERROR`, `POLICY_REFUSED`, …)."""
    if error is None or error == "":
        return ""
    if isinstance(error, BaseException):
        code = getattr(error, "code", None)
        if isinstance(code, str) and code:
            return code
        return _CLASS_CODE.get(type(error).__name__, type(error).__name__)
    text = str(error)
    cls = text.split(":", 1)[0]
    if cls in _CLASS_CODE:
        return _CLASS_CODE[cls]
    if text.split(": ", 1)[-1].startswith("(empty code)"):
        return (
            ""  # the portal answered with an empty `error` (legacy CRM "Not found"), as the reference logs it
        )
    m = _API_CODE.match(text)
    if m:
        return m.group("code")
    return cls if re.fullmatch(r"B24\w+", cls) else "ERROR"


def _host(portal: Any) -> str:
    """`https://portal.bitrix24.com` → `portal.bitrix24.com` (the reference's `tenant`: its B24_DOMAIN)."""
    if not portal:
        return ""
    text = str(portal)
    return urlsplit(text).netloc or text if "://" in text else text.rstrip("/")


def reference_row(row: dict[str, Any]) -> dict[str, Any]:
    """One stored event as the reference's file has it: its sixteen fields first (`ts`, `duration_ms` as
    integers), then this package's own fields and the event id."""
    out: dict[str, Any] = {name: row.get(name) for name in REFERENCE_FIELDS}
    ts = row.get("ts")
    out["ts"] = int(ts) if isinstance(ts, int | float) else 0
    duration = row.get("duration_ms")
    out["duration_ms"] = int(round(duration)) if isinstance(duration, int | float) else 0
    for name in ("request_id", "tenant", "method", "risk", "status", "error_code", "error_message"):
        out[name] = "" if out[name] is None else str(out[name])
    for name in ("plan_id", "idempotency_key"):
        out[name] = "" if out[name] is None else str(out[name])
    out["allowlisted"] = bool(out["allowlisted"]) if out["allowlisted"] is not None else True
    out["rest_v3"] = bool(out["rest_v3"])
    out["idempotent_replay"] = bool(out["idempotent_replay"])
    out["packs"] = list(out["packs"] or [])
    out["param_keys"] = list(out["param_keys"] or [])
    for name in (*EXPORT_FIELDS, "id"):
        if name not in out:
            out[name] = row.get(name)
    out["ts_precise"] = ts
    return out


class AuditLog:
    """Append-only audit events shared by every process that opens the same store.

    `policy` and `client` (optional) fill the reference's `packs`, `allowlisted`, `tenant` and `rest_v3`.
    """

    def __init__(
        self, store: Any, *, actor: str = "b24-tools", policy: Any = None, client: Any = None
    ) -> None:
        self.store = store
        self.actor = actor
        self.policy = policy
        self.client = client
        self.tenant: str | None = None  # set to name the portal explicitly; else read from the client

    # -- the reference's fields ----------------------------------------------------------------------
    def _tenant(self) -> str:
        if self.tenant is None:
            self.tenant = _host(_portal_of(self.client))
        return self.tenant

    def _policy_fields(self, method: Any) -> tuple[list[str], bool]:
        policy = self.policy
        if policy is None:
            return [], True
        try:
            packs = [str(p) for p in policy.packs]
            listed = bool(policy.is_listed(str(method))) if method else True
        except Exception:  # a policy that cannot be built (no settings) must not lose the event
            return [], True
        return packs, listed

    def _reference_fields(self, event: str, row: dict[str, Any], ctx: AuditContext | None) -> None:
        error = row.get("error")
        outcome = row.get("outcome")
        if event == "read" or event == "result":
            status = "ok"
        elif event == "error":
            status = "error"
        else:
            status = _EVENT_STATUS.get(event, event)
        packs, listed = self._policy_fields(row.get("method"))
        params = row.get("params")
        fields: dict[str, Any] = {
            "request_id": ctx.request_id if ctx else uuid.uuid4().hex[:12],
            "tenant": _host(row.get("portal")) or self._tenant(),
            "status": status,
            "error_code": _error_code(error) if status == "error" or error else "",
            "error_message": "" if error in (None, "") else str(error),
            "allowlisted": listed,
            "packs": packs,
            "rest_v3": bool(ctx.rest_v3) if ctx and ctx.rest_v3 is not None else _rest_v3_of(self.client),
            "param_keys": sorted(str(k) for k in params) if isinstance(params, dict) else [],
            "idempotent_replay": event == "replay" or outcome == "replayed",
        }
        for name, value in fields.items():
            if row.get(name) is None:
                row[name] = value
        for name in ("plan_id", "idempotency_key"):
            if row.get(name) is None:
                row[name] = ""

    # -- writing -------------------------------------------------------------------------------------
    def emit(self, event: str, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Record one event; returns the stored (redacted) row (nothing is stored under --no-audit)."""
        ctx = _CONTEXT.get()
        now = time.time()
        row: dict[str, Any] = {name: None for name in (*REFERENCE_FIELDS, *EXPORT_FIELDS)}
        row.update(fields)
        row.update(ts=round(now, 3), event=event, actor=actor or self.actor)
        if isinstance(row.get("error"), BaseException):
            exc = row["error"]
            if row.get("error_code") is None:
                row["error_code"] = _error_code(exc)
            row["error"] = f"{type(exc).__name__}: {exc}"
        if isinstance(row.get("error"), str):
            row["error"] = redact_text(row["error"])
        self._reference_fields(event, row, ctx)
        row = maybe_redact(row)
        key = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        row["id"] = key
        if ctx is not None and not ctx.enabled:
            return row
        self.store.put(AUDIT_NS, key, row, index=False)
        if ctx is not None and ctx.mirror is not None:
            line = reference_row(row)
            if not ctx.calls_only or line["status"] in CALL_STATUSES:
                _append_jsonl(ctx.mirror, line)
        return row

    # -- reading -------------------------------------------------------------------------------------
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

    def export(
        self, path: str | os.PathLike[str] = ".runtime/bitrix24_audit.jsonl", *, calls_only: bool = False
    ) -> int:
        """Write the events as JSONL in the reference's format; returns the number of lines written.

        `calls_only`: only the rows the reference writes (status ok / error / idempotent_replay)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = [reference_row(r) for r in self.events()]
        if calls_only:
            rows = [r for r in rows if r["status"] in CALL_STATUSES]
        tmp = target.with_suffix(target.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(redact(row), ensure_ascii=True, default=str) + "\n")
        tmp.replace(target)
        return len(rows)


def _portal_of(client: Any) -> str:
    if client is None:
        return ""
    settings = getattr(client, "_settings", None)
    if settings is not None and getattr(client, "_client", None) is None:  # not built yet: do not build it
        return str(getattr(settings, "domain", "") or "")
    try:
        return str(getattr(client, "portal", "") or "")
    except Exception:
        return ""


def _rest_v3_of(client: Any) -> bool:
    settings = getattr(client, "_settings", None)
    if settings is not None and getattr(client, "_client", None) is None:  # not built yet: do not build it
        return bool(getattr(settings, "rest_v3", False))
    try:
        return bool(getattr(client, "_rest_v3", False))
    except Exception:
        return False


def _append_jsonl(path: Path, row: dict[str, Any]) -> None:
    """Append one line under an exclusive lock (several processes share the reference's audit file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(redact(row), ensure_ascii=True, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX
            pass
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
