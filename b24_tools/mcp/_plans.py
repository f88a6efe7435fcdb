"""What an MCP client sees of a plan: the pending answer (how a human approves), `b24_plan_status`, and the
optional inline approval through MCP elicitation.

A write never runs inside the tool call. The tool answers with the plan id, its one-line summary and the two
ways a person approves it (the CLI, the inbox). With elicitation enabled and a client that declares it, the
server asks the user inline; the answer is decided through the same reviewer API as the CLI and inbox, with the
client's identity as the reviewer, so the store and the audit trail record who approved.
"""

from __future__ import annotations

from typing import Any

from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from .._errors import B24Error
from ..toolkits._render import render_error, render_result
from ._adapter import text_result

__all__ = ["PlanDesk", "InlineDecision", "PLAN_STATUS_SCHEMA"]

PLAN_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"plan_id": {"type": "string", "description": "plan id from a pending answer, e.g. pl_…"}},
    "required": ["plan_id"],
}


class InlineDecision(BaseModel):
    """The form an MCP client shows for inline approval."""

    approve: bool = Field(description="true: run this Bitrix24 call now; false: reject it")
    reason: str = Field("", description="optional note, recorded with the decision")


class PlanDesk:
    """Reads and decides plans for the MCP tools (synchronous; the caller runs it in a worker thread)."""

    def __init__(self, approvals: Any, *, inbox_url: str) -> None:
        self.approvals = approvals
        self.inbox_url = inbox_url.rstrip("/")

    def how_to_approve(self, plan_id: str) -> dict[str, str]:
        return {
            "cli": f"b24 review approve {plan_id}",
            "reject_cli": f"b24 review reject {plan_id} --reason TEXT",
            "inbox": f"{self.inbox_url}/plans/{plan_id}",
        }

    def pending(self, plan_id: str, *, note: str = "") -> CallToolResult:
        plan = self.approvals.get_plan(plan_id)
        how = self.how_to_approve(plan_id)
        data = {
            "status": plan.status,
            "plan_id": plan_id,
            "method": plan.method,
            "risk": plan.risk,
            "summary": plan.summary,
            "requested_by": plan.requested_by,
            "expires_at": plan.expires_at,
            "approve": how,
            "check_with": {"tool": "b24_plan_status", "arguments": {"plan_id": plan_id}},
        }
        text = (
            f"Pending human review: plan {plan_id} — {plan.summary}. Nothing was written yet. "
            f"A person approves it with `{how['cli']}` or in the review inbox at {how['inbox']}. "
            f"Call b24_plan_status with plan_id={plan_id} for the outcome; do not repeat the call."
        )
        if note:
            text += " " + note
        return text_result(text, data)

    def status(self, plan_id: str) -> CallToolResult:
        plan = self.approvals.get_plan(plan_id)
        data: dict[str, Any] = {
            "plan_id": plan.plan_id,
            "status": plan.status,
            "method": plan.method,
            "risk": plan.risk,
            "summary": plan.summary,
            "requested_by": plan.requested_by,
            "decided_by": plan.decided_by,
            "created_at": plan.created_at,
            "expires_at": plan.expires_at,
        }
        if plan.status in ("executed", "replayed"):
            data["result"] = plan.result
            text = f"Plan {plan.plan_id} executed (approved by {plan.decided_by}). " + render_result(
                plan.method, plan.result
            )
        elif plan.status == "pending":
            data["approve"] = self.how_to_approve(plan.plan_id)
            text = (
                f"Plan {plan.plan_id} still waits for review — {plan.summary}. "
                f"Approve with `b24 review approve {plan.plan_id}` or at {data['approve']['inbox']}."
            )
        else:
            data["error"] = plan.error
            text = f"Plan {plan.plan_id} is {plan.status}" + (
                f" (by {plan.decided_by})" if plan.decided_by else ""
            )
            text += f": {plan.error}." if plan.error else "."
            if plan.status in ("approved", "executing"):
                text += " It is being executed; ask again shortly."
        return text_result(text, data)

    def decide(self, plan_id: str, decision: InlineDecision, *, reviewer: str) -> CallToolResult:
        """Apply an inline decision through the reviewer API; answer like `status` afterwards."""
        try:
            if decision.approve:
                self.approvals.approve(plan_id, reviewer=reviewer)
            else:
                self.approvals.reject(
                    plan_id, decision.reason.strip() or "rejected in the MCP client", reviewer=reviewer
                )
        except B24Error as exc:
            return text_result(render_error(exc), {"status": "error", "plan_id": plan_id}, is_error=True)
        return self.status(plan_id)
