"""The reviewer API over the approval graph, on SQLite and PostgreSQL (fake in-memory client)."""

from __future__ import annotations

import time

import pytest
from approval_helpers import FakeClient

from b24_tools import B24PlanError, B24ValidationError, Policy

LEAD = {"fields": {"TITLE": "ACME order", "NAME": "Ann"}}


def test_write_waits_for_review_then_executes_once_on_approval(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD, requested_by="agent-1")
    assert res.status == "pending" and res.plan_id and client.writes == []
    [plan] = approvals.list_pending()
    assert plan.plan_id == res.plan_id and plan.risk == "write" and plan.requested_by == "agent-1"
    assert plan.params_hash.startswith("sha256:") and plan.idempotency_key.startswith("auto:")
    assert plan.expires_at > plan.created_at
    done = approvals.approve(res.plan_id, reviewer="alice")
    assert done.status == "executed" and done.result == 1
    assert client.count() == 1
    assert approvals.list_pending() == []
    assert approvals.get_plan(res.plan_id).status == "executed"
    assert approvals.get_plan(res.plan_id).decided_by == "alice"


def test_reads_execute_at_once_without_a_plan(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    res = approvals.submit("user.current", {})
    assert res.status == "executed" and res.result == {"ID": "1"} and res.plan_id is None
    assert approvals.list_plans() == []


def test_plan_stamps_an_origin_marker_the_reviewer_can_see(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    res = approvals.submit("crm.lead.add", LEAD)
    fields = approvals.get_plan(res.plan_id).params["fields"]
    assert fields["ORIGINATOR_ID"] == "b24-tools" and fields["ORIGIN_ID"].startswith("b24t-")
    assert "TITLE=ACME order" in approvals.show(res.plan_id).summary


def test_second_reviewer_gets_a_clear_error_naming_who_decided(make_approvals) -> None:
    client = FakeClient()
    a1, a2 = make_approvals(client), make_approvals(client)
    res = a1.submit("crm.lead.add", LEAD)
    a1.approve(res.plan_id, reviewer="alice")
    with pytest.raises(B24PlanError) as err:
        a2.approve(res.plan_id, reviewer="bob")
    assert "alice" in str(err.value) and err.value.reason == "already_decided"
    with pytest.raises(B24PlanError):
        a2.reject(res.plan_id, "too late", reviewer="bob")
    assert client.count() == 1


def test_reject_never_executes_and_says_why(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    out = approvals.reject(res.plan_id, "duplicate customer", reviewer="alice")
    assert out.status == "rejected" and "duplicate customer" in out.error
    plan = approvals.get_plan(res.plan_id)
    assert plan.status == "rejected" and plan.decided_by == "alice" and plan.reason == "duplicate customer"
    assert client.writes == []
    events = [e["event"] for e in approvals.audit.events(plan_id=res.plan_id)]
    assert events == ["plan", "decision"]


def test_expired_plan_never_executes_and_says_when(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD, ttl_sec=1)
    plan = approvals.get_plan(res.plan_id)
    time.sleep(1.2)  # the review came too late
    assert approvals.list_pending() == []
    assert [p.plan_id for p in approvals.list_plans(status="expired")] == [plan.plan_id]
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "expired" and "expired" in out.error and client.writes == []
    with pytest.raises(B24PlanError):
        approvals.approve(res.plan_id, reviewer="alice")


def test_edit_is_revalidated_rehashed_and_diffed(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    before = approvals.get_plan(res.plan_id)
    with pytest.raises(B24ValidationError):
        approvals.edit(res.plan_id, {"fields": "not an object"}, reviewer="alice")
    assert approvals.get_plan(res.plan_id).status == "pending"  # a refused edit decides nothing
    out = approvals.edit(
        res.plan_id, {"fields": {"TITLE": "ACME (checked)", "NAME": "Ann"}}, reviewer="alice"
    )
    assert out.status == "executed"
    after = approvals.get_plan(res.plan_id)
    assert after.params_hash != before.params_hash and after.original_hash == before.params_hash
    assert after.decision == "edit"
    assert client.leads[1]["TITLE"] == "ACME (checked)" and client.leads[1]["ORIGIN_ID"].startswith("b24t-")
    view = approvals.show(res.plan_id)
    assert {
        "path": "fields.TITLE",
        "old": "ACME order",
        "new": "ACME (checked)",
        "change": "changed",
    } in view.diff


def test_edit_is_rechecked_by_the_policy(make_approvals) -> None:
    approvals = make_approvals(FakeClient(), policy=Policy(packs=("core",)))
    res = approvals.submit("batch", {"cmd": {"a": "crm.lead.add?fields[TITLE]=x"}})
    assert res.status == "pending"
    from b24_tools import B24PolicyError

    with pytest.raises(B24PolicyError):
        approvals.edit(res.plan_id, {"cmd": {"a": "log.blogpost.add?POST_MESSAGE=hi"}}, reviewer="alice")
    assert approvals.get_plan(res.plan_id).status == "pending"


def test_replay_by_idempotency_key_returns_the_recorded_result(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    first = approvals.submit("crm.lead.add", LEAD, idempotency_key="order-77")
    approvals.approve(first.plan_id, reviewer="alice")
    again = approvals.submit("crm.lead.add", {"fields": {"TITLE": "other"}}, idempotency_key="order-77")
    assert again.status == "replayed" and again.result == 1 and again.plan_id == first.plan_id
    same = approvals.submit("crm.lead.add", LEAD)  # derived key: same request → same key
    approvals.approve(same.plan_id, reviewer="alice")
    assert approvals.submit("crm.lead.add", LEAD).status == "replayed"
    assert client.count() == 2


def test_identical_pending_request_is_not_planned_twice(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    one = approvals.submit("crm.lead.add", LEAD)
    two = approvals.submit("crm.lead.add", LEAD)
    assert two.status == "pending" and two.plan_id == one.plan_id and "already pending" in two.error
    assert len(approvals.list_pending()) == 1


def test_refused_by_policy_before_any_plan(make_approvals) -> None:
    approvals = make_approvals(FakeClient(), policy=Policy(packs=("core",)))
    res = approvals.submit("log.blogpost.add", {"POST_MESSAGE": "hi"})
    assert res.status == "refused" and "outside the enabled packs" in res.error
    assert approvals.list_plans() == []
    assert approvals.audit.events()[-1]["event"] == "refused"


def test_list_pending_filters(make_approvals) -> None:
    approvals = make_approvals(FakeClient())
    approvals.submit("crm.lead.add", LEAD, requested_by="bot-a")
    approvals.submit("crm.lead.delete", {"id": 5}, requested_by="bot-b")
    assert [p.method for p in approvals.list_pending(risk="destructive")] == ["crm.lead.delete"]
    assert [p.requested_by for p in approvals.list_pending(requested_by="bot-a")] == ["bot-a"]
    assert len(approvals.list_pending(method="crm.lead.add")) == 1
    assert len(approvals.list_pending(pack="core")) == 2
    assert approvals.list_pending(older_than=3600) == []


def test_confirmed_submit_executes_now_as_the_confirming_person(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD, confirm_write=True, requested_by="cli:ann")
    assert res.status == "executed" and client.count() == 1
    assert approvals.get_plan(res.plan_id).decided_by == "cli:ann (confirmed)"
    # a write confirmation does not cover a destructive call
    assert approvals.submit("crm.lead.delete", {"id": 1}, confirm_write=True).status == "pending"


def test_respond_ends_the_plan_with_the_reviewers_message(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    out = approvals.respond(res.plan_id, "Ann is already a contact (id 12)", reviewer="alice")
    assert out.status == "rejected" and out.result == {"message": "Ann is already a contact (id 12)"}
    assert client.writes == []


def test_decision_recorded_but_process_died_before_resume_is_finished_by_recover(make_approvals) -> None:
    client = FakeClient()
    approvals = make_approvals(client)
    res = approvals.submit("crm.lead.add", LEAD)
    approvals._claim_decision(
        res.plan_id,
        {
            "type": "edit",
            "edited_action": {
                "name": None,
                "args": {"fields": {"TITLE": "edited, then the reviewer's process died"}},
            },
        },
        "alice",
    )
    assert approvals.get_plan(res.plan_id).status == "approved" and client.writes == []
    other = make_approvals(client)  # another process, later
    [out] = other.recover(stale_after=0)
    assert out.status == "executed" and client.count() == 1
    assert client.leads[1]["TITLE"] == "edited, then the reviewer's process died"
    assert other.get_plan(res.plan_id).decided_by == "alice"
    assert other.recover(stale_after=0) == []
