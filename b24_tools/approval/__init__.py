"""Human-in-the-loop approval: durable plans, exactly-once execution, audit, reviewers who resume from anywhere.

    from b24_tools import Approvals
    with Approvals.open(client=client) as approvals:
        r = approvals.submit("crm.lead.add", {"fields": {"TITLE": "ACME"}})
        approvals.list_pending(); approvals.show(r.plan_id); approvals.approve(r.plan_id, reviewer="alice")
"""

from __future__ import annotations

from ._api import Approvals
from ._engine import Engine
from ._graph import ExecutorState, build_graph
from ._hitl import from_agent_inbox, hitl_request, parse_decision, to_agent_inbox
from ._models import Plan, PlanView, SubmitResult, derive_idempotency_key, params_hash

__all__ = [
    "Approvals",
    "Engine",
    "ExecutorState",
    "Plan",
    "PlanView",
    "SubmitResult",
    "build_graph",
    "derive_idempotency_key",
    "from_agent_inbox",
    "hitl_request",
    "params_hash",
    "parse_decision",
    "to_agent_inbox",
]
