"""Async reviewer API on AsyncSqliteSaver / AsyncPostgresSaver (`Approvals.aopen`)."""

from __future__ import annotations

import asyncio

import pytest
from approval_helpers import open_kw

from b24_tools import Approvals, B24PlanError, Policy
from b24_tools.emulator import Emulator


async def test_async_submit_then_approve_executes_once(backend) -> None:
    emu = Emulator()
    async with Approvals.aopen(client=emu.client(), policy=Policy(), **open_kw(backend)) as approvals:
        assert "Async" in type(approvals.checkpointer).__name__
        res = await approvals.asubmit("crm.lead.add", {"fields": {"TITLE": "Async lead"}})
        assert res.status == "pending"
        assert [p.plan_id for p in await approvals.alist_pending()] == [res.plan_id]
        done = await approvals.aapprove(res.plan_id, reviewer="alice")
        assert done.status == "executed" and emu.count("lead", TITLE="Async lead") == 1
        with pytest.raises(B24PlanError, match="alice"):
            await approvals.aapprove(res.plan_id, reviewer="bob")
        edited = await approvals.asubmit("crm.lead.add", {"fields": {"TITLE": "Async draft"}})
        assert (
            await approvals.aedit(edited.plan_id, {"fields": {"TITLE": "Async final"}}, reviewer="alice")
        ).status == "executed"
        rejected = await approvals.asubmit("crm.lead.delete", {"id": 1})
        assert (await approvals.areject(rejected.plan_id, "keep it", reviewer="alice")).status == "rejected"
        assert emu.count("lead", TITLE="Async final") == 1 and emu.count("lead") == 2
    # a sync process sees the same plans
    with Approvals.open(client=emu.client(), policy=Policy(), **open_kw(backend)) as sync:
        assert sync.get_plan(res.plan_id).status == "executed"


async def test_async_racing_reviewers_exactly_one_wins(backend) -> None:
    emu = Emulator()
    async with Approvals.aopen(client=emu.client(), policy=Policy(), **open_kw(backend)) as approvals:
        res = await approvals.asubmit("crm.lead.add", {"fields": {"TITLE": "Async race"}})
        results = await asyncio.gather(
            *(approvals.aapprove(res.plan_id, reviewer=f"r{i}") for i in range(4)), return_exceptions=True
        )
    assert sum(1 for r in results if not isinstance(r, BaseException) and r.status == "executed") == 1
    assert sum(1 for r in results if isinstance(r, B24PlanError)) == 3
    assert emu.count("lead", TITLE="Async race") == 1
