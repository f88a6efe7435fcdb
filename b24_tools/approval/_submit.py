"""Submit calls as plans for a requester: the one entry every front end shares (agent middleware, MCP, toolkits).

    subs = submit_calls(engine, [CallRequest("crm.lead.add", {"fields": {...}}, call_id="call_1")],
                        requested_by="b24-agent:thread-7", thread_id="thread-7", agent={...})
    subs[0].status   # "pending" (a plan waits for review), "executed" (a read ran, audited), "refused", ...

Each call passes the engine's gate: the policy assesses the call by its arguments (a `batch` or a generic call is as
risky as its riskiest inner command), reads run at once and leave an audit line, writes and deletes become plans in
the shared store (same plan model, hash, idempotency key as every other plan). A call with a `call_id` gets a plan
id derived from (thread, call id), so asking again — a graph task re-run after a crash or a resume — finds the plan
it made the first time instead of making a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._models import Plan

__all__ = ["CallRequest", "CallSubmission", "submit_calls", "plan_id_for_call", "plan_id_of_interrupt"]


@dataclass(frozen=True)
class CallRequest:
    """One call to submit: the method and params as the portal reads them, and who asked (a tool call id)."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    tool: str | None = None


@dataclass
class CallSubmission:
    """What the gate made of one call: a read's result, a pending (or earlier) plan, or a refusal."""

    request: CallRequest
    status: str  # executed | failed (a read) | pending | replayed | refused | the status of an existing plan
    plan: Plan | None = None
    result: Any = None
    error: str | None = None

    @property
    def plan_id(self) -> str | None:
        return self.plan.plan_id if self.plan is not None else None


def plan_id_for_call(thread_id: str, call_id: str) -> str:
    """The plan id of a tool call: stable for the same (thread, call id), so re-runs find their plan."""
    return "pl_" + hashlib.sha256(f"{thread_id}\x1f{call_id}".encode()).hexdigest()[:16]


def submit_calls(
    engine: Any,
    calls: Sequence[CallRequest],
    *,
    requested_by: str,
    thread_id: str | None = None,
    agent: dict[str, Any] | None = None,
    ttl_sec: int | None = None,
) -> list[CallSubmission]:
    """Gate each call through the engine; writes become plans of `requested_by` (see the module docstring).

    `agent` (name, thread, server URL, assistant, ...) is stored on the plans so a reviewer's decision can resume
    the agent thread that asked; without it the plans are decided and executed by the engine alone.
    """
    out: list[CallSubmission] = []
    for call in calls:
        plan_id = plan_id_for_call(thread_id or "", call.call_id) if call.call_id else None
        if plan_id is not None and engine.plans.row(plan_id) is not None:
            plan = engine.plans.get(plan_id)
            out.append(CallSubmission(call, plan.status, plan, plan.result, plan.error))
            continue
        request: dict[str, Any] = {
            "kind": "batch" if call.method.strip().lower() == "batch" else "call",
            "method": call.method,
            "params": dict(call.params or {}),
            "requested_by": requested_by,
            "runner": "agent" if agent is not None else "engine",
            "ttl_sec": ttl_sec,
        }
        if plan_id is not None:
            request["plan_id"] = plan_id
            request["idempotency_key"] = f"call:{thread_id}:{call.call_id}"
            request["thread_id"] = thread_id
        if agent is not None:
            request["agent"] = {**agent, "tool_call_id": call.call_id, "tool": call.tool}
        outcome = engine.gate(request)
        plan = Plan.from_dict(outcome["plan"]) if outcome.get("plan") else None
        out.append(CallSubmission(call, outcome["status"], plan, outcome.get("result"), outcome.get("error")))
    return out


def plan_id_of_interrupt(value: Any) -> str | None:
    """The plan id an agent interrupt (a `HITLRequest` from this middleware) carries, else None."""
    if not isinstance(value, dict):
        return None
    for action in value.get("action_requests") or ():
        if isinstance(action, dict) and action.get("plan_id"):
            return str(action["plan_id"])
    return None
