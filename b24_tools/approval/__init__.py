"""Human-in-the-loop approval: durable plans, exactly-once execution, audit, reviewers who resume from anywhere.

    from b24_tools import Approvals
    with Approvals.open(client=client) as approvals:
        r = approvals.submit("crm.lead.add", {"fields": {"TITLE": "ACME"}})
        approvals.list_pending(); approvals.show(r.plan_id); approvals.approve(r.plan_id, reviewer="alice")

The graph (`build_graph`): gate (policy, catalog validation; reads run at once) → review (`interrupt()` with
LangChain's `HITLRequest`) → execute (ledger claim → call → ledger completion, reconciling lost answers by the
origin marker stamped into CRM creates). Plan statuses: pending → approved → executed | failed |
unknown_outcome, or pending → rejected | expired. The status row of a plan only moves by compare-and-set, so
exactly one reviewer wins. Plans, ledger and audit live in the LangGraph store (SQLite / PostgreSQL), so every
process sees them; `recover()` finishes plans whose process died after the decision.

Agents: `B24ApprovalMiddleware` turns an agent's write tool calls into the same plans (`submit_calls`, shared with
the MCP server) and executes approved ones through the engine; `resume_decided` brings a decision back to the
agent thread that asked.
"""

from __future__ import annotations

from typing import Any

from ._api import Approvals
from ._engine import Engine
from ._graph import ExecutorState, build_graph
from ._hitl import from_agent_inbox, hitl_request, parse_decision, to_agent_inbox
from ._models import Plan, PlanView, SubmitResult, derive_idempotency_key, params_hash
from ._progress import BulkProgress, ProgressHook
from ._resume import aresume_decided, load_agent_graph, resume_decided, resume_on_server
from ._submit import CallRequest, CallSubmission, submit_calls

# need the [agent] extra (langchain): imported on first use
_AGENT = {
    "B24ApprovalMiddleware": "._middleware",
    "build_agent": "._agent",
    "open_agent": "._agent",
    "load_model": "._agent",
}

__all__ = [
    "Approvals",
    "B24ApprovalMiddleware",
    "build_agent",
    "open_agent",
    "load_model",
    "CallRequest",
    "CallSubmission",
    "aresume_decided",
    "load_agent_graph",
    "resume_decided",
    "resume_on_server",
    "submit_calls",
    "BulkProgress",
    "Engine",
    "ExecutorState",
    "Plan",
    "PlanView",
    "ProgressHook",
    "SubmitResult",
    "build_graph",
    "derive_idempotency_key",
    "from_agent_inbox",
    "hitl_request",
    "params_hash",
    "parse_decision",
    "to_agent_inbox",
]


def __getattr__(name: str) -> Any:
    module = _AGENT.get(name)
    if module is None:
        raise AttributeError(f"module 'b24_tools.approval' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
