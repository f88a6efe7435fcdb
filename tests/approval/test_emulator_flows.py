"""Approval flows against the Bitrix24 emulator: lost answers, bulk jobs, batches, tampering (in process)."""

from __future__ import annotations

import pytest

from b24_tools.approval import params_hash
from b24_tools.emulator import Emulator, EmulatorConfig


@pytest.fixture
def emu(tmp_path):
    with Emulator(tmp_path / "portal.sqlite", EmulatorConfig(webhook_code="emu-secret-code-77")) as e:
        yield e


def _origin(approvals, plan_id: str) -> str:
    return approvals.get_plan(plan_id).params["fields"]["ORIGIN_ID"]


def test_commit_then_dropped_connection_is_reconciled_without_a_duplicate(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Dropped answer"}})
    emu.faults.add(method="crm.lead.add", kind="drop_after_commit")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "executed"
    origin = _origin(approvals, res.plan_id)
    [row] = emu.records("lead", ORIGIN_ID=origin)
    assert out.result == row["ID"]
    assert emu.count("lead", TITLE="Dropped answer") == 1
    events = [e["event"] for e in approvals.audit.events(plan_id=res.plan_id)]
    assert "reconcile" in events and events[-1] != "retry"


def test_request_dropped_before_commit_is_resent_once_after_proving_absence(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Never arrived"}})
    emu.faults.add(method="crm.lead.add", kind="drop")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "executed"
    assert emu.count("lead", TITLE="Never arrived") == 1
    assert "retry" in [e["event"] for e in approvals.audit.events(plan_id=res.plan_id)]


def test_lost_answer_without_an_origin_marker_is_parked_for_the_reviewer(emu, make_approvals) -> None:
    emu.seed(leads=1)
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit("crm.lead.update", {"id": 1, "fields": {"TITLE": "Renamed"}})
    emu.faults.add(method="crm.lead.update", kind="drop_after_commit")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "unknown_outcome" and "parked" in out.error
    plan = approvals.get_plan(res.plan_id)
    assert plan.status == "unknown_outcome" and plan.evidence["why"]
    # the key stays blocked: a replay neither re-sends nor claims success
    again = approvals.submit("crm.lead.update", {"id": 1, "fields": {"TITLE": "Renamed"}})
    assert again.status == "pending"
    assert approvals.approve(again.plan_id, reviewer="alice").status == "unknown_outcome"
    # the reviewer checks the portal and settles it
    settled = approvals.resolve(res.plan_id, happened=True, reviewer="alice", result=True)
    assert settled.status == "executed"


def test_portal_refusal_fails_the_plan_and_frees_the_key(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Refused"}})
    emu.faults.add(method="crm.lead.add", kind="error", code="ACCESS_DENIED", status=403)
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "failed" and "ACCESS_DENIED" in out.error
    retry = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Refused"}})
    assert approvals.approve(retry.plan_id, reviewer="alice").status == "executed"
    assert emu.count("lead", TITLE="Refused") == 1


def test_bulk_job_is_one_plan_executed_in_chunks_with_per_record_idempotency(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1), bulk_chunk_size=10)
    records = [{"fields": {"TITLE": f"Bulk {i}"}} for i in range(35)]
    res = approvals.submit_bulk("crm.lead.add", records, requested_by="importer")
    assert res.status == "pending"
    [plan] = approvals.list_pending()
    assert plan.kind == "bulk" and plan.bulk["total"] == 35 and len(plan.bulk["sample"]) == 5
    assert len(approvals.bulk_records(res.plan_id)) == 35
    view = approvals.show(res.plan_id)
    assert view.sample and "35 records" in view.summary
    emu.faults.add(method="batch", kind="drop_after_commit")  # the first chunk's answer is lost
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "executed", out
    assert out.result["done"] == 35 and out.result["failed"] == 0
    assert emu.count("lead") == 35
    for i in (0, 9, 34):
        assert emu.count("lead", TITLE=f"Bulk {i}") == 1
    again = approvals.submit_bulk("crm.lead.add", records)
    assert approvals.approve(again.plan_id, reviewer="alice").result["done"] == 35
    assert emu.count("lead") == 35  # per-record keys replayed, nothing re-sent


def test_bulk_job_resumes_without_redoing_finished_records(emu, make_approvals) -> None:
    calls = []

    def crash_after_second_chunk(stage: str, plan_id: str) -> None:
        calls.append(stage)
        if stage == "called" and calls.count("called") == 2:
            raise KeyboardInterrupt  # the process dies here

    approvals = make_approvals(
        emu.client(max_retries=1), bulk_chunk_size=10, on_stage=crash_after_second_chunk
    )
    records = [{"fields": {"TITLE": f"Resume {i}"}} for i in range(30)]
    res = approvals.submit_bulk("crm.lead.add", records)
    with pytest.raises(KeyboardInterrupt):
        approvals.approve(res.plan_id, reviewer="alice")
    assert emu.count("lead") == 20  # two chunks written, second one not recorded in the ledger
    assert approvals.recover() == []  # idle for less than a minute: might still be running, left alone
    before = emu.stats.requests
    approvals.engine.on_stage = None
    [out] = approvals.recover(stale_after=0)
    assert out.status == "executed" and out.result["done"] == 30
    assert emu.count("lead") == 30
    for i in range(30):
        assert emu.count("lead", TITLE=f"Resume {i}") == 1
    assert (
        emu.stats.requests - before <= 12
    )  # lookups for 10 in-flight records + one chunk, no redo of chunk 1


def test_batch_plan_executes_every_command_once(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit(
        "batch",
        {
            "halt": 0,
            "cmd": {
                "a": "crm.lead.add?fields[TITLE]=From batch A",
                "b": "crm.lead.add?fields[TITLE]=From batch B",
            },
        },
    )
    plan = approvals.get_plan(res.plan_id)
    assert plan.kind == "batch" and len(plan.calls) == 2 and "ORIGIN_ID" in plan.params["cmd"]["a"]
    emu.faults.add(method="batch", kind="drop_after_commit")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "executed"
    assert emu.count("lead", TITLE="From batch A") == 1 and emu.count("lead", TITLE="From batch B") == 1


def test_tampered_checkpoint_is_refused_and_never_executed(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client())
    res = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Honest"}})
    cfg = {"configurable": {"thread_id": res.thread_id}}
    state = approvals.graph.get_state(cfg).values
    evil = dict(state["plan"])
    evil["calls"] = [{**evil["calls"][0], "params": {"fields": {"TITLE": "Evil"}}}]
    approvals.graph.update_state(cfg, {"plan": evil}, as_node="gate")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "failed" and "tampered" in out.error
    assert emu.count("lead") == 0
    assert approvals.get_plan(res.plan_id).status == "failed"
    assert (
        params_hash("call", evil["calls"], evil["idempotency_key"])
        != approvals.get_plan(res.plan_id).params_hash
    )


def test_crm_item_creates_are_stamped_and_reconciled(emu, make_approvals) -> None:
    approvals = make_approvals(emu.client(max_retries=1))
    res = approvals.submit("crm.item.add", {"entityTypeId": 2, "fields": {"title": "Item deal"}})
    assert approvals.get_plan(res.plan_id).params["fields"]["originatorId"] == "b24-tools"
    emu.faults.add(method="crm.item.add", kind="drop_after_commit")
    out = approvals.approve(res.plan_id, reviewer="alice")
    assert out.status == "executed" and out.result["item"]["id"] >= 1
    assert emu.count("deal", TITLE="Item deal") == 1
