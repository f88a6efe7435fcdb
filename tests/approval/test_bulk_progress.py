"""Bulk progress: `on_progress` sees chunk-by-chunk counts, resumes from finished work, never reaches checkpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from b24_tools.approval import BulkProgress

MARKER = "PROGRESS-HOOK-MARKER-5d1e"


class Recorder:
    """A progress hook whose repr and class name are easy to find if it were ever serialized."""

    def __init__(self) -> None:
        self.seen: list[BulkProgress] = []

    def __call__(self, progress: BulkProgress) -> None:
        self.seen.append(progress)

    def __repr__(self) -> str:
        return MARKER


def _assert_monotonic(seen: list[BulkProgress]) -> None:
    finished = [p.finished for p in seen]
    assert finished == sorted(finished) and len(set(finished)) == len(finished), finished
    for a, b in zip(seen, seen[1:], strict=False):
        assert b.done >= a.done and b.failed >= a.failed and b.replayed >= a.replayed


def _records(n: int, tag: str) -> list[dict[str, Any]]:
    return [{"fields": {"TITLE": f"{tag} {i}"}} for i in range(n)]


def test_approve_reports_monotonic_counts_per_chunk_ending_at_total(emulator, make_approvals) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=10)
    res = approvals.submit_bulk("crm.lead.add", _records(35, "Progress"))
    hook = Recorder()
    out = approvals.approve(res.plan_id, reviewer="alice", on_progress=hook)
    assert out.status == "executed" and out.result["done"] == 35
    assert [p.done for p in hook.seen] == [0, 10, 20, 30, 35]
    _assert_monotonic(hook.seen)
    last = hook.seen[-1]
    assert (last.total, last.failed, last.replayed, last.unknown) == (35, 0, 0, 0)
    assert {p.plan_id for p in hook.seen} == {res.plan_id}
    assert out.result["done"] == last.done  # the typed result keeps its shape and agrees with the last report


def test_submit_bulk_with_confirm_write_executes_at_once_and_reports_progress(
    emulator, make_approvals
) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=4)
    hook = Recorder()
    before = emulator.count("lead")
    out = approvals.submit_bulk(
        "crm.lead.add", _records(9, "Confirmed"), confirm_write=True, on_progress=hook
    )
    assert out.status == "executed" and out.result["done"] == 9
    assert emulator.count("lead") == before + 9
    assert [p.finished for p in hook.seen] == [0, 4, 8, 9]
    assert approvals.get_plan(out.plan_id).decided_by == "agent (confirmed)"


def test_replayed_records_count_as_done_and_replayed(emulator, make_approvals) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=10)
    records = _records(12, "Again")
    first = approvals.submit_bulk("crm.lead.add", records)
    approvals.approve(first.plan_id, reviewer="alice")
    again = approvals.submit_bulk("crm.lead.add", records)
    hook = Recorder()
    assert approvals.approve(again.plan_id, reviewer="alice", on_progress=hook).status == "executed"
    assert hook.seen == [BulkProgress(again.plan_id, done=12, total=12, replayed=12)]


def test_resume_after_interruption_starts_from_the_finished_count(emulator, make_approvals) -> None:
    called = []

    def die_after_second_chunk(stage: str, plan_id: str) -> None:
        called.append(stage)
        if stage == "called" and called.count("called") == 2:
            raise KeyboardInterrupt  # the process dies: chunk 2 written, not yet recorded

    approvals = make_approvals(
        emulator.client(max_retries=1), bulk_chunk_size=10, on_stage=die_after_second_chunk
    )
    res = approvals.submit_bulk("crm.lead.add", _records(40, "Resumed"))
    first = Recorder()
    with pytest.raises(KeyboardInterrupt):
        approvals.approve(res.plan_id, reviewer="alice", on_progress=first)
    assert [p.done for p in first.seen] == [0, 10]
    approvals.engine.on_stage = None
    second = Recorder()
    out = approvals.resume(res.plan_id, on_progress=second)
    assert out.status == "executed" and out.result["done"] == 40
    assert second.seen[0].done == 20  # chunk 1 replayed from the ledger, chunk 2 reconciled
    assert second.seen[0].replayed == 10
    assert [p.done for p in second.seen] == [20, 30, 40]
    _assert_monotonic(second.seen)
    assert emulator.count("lead", TITLE="Resumed 15") == 1


def test_a_failing_hook_never_stops_the_job(emulator, make_approvals) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=5)
    res = approvals.submit_bulk("crm.lead.add", _records(11, "Sturdy"))

    def broken(progress: BulkProgress) -> None:
        raise RuntimeError("terminal went away")

    out = approvals.approve(res.plan_id, reviewer="alice", on_progress=broken)
    assert out.status == "executed" and out.result["done"] == 11


def test_hook_is_per_call_and_absent_elsewhere(emulator, make_approvals) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=5)
    hook = Recorder()
    a = approvals.submit_bulk("crm.lead.add", _records(6, "With hook"))
    b = approvals.submit_bulk("crm.lead.add", _records(6, "Without hook"))
    approvals.approve(a.plan_id, reviewer="alice", on_progress=hook)
    count = len(hook.seen)
    approvals.approve(b.plan_id, reviewer="alice")
    assert len(hook.seen) == count and {p.plan_id for p in hook.seen} == {a.plan_id}


def test_the_hook_never_reaches_checkpoints_or_the_store(emulator, make_approvals, backend) -> None:
    approvals = make_approvals(emulator.client(max_retries=1), bulk_chunk_size=5)
    res = approvals.submit_bulk("crm.lead.add", _records(12, "Private"))
    hook = Recorder()
    approvals.approve(res.plan_id, reviewer="alice", on_progress=hook)
    assert hook.seen
    tuples = list(approvals.checkpointer.list(None))
    assert tuples
    for t in tuples:
        text = repr((t.config, t.checkpoint, t.metadata, t.pending_writes))
        assert MARKER not in text and "Recorder" not in text
    snap = approvals.graph.get_state(
        {"configurable": {"thread_id": approvals.get_plan(res.plan_id).thread_id}}
    )
    assert MARKER not in repr(snap)
    assert MARKER not in repr(approvals.get_plan(res.plan_id).to_dict())
    if backend["kind"] == "sqlite":  # the bytes on disk, WAL included
        db = Path(backend["sqlite_path"])
        raw = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
        assert MARKER.encode() not in raw and b"Recorder" not in raw


def test_async_approve_reports_progress(emulator, tmp_path) -> None:
    from b24_tools import Approvals, Policy

    hook = Recorder()

    async def run() -> Any:
        async with Approvals.aopen(
            client=emulator.client(max_retries=1),
            policy=Policy(),
            sqlite_path=str(tmp_path / "async.sqlite"),
            bulk_chunk_size=4,
        ) as approvals:
            res = await approvals.asubmit_bulk("crm.lead.add", _records(10, "Async"))
            return await approvals.aapprove(res.plan_id, reviewer="alice", on_progress=hook)

    out = asyncio.run(run())
    assert out.status == "executed"
    assert [p.finished for p in hook.seen] == [0, 4, 8, 10]
