"""Plan, SubmitResult, PlanView and the pure helpers (hashing, keys, summaries)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field, fields
from typing import Any, Literal

__all__ = [
    "Plan",
    "PlanView",
    "SubmitResult",
    "PlanStatus",
    "SubmitStatus",
    "PENDING",
    "DECIDED",
    "FINAL",
    "canonical_json",
    "params_hash",
    "derive_idempotency_key",
    "new_plan_id",
    "summarize",
]

SubmitStatus = Literal[
    "executed",
    "pending",
    "approved",  # decided; runs when the agent thread that asked resumes (`resume_decided`)
    "refused",
    "replayed",
    "rejected",
    "expired",
    "failed",
    "unknown_outcome",
]
PlanStatus = Literal[
    "pending", "approved", "rejected", "expired", "executing", "executed", "failed", "unknown_outcome"
]
PENDING = "pending"
DECIDED = ("approved", "rejected", "expired", "executing", "executed", "failed", "unknown_outcome")
FINAL = ("rejected", "expired", "executed", "failed", "unknown_outcome")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def params_hash(kind: str, calls: list[dict[str, Any]], idempotency_key: str) -> str:
    """The hash a plan is bound to: kind, every call (method + params) and the idempotency key."""
    body = {
        "kind": kind,
        "calls": [[c.get("name"), c["method"], c.get("params") or {}] for c in calls],
        "key": idempotency_key,
    }
    return "sha256:" + hashlib.sha256(canonical_json(body).encode()).hexdigest()


def derive_idempotency_key(method: str, params: Any) -> str:
    """A stable key for `method` + `params` when the caller gives none (same request → same key)."""
    digest = hashlib.sha256(f"{method.lower()}|{canonical_json(params)}".encode()).hexdigest()[:24]
    return f"auto:{method.lower()}:{digest}"


def new_plan_id() -> str:
    return "pl_" + uuid.uuid4().hex[:16]


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize(
    kind: str, method: str, calls: list[dict[str, Any]], risk: str, *, total: int | None = None
) -> str:
    """One readable line a reviewer understands without opening the params."""
    verb = {"destructive": "DESTRUCTIVE", "write": "write"}.get(risk, risk)
    if kind == "bulk":
        return f"{verb}: {method} × {total} records (bulk job, chunked batches)"
    if kind == "batch":
        inner = ", ".join(c["method"] for c in calls[:5]) + (" …" if len(calls) > 5 else "")
        return f"{verb}: batch of {len(calls)} commands ({inner})"
    params = calls[0].get("params") or {} if calls else {}
    fields_ = params.get("fields") if isinstance(params.get("fields"), dict) else None
    if fields_:
        shown = ", ".join(
            f"{k}={_short(v, 30)}"
            for k, v in list(fields_.items())[:4]
            if not str(k).upper().startswith("ORIGIN")
        )
        target = (
            f" id={params['id']}" if "id" in params else (f" ID={params['ID']}" if "ID" in params else "")
        )
        return f"{verb}: {method}{target} with {shown}"
    return f"{verb}: {method} {_short(params)}"


@dataclass
class Plan:
    """A reviewable unit of write work: one call, one batch, or one bulk job."""

    plan_id: str
    thread_id: str
    kind: Literal["call", "batch", "bulk"]
    calls: list[dict[str, Any]]
    method: str
    params: dict[str, Any]
    risk: str
    scopes: list[str]
    params_hash: str
    idempotency_key: str
    created_at: float
    expires_at: float
    requested_by: str
    summary: str
    status: str = PENDING
    decided_by: str | None = None
    decision: str | None = None
    result: Any = None
    error: str | None = None
    # extras
    reason: str | None = None
    interrupt_id: str | None = None
    original_params: dict[str, Any] | None = None
    original_hash: str | None = None
    bulk: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    pack: str | None = None
    runner: str = "local"  # "local": resumed by Approvals; "server": a LangGraph server thread (resume via SDK)  # "agent": a tool call of an agent thread (see `agent` and approval/_resume.py)
    agent: dict[str, Any] | None = None  # {name, thread_id, tool_call_id, tool, server_url?, assistant_id?}
    decided_at: float | None = None
    updated_at: float = field(default_factory=time.time)

    @property
    def expired(self) -> bool:
        return self.status == PENDING and time.time() > self.expires_at

    def to_dict(self) -> dict[str, Any]:
        """A shallow dict of the fields (values are shared; callers that mutate deep-copy first)."""
        return {name: getattr(self, name) for name in _PLAN_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(**{k: v for k, v in data.items() if k in _PLAN_FIELD_SET})


_PLAN_FIELDS = tuple(f.name for f in fields(Plan))
_PLAN_FIELD_SET = frozenset(_PLAN_FIELDS)


@dataclass
class SubmitResult:
    """What submit / approve / edit / reject answer."""

    status: SubmitStatus
    plan_id: str | None = None
    thread_id: str | None = None
    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("executed", "replayed", "pending")


@dataclass
class PlanView:
    """Everything a reviewer needs to decide: the plan, a readable text, the diff of an edit, its audit trail."""

    plan: Plan
    summary: str
    calls: list[dict[str, Any]]
    params: dict[str, Any]
    diff: list[dict[str, Any]]
    events: list[dict[str, Any]]
    hitl_request: dict[str, Any] | None = None
    sample: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "summary": self.summary,
            "calls": self.calls,
            "params": self.params,
            "diff": self.diff,
            "events": self.events,
            "hitl_request": self.hitl_request,
            "sample": self.sample,
        }


def diff_params(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Flat list of changes `{path, old, new}` between two params dicts."""
    out: list[dict[str, Any]] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append({"path": sub, "old": None, "new": new[key], "change": "added"})
            elif key not in new:
                out.append({"path": sub, "old": old[key], "new": None, "change": "removed"})
            else:
                out.extend(diff_params(old[key], new[key], sub))
        return out
    if old != new:
        out.append({"path": path or "(root)", "old": old, "new": new, "change": "changed"})
    return out


__all__.append("diff_params")
