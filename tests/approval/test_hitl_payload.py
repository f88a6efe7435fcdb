"""The interrupt speaks LangChain v1's HITL schema; any LangGraph client can resume it; Agent Inbox via adapter."""

from __future__ import annotations

from approval_helpers import FakeClient
from langchain.agents.middleware.human_in_the_loop import ActionRequest, HITLRequest, ReviewConfig
from langgraph.types import Command

from b24_tools.approval import from_agent_inbox, parse_decision, to_agent_inbox

LEAD = {"fields": {"TITLE": "HITL"}}


def _interrupt(approvals, thread_id):
    snap = approvals.graph.get_state({"configurable": {"thread_id": thread_id}})
    [intr] = snap.interrupts
    return intr


def test_interrupt_value_is_a_langchain_hitl_request(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    res = approvals.submit("crm.lead.delete", {"id": 7})
    value = _interrupt(approvals, res.thread_id).value
    assert set(value) == set(HITLRequest.__annotations__)
    [action] = value["action_requests"]
    [config] = value["review_configs"]
    assert set(action) <= set(ActionRequest.__annotations__) and set(config) <= set(
        ReviewConfig.__annotations__
    )
    assert action["name"] == "crm.lead.delete" and action["args"] == {"id": 7}
    assert res.plan_id in action["description"] and "DESTRUCTIVE" in action["description"]
    assert config == {
        "action_name": "crm.lead.delete",
        "allowed_decisions": ["approve", "edit", "reject", "respond"],
    }
    assert approvals.show(res.plan_id).plan.interrupt_id == _interrupt(approvals, res.thread_id).id


def test_any_langgraph_client_can_resume_by_interrupt_id_with_a_hitl_response(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    intr = _interrupt(approvals, res.thread_id)
    cfg = {"configurable": {"thread_id": res.thread_id}}
    out = approvals.graph.invoke(
        Command(resume={intr.id: {"decisions": [{"type": "approve"}]}}), cfg, durability="sync"
    )
    assert out["status"] == "executed" and client.count() == 1
    plan = approvals.get_plan(res.plan_id)
    assert plan.status == "executed" and plan.decided_by == "graph-client"


def test_invalid_decision_or_refused_edit_asks_again(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    cfg = {"configurable": {"thread_id": res.thread_id}}
    intr = _interrupt(approvals, res.thread_id)
    approvals.graph.invoke(
        Command(resume={intr.id: {"decisions": [{"type": "maybe"}]}}), cfg, durability="sync"
    )
    again = _interrupt(approvals, res.thread_id)
    assert "invalid decision" in again.value["action_requests"][0]["description"]
    bad_edit = {"type": "edit", "edited_action": {"name": "crm.lead.add", "args": {"fields": 5}}}
    approvals.graph.invoke(Command(resume={again.id: {"decisions": [bad_edit]}}), cfg, durability="sync")
    third = _interrupt(approvals, res.thread_id)
    assert "edit refused" in third.value["action_requests"][0]["description"]
    assert approvals.get_plan(res.plan_id).status == "pending" and client.writes == []
    assert approvals.approve(res.plan_id, reviewer="alice").status == "executed"


def test_agent_inbox_adapter_round_trips_to_hitl_decisions() -> None:
    request = {
        "action_requests": [{"name": "crm.lead.add", "args": {"fields": {"TITLE": "x"}}, "description": "d"}],
        "review_configs": [{"action_name": "crm.lead.add", "allowed_decisions": ["approve", "reject"]}],
    }
    [inbox] = to_agent_inbox(request)
    assert inbox["action_request"] == {"action": "crm.lead.add", "args": {"fields": {"TITLE": "x"}}}
    assert inbox["config"] == {
        "allow_accept": True,
        "allow_edit": False,
        "allow_respond": True,
        "allow_ignore": True,
    }
    assert from_agent_inbox([{"type": "accept", "args": None}]) == {"decisions": [{"type": "approve"}]}
    assert from_agent_inbox(
        [{"type": "edit", "args": {"action": "crm.lead.add", "args": {"fields": {}}}}]
    ) == {"decisions": [{"type": "edit", "edited_action": {"name": "crm.lead.add", "args": {"fields": {}}}}]}
    assert from_agent_inbox({"type": "response", "args": "no"})["decisions"][0] == {
        "type": "reject",
        "message": "no",
    }
    assert from_agent_inbox([{"type": "ignore", "args": None}])["decisions"][0]["type"] == "reject"
    assert parse_decision(from_agent_inbox([{"type": "accept"}])) == {"type": "approve"}


def test_bulk_plans_offer_no_edit(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    res = approvals.submit_bulk("crm.lead.add", [{"fields": {"TITLE": f"b{i}"}} for i in range(3)])
    value = _interrupt(approvals, res.thread_id).value
    assert value["review_configs"][0]["allowed_decisions"] == ["approve", "reject", "respond"]
    assert value["action_requests"][0]["args"]["records_total"] == 3


def test_graph_client_decision_survives_a_crash_during_execution(make_approvals) -> None:
    from approval_helpers import FakeClient as _Client

    client = _Client()

    def die_after_the_call(stage: str, plan_id: str) -> None:
        if stage == "called":
            raise KeyboardInterrupt

    approvals = make_approvals(client, on_stage=die_after_the_call)
    res = approvals.submit("crm.lead.add", LEAD)
    intr = _interrupt(approvals, res.thread_id)
    cfg = {"configurable": {"thread_id": res.thread_id}}
    try:
        approvals.graph.invoke(
            Command(resume={intr.id: {"decisions": [{"type": "approve", "reviewer": "studio"}]}}),
            cfg,
            durability="sync",
        )
    except KeyboardInterrupt:
        pass
    assert client.count() == 1 and approvals.get_plan(res.plan_id).status == "approved"
    approvals.engine.on_stage = None
    again = _interrupt(approvals, res.thread_id)  # the answer died with the run; the thread asks again
    out = approvals.graph.invoke(
        Command(resume={again.id: {"decisions": [{"type": "approve", "reviewer": "studio"}]}}),
        cfg,
        durability="sync",
    )
    assert out["status"] == "executed" and client.count() == 1  # recognised as the same win; reconciled
    assert approvals.get_plan(res.plan_id).decided_by == "studio"


def test_recover_finishes_a_graph_client_decision_whose_run_died(make_approvals) -> None:
    from approval_helpers import FakeClient as _Client

    client = _Client()

    def die_before_the_call(stage: str, plan_id: str) -> None:
        if stage == "claimed":
            raise KeyboardInterrupt

    approvals = make_approvals(client, on_stage=die_before_the_call)
    res = approvals.submit("crm.lead.add", LEAD)
    intr = _interrupt(approvals, res.thread_id)
    edit = {
        "type": "edit",
        "edited_action": {"name": "crm.lead.add", "args": {"fields": {"TITLE": "Studio edit"}}},
        "reviewer": "studio",
    }
    try:
        approvals.graph.invoke(
            Command(resume={intr.id: {"decisions": [edit]}}),
            {"configurable": {"thread_id": res.thread_id}},
            durability="sync",
        )
    except KeyboardInterrupt:
        pass
    assert client.count() == 0
    approvals.engine.on_stage = None
    [out] = approvals.recover(stale_after=0)
    assert out.status == "executed" and client.count() == 1 and client.leads[1]["TITLE"] == "Studio edit"
