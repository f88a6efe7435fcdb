"""The async half of `Approvals`: `aopen` (AsyncSqliteSaver / AsyncPostgresSaver), `asubmit`, `aapprove`, ...

The graph runs through `ainvoke`; store and status-table work (synchronous APIs) runs in worker threads, so the
event loop never blocks on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from langgraph.types import Command

from .._errors import B24PlanError
from .._settings import B24Settings
from ._lazy import _LazyClient, _LazyPolicy
from ._models import FINAL, Plan, SubmitResult, new_plan_id
from ._persistence import open_async_persistence
from ._progress import ProgressHook, progress_hook

__all__ = ["AsyncApprovalsMixin"]


class AsyncApprovalsMixin:
    """Async twins of the reviewer API (mixed into `Approvals`)."""

    graph: Any
    plans: Any
    engine: Any
    _durability: str

    if TYPE_CHECKING:  # provided by `Approvals`, which mixes this class in

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

        def _config(self, thread_id: str) -> dict[str, Any]: ...

        def _result(self, *args: Any, **kwargs: Any) -> SubmitResult: ...

        def _resume(self, plan: Plan, decision: dict[str, Any]) -> SubmitResult: ...

        def _claim_decision(self, *args: Any, **kwargs: Any) -> tuple[Plan, dict[str, Any]]: ...

        def list_pending(self, *args: Any, **kwargs: Any) -> list[Plan]: ...

        def get_plan(self, plan_id: str) -> Plan: ...

    async def _arun(self, payload: Any, thread_id: str, plan_id: str | None) -> SubmitResult:
        out = await self.graph.ainvoke(
            payload, self._config(thread_id), version="v2", durability=self._durability
        )
        return await asyncio.to_thread(self._result, out, thread_id, plan_id)

    async def _adecide(self, plan_id: str, decision: dict[str, Any], reviewer: str) -> SubmitResult:
        plan, decision = await asyncio.to_thread(self._claim_decision, plan_id, decision, reviewer)
        if plan.runner in (
            "agent",
            "engine",
        ):  # no executor thread: the engine, or the agent thread that asked
            return await asyncio.to_thread(self._resume, plan, decision)
        return await self._aresume(plan, decision)

    async def _aresume(self, plan: Plan, decision: dict[str, Any]) -> SubmitResult:
        cfg = self._config(plan.thread_id)
        snap = await self.graph.aget_state(cfg)
        if not snap.interrupts and snap.next:
            await self.graph.ainvoke(None, cfg, version="v2", durability="sync")
            snap = await self.graph.aget_state(cfg)
        if not snap.interrupts:
            if snap.next:
                return await self._arun(None, plan.thread_id, plan.plan_id)
            final = await asyncio.to_thread(self.plans.get, plan.plan_id)
            return SubmitResult(
                _result_status(final.status), final.plan_id, final.thread_id, final.result, final.error
            )
        target = snap.interrupts[0].id
        return await self._arun(
            Command(resume={target: {"decisions": [decision]}}), plan.thread_id, plan.plan_id
        )

    # ------------------------------------------------------------------ async twins
    # With `Approvals.aopen(...)` the graph runs on AsyncSqliteSaver / AsyncPostgresSaver via `ainvoke`; store
    # and status-table work (synchronous APIs) runs in worker threads so the event loop never blocks on it.
    @classmethod
    @asynccontextmanager
    async def aopen(
        cls,
        settings: B24Settings | None = None,
        *,
        client: Any = None,
        policy: Any = None,
        database_url: str | None = None,
        sqlite_path: Any = None,
        **kw: Any,
    ) -> AsyncIterator[Any]:
        """Async twin of `open`: async checkpointer + async store (SQLite default, PostgreSQL for a URL)."""
        settings = settings or B24Settings()
        async with open_async_persistence(settings, database_url=database_url, sqlite_path=sqlite_path) as p:
            kw.setdefault("plan_ttl_sec", settings.plan_ttl_sec)
            kw.setdefault("idempotency_ttl_sec", settings.idempotency_ttl_sec)
            yield cls(
                client if client is not None else _LazyClient(settings),
                policy=policy if policy is not None else _LazyPolicy(settings),
                checkpointer=p.checkpointer,
                store=p.store,
                table=p.table,
                **kw,
            )

    async def asubmit(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        requested_by: str = "agent",
        thread_id: str | None = None,
        confirm_write: bool = False,
        confirm_destructive: bool = False,
        ttl_sec: int | None = None,
    ) -> SubmitResult:
        """Async `submit` (graph via `ainvoke`)."""
        plan_id = new_plan_id()
        thread_id = thread_id or f"b24-{plan_id}"
        if (
            not thread_id.startswith("b24-pl_")
            and (await self.graph.aget_state(self._config(thread_id))).interrupts
        ):
            raise B24PlanError(f"thread {thread_id!r} already waits for a review", reason="thread_busy")
        request = {
            "kind": "batch" if method.strip().lower() == "batch" else "call",
            "method": method,
            "params": dict(params or {}),
            "idempotency_key": idempotency_key,
            "requested_by": requested_by,
            "plan_id": plan_id,
            "thread_id": thread_id,
            "ttl_sec": ttl_sec,
            "runner": "local",
        }
        res = await self._arun({"request": request}, thread_id, plan_id)
        if res.status == "pending" and res.error is None and (confirm_write or confirm_destructive):
            plan = await asyncio.to_thread(self.plans.get, res.plan_id or "")
            covered = confirm_destructive if plan.risk == "destructive" else True
            if covered and not getattr(self.engine.policy, "require_plan", False):
                return await self.aapprove(plan.plan_id, reviewer=f"{requested_by} (confirmed)")
        return res

    async def asubmit_bulk(
        self,
        method: str,
        records: Sequence[dict[str, Any]],
        *,
        requested_by: str = "agent",
        idempotency_prefix: str | None = None,
        ttl_sec: int | None = None,
    ) -> SubmitResult:
        plan_id = new_plan_id()
        thread_id = f"b24-{plan_id}"
        request = {
            "kind": "bulk",
            "method": method,
            "records": [dict(r) for r in records],
            "idempotency_prefix": idempotency_prefix,
            "requested_by": requested_by,
            "plan_id": plan_id,
            "thread_id": thread_id,
            "ttl_sec": ttl_sec,
            "runner": "local",
        }
        return await self._arun({"request": request}, thread_id, plan_id)

    async def aapprove(
        self, plan_id: str, *, reviewer: str, on_progress: ProgressHook | None = None
    ) -> SubmitResult:
        """Async `approve`; `on_progress` is called from the worker thread that executes the bulk chunks."""
        with progress_hook(on_progress):
            return await self._adecide(plan_id, {"type": "approve"}, reviewer)

    async def aedit(self, plan_id: str, params: dict[str, Any], *, reviewer: str) -> SubmitResult:
        return await self._adecide(
            plan_id, {"type": "edit", "edited_action": {"name": None, "args": params}}, reviewer
        )

    async def areject(self, plan_id: str, reason: str, *, reviewer: str) -> SubmitResult:
        return await self._adecide(plan_id, {"type": "reject", "message": reason}, reviewer)

    async def alist_pending(self, **kw: Any) -> list[Plan]:
        return await asyncio.to_thread(lambda: self.list_pending(**kw))

    async def aget_plan(self, plan_id: str) -> Plan:
        return await asyncio.to_thread(self.get_plan, plan_id)


def _result_status(status: str) -> Any:
    return status if status in FINAL or status == "pending" else "pending"
