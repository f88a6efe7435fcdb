from __future__ import annotations

from types import SimpleNamespace

from b24_tools.events import (
    EventQueue,
    HandlerContext,
    HandlerRegistry,
    enrich_lead,
    followup_task_params,
    register_default_handlers,
)
from b24_tools.events._queue import QueuedEvent

LEAD = {
    "ID": "12",
    "TITLE": "Web form: Acme",
    "ASSIGNED_BY_ID": "3",
    "OPPORTUNITY": "50000.00",
    "SOURCE_ID": "WEB",
    "PHONE": [{"VALUE": "+1 (555) 010-0000", "VALUE_TYPE": "WORK"}],
    "EMAIL": [{"VALUE": " Jane@Acme.COM ", "VALUE_TYPE": "WORK"}],
}


class FakeApprovals:
    def __init__(self):
        self.submitted = []

    def submit(self, method, params, **kw):
        self.submitted.append((method, params, kw))
        return SimpleNamespace(status="pending", plan_id=f"plan-{len(self.submitted)}")


class FakeClient:
    def call(self, method, params=None):
        assert method == "crm.lead.get"
        return SimpleNamespace(result=dict(LEAD, ID=str(params["id"])))


def test_enrichment_normalises_contacts_and_scores():
    e = enrich_lead(LEAD)
    assert e["phone"] == "+15550100000"
    assert e["email"] == "jane@acme.com"
    assert e["email_domain"] == "acme.com"
    assert e["score"] == 80


def test_followup_task_is_bound_to_the_lead_and_its_owner():
    p = followup_task_params(LEAD, enrich_lead(LEAD))["fields"]
    assert p["RESPONSIBLE_ID"] == 3
    assert p["UF_CRM_TASK"] == ["L_12"]
    assert "Score: 80/100" in p["DESCRIPTION"]


def test_a_new_lead_event_submits_a_follow_up_plan_keyed_by_the_lead():
    reg = register_default_handlers(HandlerRegistry())
    approvals = FakeApprovals()
    ev = QueuedEvent(id=1, event="ONCRMLEADADD", data={"FIELDS": {"ID": "12"}})
    [res] = reg.dispatch(ev, HandlerContext(client=FakeClient(), approvals=approvals))
    assert res.status == "pending"
    [(method, params, kw)] = approvals.submitted
    assert method == "tasks.task.add"
    assert kw["idempotency_key"] == "lead-followup-12"
    assert params["fields"]["TITLE"].startswith("Follow up lead #12")


def test_queue_and_registry_work_together_for_the_shipped_handler():
    from b24_tools.events import drain_queue

    q = EventQueue()
    q.put("ONCRMLEADADD", {"FIELDS": {"ID": "5"}}, ts="1")
    approvals = FakeApprovals()
    rep = drain_queue(
        q,
        register_default_handlers(HandlerRegistry()),
        HandlerContext(client=FakeClient(), approvals=approvals),
    )
    assert rep.handled == 1
    assert approvals.submitted[0][2]["idempotency_key"] == "lead-followup-5"
