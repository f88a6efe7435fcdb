"""The shipped handler: a new lead starts the review flow (enrich → plan a follow-up task → wait for approval).

`ONCRMLEADADD` carries only the lead ID (api-reference/crm/leads/events/on-crm-lead-add.md), so the handler
reads the lead, normalises its phone/email and scores it (the enrichment), then submits a `tasks.task.add`
plan to the approval graph. Nothing is written until a reviewer approves; the plan's idempotency key is derived
from the lead ID, so a redelivered event finds the same plan instead of creating a second one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from .._errors import B24ConfigError
from ._queue import QueuedEvent
from ._registry import HandlerContext, HandlerRegistry, registry

__all__ = ["new_lead_followup", "enrich_lead", "followup_task_params", "register_default_handlers"]


def _first(multi: Any) -> str | None:
    if isinstance(multi, list) and multi:
        item = multi[0]
        return str(item.get("VALUE")) if isinstance(item, dict) and item.get("VALUE") else None
    return str(multi) if isinstance(multi, str) and multi else None


def normalize_phone(raw: str | None) -> str | None:
    """`+1 (555) 010-0000` → `+15550100000`; None when there are fewer than 7 digits."""
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7:
        return None
    return ("+" if raw.strip().startswith("+") or len(digits) > 10 else "") + digits


def normalize_email(raw: str | None) -> str | None:
    if not raw:
        return None
    email = raw.strip().lower()
    return email if re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", email) else None


def enrich_lead(lead: dict[str, Any]) -> dict[str, Any]:
    """Normalised contacts and a simple 0–100 score from what the lead already holds (no external calls)."""
    phone = normalize_phone(_first(lead.get("PHONE")))
    email = normalize_email(_first(lead.get("EMAIL")))
    try:
        amount = float(lead.get("OPPORTUNITY") or 0)
    except (TypeError, ValueError):
        amount = 0.0
    score = (
        20 * bool(phone) + 20 * bool(email) + min(40, int(amount // 2500)) + 20 * bool(lead.get("SOURCE_ID"))
    )
    domain = email.split("@", 1)[1] if email else None
    return {"phone": phone, "email": email, "email_domain": domain, "score": min(100, score)}


def followup_task_params(
    lead: dict[str, Any], enrichment: dict[str, Any], *, days: int = 1
) -> dict[str, Any]:
    """`tasks.task.add` params for the follow-up (bound to the lead via UF_CRM_TASK `L_<id>`)."""
    lead_id = str(lead.get("ID"))
    deadline = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()
    lines = [f"New lead #{lead_id}: {lead.get('TITLE') or '(untitled)'}", f"Score: {enrichment['score']}/100"]
    if enrichment.get("phone"):
        lines.append(f"Phone: {enrichment['phone']}")
    if enrichment.get("email"):
        lines.append(f"Email: {enrichment['email']}")
    return {
        "fields": {
            "TITLE": f"Follow up lead #{lead_id}: {lead.get('TITLE') or ''}".strip(),
            "DESCRIPTION": "\n".join(lines),
            "RESPONSIBLE_ID": int(lead.get("ASSIGNED_BY_ID") or 1),
            "DEADLINE": deadline,
            "PRIORITY": "2" if enrichment["score"] >= 60 else "1",
            "UF_CRM_TASK": [f"L_{lead_id}"],
        }
    }


def new_lead_followup(event: QueuedEvent, ctx: HandlerContext) -> Any:
    """ONCRMLEADADD → read the lead → enrich → submit a follow-up task plan (pending review)."""
    if ctx.client is None or ctx.approvals is None:
        raise B24ConfigError("the new-lead handler needs a client and an Approvals object in its context")
    data = event.data if isinstance(event.data, dict) else {}
    fields = data.get("FIELDS") or data.get("fields") or {}
    lead_id = fields.get("ID") or data.get("ID")
    if not lead_id:
        raise ValueError(f"{event.event} without data[FIELDS][ID]")
    resp = ctx.client.call("crm.lead.get", {"id": int(lead_id)})
    lead = getattr(resp, "result", resp)
    enrichment = enrich_lead(lead)
    params = followup_task_params(lead, enrichment)
    return ctx.approvals.submit(
        "tasks.task.add",
        params,
        idempotency_key=f"lead-followup-{lead_id}",
        requested_by="events:new-lead",
    )


def register_default_handlers(target: HandlerRegistry | None = None) -> HandlerRegistry:
    """Register the shipped handler on `target` (the module-level registry by default)."""
    reg = target if target is not None else registry
    reg.on("ONCRMLEADADD")(new_lead_followup)
    return reg
