"""LangChain v1 human-in-the-loop payloads for plans, and the Agent Inbox adapter.

The interrupt value is `HITLRequest` (`action_requests` + `review_configs`) and the resume value is
`HITLResponse` (`{"decisions": [...]}`), exactly as `HumanInTheLoopMiddleware` uses them, so Agent Chat UI and
LangGraph Studio can review plans. Agent Inbox's legacy `HumanInterrupt` / `HumanResponse` shapes are produced by
`to_agent_inbox` / `from_agent_inbox` — an adapter over the one format, not a second one.
"""

from __future__ import annotations

from typing import Any

from ._models import Plan

__all__ = [
    "ALLOWED_DECISIONS",
    "hitl_request",
    "parse_decision",
    "to_agent_inbox",
    "from_agent_inbox",
]

ALLOWED_DECISIONS: dict[str, list[str]] = {
    "call": ["approve", "edit", "reject", "respond"],
    "batch": ["approve", "edit", "reject", "respond"],
    "bulk": ["approve", "reject", "respond"],
}


def _describe(plan: Plan, note: str | None) -> str:
    lines = [
        plan.summary,
        "",
        f"plan_id: {plan.plan_id}",
        f"risk: {plan.risk}   scopes: {', '.join(plan.scopes) or '-'}",
        f"idempotency_key: {plan.idempotency_key}",
        f"params_hash: {plan.params_hash}",
        f"requested_by: {plan.requested_by}   expires_at (epoch): {int(plan.expires_at)}",
    ]
    if plan.bulk:
        lines.append(f"bulk: {plan.bulk.get('total')} records in chunks of {plan.bulk.get('chunk_size')}")
    if note:
        lines += ["", f"NOTE: {note}"]
    return "\n".join(lines)


def hitl_request(plan: Plan, *, note: str | None = None) -> dict[str, Any]:
    """The `HITLRequest` for one plan: one action request (the plan) and its review config."""
    if plan.kind == "bulk":
        args: dict[str, Any] = {
            "records_total": (plan.bulk or {}).get("total"),
            "sample": (plan.bulk or {}).get("sample"),
        }
    else:
        args = plan.params
    return {
        "action_requests": [{"name": plan.method, "args": args, "description": _describe(plan, note)}],
        "review_configs": [
            {"action_name": plan.method, "allowed_decisions": list(ALLOWED_DECISIONS[plan.kind])}
        ],
    }


def parse_decision(resume: Any) -> dict[str, Any]:
    """Accept an `HITLResponse`, a bare decision, or a one-item list; return the single decision dict."""
    if isinstance(resume, dict) and "decisions" in resume:
        decisions = resume["decisions"]
        if not isinstance(decisions, list) or len(decisions) != 1:
            raise ValueError("a plan takes exactly one decision: {'decisions': [{'type': 'approve'}]}")
        decision = decisions[0]
    elif isinstance(resume, list) and len(resume) == 1:
        decision = resume[0]
    else:
        decision = resume
    if not isinstance(decision, dict) or decision.get("type") not in ("approve", "edit", "reject", "respond"):
        raise ValueError(
            "decision must be {'type': 'approve' | 'edit' | 'reject' | 'respond', ...}; "
            f"got {type(decision).__name__}"
        )
    return dict(decision)


def to_agent_inbox(request: dict[str, Any]) -> list[dict[str, Any]]:
    """HITLRequest → Agent Inbox `HumanInterrupt` list (legacy schema)."""
    configs = {c["action_name"]: c.get("allowed_decisions", []) for c in request.get("review_configs", [])}
    out = []
    for action in request.get("action_requests", []):
        allowed = configs.get(action["name"], [])
        out.append(
            {
                "action_request": {"action": action["name"], "args": action.get("args", {})},
                "config": {
                    "allow_accept": "approve" in allowed,
                    "allow_edit": "edit" in allowed,
                    "allow_respond": "respond" in allowed or "reject" in allowed,
                    "allow_ignore": "reject" in allowed,
                },
                "description": action.get("description"),
            }
        )
    return out


def from_agent_inbox(responses: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    """Agent Inbox `HumanResponse` list → `HITLResponse` (`{"decisions": [...]}`).

    accept → approve; edit(args=ActionRequest) → edit(edited_action); response(text) → reject(message);
    ignore → reject.
    """
    items = responses if isinstance(responses, list) else [responses]
    decisions: list[dict[str, Any]] = []
    for item in items:
        kind = item.get("type")
        args = item.get("args")
        if kind == "accept":
            decisions.append({"type": "approve"})
        elif kind == "edit" and isinstance(args, dict):
            decisions.append(
                {"type": "edit", "edited_action": {"name": args.get("action"), "args": args.get("args", {})}}
            )
        elif kind == "response":
            decisions.append({"type": "reject", "message": str(args or "")})
        elif kind == "ignore":
            decisions.append({"type": "reject", "message": "ignored in Agent Inbox"})
        else:
            raise ValueError(f"unknown Agent Inbox response type: {kind!r}")
    return {"decisions": decisions}
