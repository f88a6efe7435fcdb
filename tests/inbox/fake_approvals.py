"""A small in-memory stand-in for the approval graph's reviewer API (CONTRACTS.md), for route tests."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from b24_tools._errors import B24PlanError, B24PolicyError, B24ValidationError


@dataclass
class Plan:
    plan_id: str
    thread_id: str
    kind: str
    calls: list[Any]
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
    status: str = "pending"
    decided_by: str | None = None
    decision: str | None = None
    result: Any = None
    error: str | None = None


@dataclass
class SubmitResult:
    status: str
    plan_id: str | None
    thread_id: str | None = None
    result: Any = None
    error: str | None = None


@dataclass
class PlanView:
    summary: str
    calls: list[Any]
    params: dict[str, Any]
    diff: list[dict[str, Any]] | None
    audit: list[dict[str, Any]] = field(default_factory=list)


class FakeAudit:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, **row: Any) -> None:
        self.rows.append({"ts": time.time(), **row})

    def events(self, plan_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        rows = [r for r in self.rows if plan_id is None or r.get("plan_id") == plan_id]
        return rows[-limit:] if limit else rows


def _hash(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


class FakeApprovals:
    """Plans in a dict; `executed` records every write that "reached the portal"."""

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}
        self.audit = FakeAudit()
        self.executed: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (api method, kwargs) — what the inbox asked

    # -- planning (test helper) --
    def add_plan(
        self,
        method: str = "crm.lead.add",
        params: dict[str, Any] | None = None,
        *,
        risk: str = "write",
        kind: str = "call",
        requested_by: str = "agent",
        summary: str | None = None,
        age: float = 0.0,
        status: str = "pending",
        calls: list[Any] | None = None,
    ) -> Plan:
        params = params if params is not None else {"fields": {"TITLE": "New lead", "OPPORTUNITY": 100}}
        now = time.time() - age
        pid = "p-" + uuid.uuid4().hex[:10]
        plan = Plan(
            plan_id=pid,
            thread_id="t-" + pid,
            kind=kind,
            calls=calls if calls is not None else [{"name": "0", "method": method, "params": params}],
            method=method,
            params=params,
            risk=risk,
            scopes=["crm"],
            params_hash=_hash(params),
            idempotency_key="k-" + pid,
            created_at=now,
            expires_at=now + 3 * 86400,
            requested_by=requested_by,
            summary=summary or f"{method} planned by {requested_by}",
            status=status,
        )
        self.plans[pid] = plan
        self.audit.add(plan_id=pid, actor=requested_by, event="plan", method=method, risk=risk)
        return plan

    # -- reviewer API --
    def list_pending(
        self, *, risk=None, pack=None, method=None, requested_by=None, older_than=None
    ) -> list[Plan]:
        self.calls.append(
            ("list_pending", {"risk": risk, "pack": pack, "method": method, "requested_by": requested_by})
        )
        out = [p for p in self.plans.values() if p.status == "pending"]
        if risk:
            out = [p for p in out if p.risk == risk]
        if method:
            out = [p for p in out if p.method == method]
        if requested_by:
            out = [p for p in out if p.requested_by == requested_by]
        return sorted(out, key=lambda p: p.created_at, reverse=True)

    def list_plans(self, status: str | None = None) -> list[Plan]:
        return [p for p in self.plans.values() if status is None or p.status == status]

    def get_plan(self, plan_id: str) -> Plan:
        try:
            return self.plans[plan_id]
        except KeyError:
            raise B24PlanError(f"unknown plan {plan_id}", plan_id=plan_id, reason="unknown") from None

    def show(self, plan_id: str) -> PlanView:
        p = self.get_plan(plan_id)
        return PlanView(p.summary, p.calls, p.params, None, self.audit.events(plan_id=plan_id))

    def _claim(self, plan_id: str, decision: str, reviewer: str) -> Plan:
        with self._lock:
            p = self.get_plan(plan_id)
            if p.status != "pending":
                raise B24PlanError(
                    f"plan {plan_id} was already decided by {p.decided_by} ({p.decision})",
                    plan_id=plan_id,
                    reason="already_decided",
                )
            p.status = "deciding"
            p.decided_by = reviewer
            p.decision = decision
            return p

    def _execute(self, p: Plan) -> SubmitResult:
        self.executed.append((p.method, p.params))
        p.status = "executed"
        p.result = {"ID": len(self.executed)}
        self.audit.add(plan_id=p.plan_id, actor="executor", event="executed", outcome="ok", result=p.result)
        return SubmitResult("executed", p.plan_id, p.thread_id, p.result)

    def approve(self, plan_id: str, *, reviewer: str) -> SubmitResult:
        self.calls.append(("approve", {"plan_id": plan_id, "reviewer": reviewer}))
        p = self._claim(plan_id, "approve", reviewer)
        self.audit.add(plan_id=plan_id, actor=reviewer, event="decision", decision="approve")
        return self._execute(p)

    def validate(self, method: str, params: dict[str, Any]) -> None:
        fields = params.get("fields")
        if not isinstance(fields, dict) or not fields.get("TITLE"):
            raise B24ValidationError("fields.TITLE is required: give the lead a title", method=method)
        if not isinstance(fields.get("OPPORTUNITY", 0), int | float):
            raise B24ValidationError("fields.OPPORTUNITY must be a number", method=method)
        if "ASSIGNED_BY_ID" in fields and fields["ASSIGNED_BY_ID"] == 666:
            raise B24PolicyError("assigning to user 666 is not allowed", rule="test-rule", method=method)

    def edit(self, plan_id: str, params: dict[str, Any], *, reviewer: str) -> SubmitResult:
        self.calls.append(("edit", {"plan_id": plan_id, "params": params, "reviewer": reviewer}))
        p = self.get_plan(plan_id)
        self.validate(p.method, params)
        p = self._claim(plan_id, "edit", reviewer)
        p.params = params
        p.params_hash = _hash(params)
        self.audit.add(plan_id=plan_id, actor=reviewer, event="decision", decision="edit", params=params)
        return self._execute(p)

    def reject(self, plan_id: str, reason: str, *, reviewer: str) -> SubmitResult:
        self.calls.append(("reject", {"plan_id": plan_id, "reason": reason, "reviewer": reviewer}))
        p = self._claim(plan_id, "reject", reviewer)
        p.status = "rejected"
        p.error = f"rejected: {reason}"
        self.audit.add(plan_id=plan_id, actor=reviewer, event="decision", decision="reject", reason=reason)
        return SubmitResult("rejected", plan_id, p.thread_id, None, p.error)
