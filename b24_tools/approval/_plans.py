"""The plan index: plan documents in the store, their status in the atomic `StatusTable`.

Store namespace `("b24", "plans")` holds one document per plan (redacted) for listing and showing; the status
row `("plan", plan_id)` is the truth for status, decider and bound hash, and only moves by compare-and-set.
Bulk records live in `("b24", "bulk", plan_id)`, one item per chunk; the winning decision in the status row.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .._errors import B24PlanError
from ._models import Plan
from ._persistence import StatusTable, maybe_redact

__all__ = ["PlanIndex", "PLANS_NS", "bulk_ns"]

PLANS_NS = ("b24", "plans")
_CAS_NS = "plan"
_PAGE = 500


def bulk_ns(plan_id: str) -> tuple[str, ...]:
    return ("b24", "bulk", plan_id)


class PlanIndex:
    """Every process that opens the same store sees the same plans."""

    def __init__(self, store: Any, table: StatusTable | None = None) -> None:
        self.store = store
        self.table = table or StatusTable.for_store(store)

    # -- writes
    def create(self, plan: Plan) -> bool:
        """Record a new pending plan; False when it already exists (idempotent re-run)."""
        created = self.table.create(_CAS_NS, plan.plan_id, plan.status, hash=plan.params_hash)
        if created or self.store.get(PLANS_NS, plan.plan_id) is None:
            self.save(plan)
        return created

    def save(self, plan: Plan) -> None:
        plan.updated_at = time.time()
        self.store.put(PLANS_NS, plan.plan_id, maybe_redact(plan.to_dict()), index=False)

    def update(self, plan_id: str, **fields: Any) -> Plan:
        plan = self.get(plan_id)
        for name, value in fields.items():
            setattr(plan, name, value)
        self.save(plan)
        return plan

    def transition(
        self,
        plan_id: str,
        from_status: list[str] | tuple[str, ...],
        to_status: str,
        *,
        owner: str | None = None,
        ref: str | None = None,
        hash: str | None = None,
        expect_ref: str | None = None,
        decision: dict[str, Any] | None = None,
    ) -> bool:
        """CAS on the plan's status; a `decision` is stored in the same row (so anyone can finish it later)."""
        data = json.dumps(maybe_redact(decision), default=str) if decision is not None else None
        return self.table.transition(
            _CAS_NS,
            plan_id,
            from_status,
            to_status,
            owner=owner,
            ref=ref,
            hash=hash,
            expect_ref=expect_ref,
            data=data,
        )

    def row(self, plan_id: str) -> dict[str, Any] | None:
        return self.table.get(_CAS_NS, plan_id)

    # -- reads
    def get(self, plan_id: str) -> Plan:
        item = self.store.get(PLANS_NS, plan_id)
        if item is None:
            raise B24PlanError(
                f"plan {plan_id!r} not found",
                plan_id=plan_id,
                reason="unknown",
                hint="list plans with `b24 review list` or approvals.list_plans()",
            )
        return self._merge(Plan.from_dict(item.value), self.row(plan_id))

    def _merge(self, plan: Plan, row: dict[str, Any] | None) -> Plan:
        if row is not None:
            plan.status = row["status"]
            if row.get("owner"):
                plan.decided_by = row["owner"]
        return plan

    def search(self, statuses: list[str] | None = None, **flt: Any) -> list[Plan]:
        """Plans whose status is one of `statuses` (all when None), filtered by exact document fields."""
        rows = self.table.keys(_CAS_NS, statuses)
        plans: list[Plan] = []
        if statuses is not None and not rows:
            return plans
        offset = 0
        while True:
            page = self.store.search(PLANS_NS, filter=flt or None, limit=_PAGE, offset=offset)
            for item in page:
                row = rows.get(item.key)
                if statuses is not None and row is None:
                    continue
                plans.append(self._merge(Plan.from_dict(item.value), row or self.row(item.key)))
            if len(page) < _PAGE:
                break
            offset += _PAGE
        plans.sort(key=lambda p: p.created_at)
        return plans

    def load_decision(self, plan_id: str) -> dict[str, Any] | None:
        """The decision that won the plan's compare-and-set (None when undecided or decided by a graph client)."""
        row = self.row(plan_id) or {}
        return json.loads(row["data"]) if row.get("data") else None

    def find(self, **flt: Any) -> list[Plan]:
        """Plans whose stored document matches `flt` exactly (status re-read from the status row)."""
        return [
            self._merge(Plan.from_dict(item.value), self.row(item.key))
            for item in self.store.search(PLANS_NS, filter=flt, limit=_PAGE)
        ]
