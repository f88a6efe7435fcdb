"""`Approvals`: submit work, list pending plans across threads and processes, and decide them.

    with Approvals.open(client=client) as approvals:          # SQLite at .runtime/b24.sqlite, or B24_DATABASE_URL
        r = approvals.submit("crm.lead.add", {"fields": {"TITLE": "ACME"}})   # → status "pending", plan_id
        approvals.approve(r.plan_id, reviewer="alice")                         # any process, any time before expiry

Each plan runs on its own graph thread; a decision first wins the plan's compare-and-set (exactly one reviewer
wins), then resumes that thread by its interrupt id with `durability="sync"`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from langgraph.types import Command

from .._errors import B24PlanError
from .._settings import B24Settings
from ._async_api import AsyncApprovalsMixin
from ._engine import Engine
from ._graph import build_graph
from ._hitl import hitl_request
from ._lazy import _LazyClient, _LazyPolicy
from ._models import FINAL, Plan, PlanView, SubmitResult, SubmitStatus, diff_params, new_plan_id
from ._persistence import open_persistence
from ._progress import ProgressHook, progress_hook
from ._settings_built import keep_open
from ._submit import CallRequest, CallSubmission, submit_calls

__all__ = ["Approvals"]

_TO_STATUS = {"approve": "approved", "edit": "approved", "reject": "rejected", "respond": "rejected"}


class Approvals(AsyncApprovalsMixin):
    """The reviewer-facing API over the approval graph, its plan index, ledger and audit log."""

    def __init__(
        self,
        client: Any,
        *,
        policy: Any,
        checkpointer: Any,
        store: Any,
        table: Any = None,
        plan_ttl_sec: int = 3 * 24 * 3600,
        idempotency_ttl_sec: int = 86400,
        actor: str = "b24-tools",
        bulk_chunk_size: int = 50,
        on_stage: Callable[[str, str], None] | None = None,
        agent_graph: Any = None,
    ) -> None:
        """`agent_graph`: the agent whose threads this reviewer resumes after deciding an agent's plan — a
        compiled graph, or an import path (`module:attr`, `path.py:attr`) compiled with `checkpointer`."""
        self.engine = Engine(
            client,
            policy=policy,
            store=store,
            table=table,
            plan_ttl_sec=plan_ttl_sec,
            idempotency_ttl_sec=idempotency_ttl_sec,
            actor=actor,
            bulk_chunk_size=bulk_chunk_size,
            on_stage=on_stage,
        )
        self.checkpointer = checkpointer
        self.store = store
        self._durability = "sync"
        self.graph = build_graph(self.engine).compile(checkpointer=checkpointer)
        self.audit = self.engine.audit
        self.ledger = self.engine.ledger
        self.plans = self.engine.plans
        self.agent_graph = agent_graph

    @classmethod
    @contextmanager
    def open(
        cls,
        settings: B24Settings | None = None,
        *,
        client: Any = None,
        policy: Any = None,
        database_url: str | None = None,
        sqlite_path: Any = None,
        **kw: Any,
    ) -> Iterator[Approvals]:
        """Open persistence (SQLite by default, PostgreSQL for a postgresql:// URL) and yield `Approvals`."""
        settings = settings or B24Settings()
        with open_persistence(settings, database_url=database_url, sqlite_path=sqlite_path) as p:
            kw.setdefault("plan_ttl_sec", settings.plan_ttl_sec)
            kw.setdefault("idempotency_ttl_sec", settings.idempotency_ttl_sec)
            kw.setdefault("agent_graph", settings.agent_graph)
            yield cls(
                client if client is not None else _LazyClient(settings),
                policy=policy if policy is not None else _LazyPolicy(settings),
                checkpointer=p.checkpointer,
                store=p.store,
                table=p.table,
                **kw,
            )

    @classmethod
    def from_settings(cls, settings: B24Settings | None = None, **kw: Any) -> Approvals:
        """`Approvals.open(settings, **kw)` kept open for the life of the process (graph modules, servers)."""
        return keep_open(cls.open(settings, **kw))

    @property
    def client(self) -> Any:
        return self.engine.client

    def submit_calls(
        self,
        calls: Sequence[CallRequest],
        *,
        requested_by: str,
        thread_id: str | None = None,
        agent: dict[str, Any] | None = None,
    ) -> list[CallSubmission]:
        """Submit calls (e.g. an agent's or an MCP client's tool calls) as plans of `requested_by`.

        Reads run at once (audited); writes become pending plans decided with `approve` / `reject` like any
        other. See `submit_calls` for `agent` (resume the agent thread that asked) and `CallRequest.call_id`.
        """
        return submit_calls(self.engine, calls, requested_by=requested_by, thread_id=thread_id, agent=agent)

    # ------------------------------------------------------------------ submitting
    def _config(self, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    def _run(self, payload: Any, thread_id: str, plan_id: str | None) -> SubmitResult:
        out = self.graph.invoke(payload, self._config(thread_id), version="v2", durability=self._durability)
        return self._result(out, thread_id, plan_id)

    def _result(self, out: Any, thread_id: str, plan_id: str | None) -> SubmitResult:
        state = out.value or {}
        status: SubmitStatus | Literal["conflict"] = state.get("status") or "failed"
        plan = state.get("plan") or {}
        plan_id = plan.get("plan_id") or plan_id
        if status == "conflict":
            raise B24PlanError(
                state.get("error") or "plan already decided", plan_id=plan_id, reason="already_decided"
            )
        if status == "pending" and state.get("duplicate_of"):
            return SubmitResult(
                "pending",
                plan.get("plan_id"),
                plan.get("thread_id"),
                None,
                f"a request with the same idempotency key is already pending as plan {state['duplicate_of']}",
            )
        if status in ("approved", "executing"):  # pragma: no cover - only when the graph stopped mid-way
            status = "pending"
        if status == "replayed":
            try:
                original = self.plans.get(state["duplicate_of"]) if state.get("duplicate_of") else None
            except B24PlanError:
                original = None
            return SubmitResult(
                "replayed",
                original.plan_id if original else None,
                original.thread_id if original else None,
                state.get("result"),
            )
        return SubmitResult(
            status,
            plan_id if plan else None,
            thread_id if plan else None,
            state.get("result"),
            state.get("error"),
        )

    def submit(
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
        """Gate one call (or a `batch`): reads run now; writes become a pending plan awaiting review."""
        plan_id = new_plan_id()
        thread_id = thread_id or f"b24-{plan_id}"
        self._ensure_free_thread(thread_id)
        request = {
            "kind": "batch" if method.strip().lower() == "batch" else "call",
            "method": method,
            "params": dict(params or {}),
            "idempotency_key": idempotency_key,
            "requested_by": requested_by,
            "confirm_write": confirm_write,
            "confirm_destructive": confirm_destructive,
            "plan_id": plan_id,
            "thread_id": thread_id,
            "ttl_sec": ttl_sec,
            "runner": "local",
        }
        res = self._run({"request": request}, thread_id, plan_id)
        if res.status == "pending" and res.error is None and (confirm_write or confirm_destructive):
            # the caller is a person who confirmed on the spot (`b24 call --confirm-write`): that is the review,
            # unless plans are required (B24_REQUIRE_PLAN), in which case the plan waits for a reviewer.
            plan = self.plans.get(res.plan_id or "")
            covered = confirm_destructive if plan.risk == "destructive" else True
            if covered and not getattr(self.engine.policy, "require_plan", False):
                return self.approve(plan.plan_id, reviewer=f"{requested_by} (confirmed)")
        return res

    def submit_bulk(
        self,
        method: str,
        records: Sequence[dict[str, Any]],
        *,
        requested_by: str = "agent",
        idempotency_prefix: str | None = None,
        thread_id: str | None = None,
        ttl_sec: int | None = None,
        confirm_write: bool = False,
        confirm_destructive: bool = False,
        on_progress: ProgressHook | None = None,
    ) -> SubmitResult:
        """One reviewable plan for many records (sample + counts; the full list is an artifact in the store).

        With `confirm_write` (a person confirming on the spot) the plan is approved and executed at once, unless
        plans are required (B24_REQUIRE_PLAN); `on_progress` then receives a `BulkProgress` after every chunk.
        """
        plan_id = new_plan_id()
        thread_id = thread_id or f"b24-{plan_id}"
        self._ensure_free_thread(thread_id)
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
        res = self._run({"request": request}, thread_id, plan_id)
        if res.status == "pending" and res.error is None and (confirm_write or confirm_destructive):
            plan = self.plans.get(res.plan_id or "")
            covered = confirm_destructive if plan.risk == "destructive" else True
            if covered and not getattr(self.engine.policy, "require_plan", False):
                return self.approve(
                    plan.plan_id, reviewer=f"{requested_by} (confirmed)", on_progress=on_progress
                )
        return res

    def _ensure_free_thread(self, thread_id: str) -> None:
        if thread_id.startswith("b24-pl_"):
            return  # a fresh per-plan thread
        snap = self.graph.get_state(self._config(thread_id))
        if snap.interrupts:
            raise B24PlanError(
                f"thread {thread_id!r} already waits for a review",
                reason="thread_busy",
                hint="decide its plan first, or submit on another thread_id",
            )

    # ------------------------------------------------------------------ reading
    def get_plan(self, plan_id: str) -> Plan:
        plan = self.plans.get(plan_id)
        if plan.status == "pending" and time.time() > plan.expires_at:
            plan.status = "expired"
        return plan

    def list_plans(self, status: str | Sequence[str] | None = None) -> list[Plan]:
        """Plans from the store index (all processes), oldest first; `status` filters."""
        wanted = [status] if isinstance(status, str) else (list(status) if status else None)
        query = None
        if wanted is not None:
            query = sorted(set(wanted) | ({"pending"} if "expired" in wanted else set()))
        plans = []
        for plan in self.plans.search(query):
            if plan.status == "pending" and time.time() > plan.expires_at:
                plan.status = "expired"
            if wanted is None or plan.status in wanted:
                plans.append(plan)
        return plans

    def list_pending(
        self,
        *,
        risk: str | None = None,
        pack: str | None = None,
        method: str | None = None,
        requested_by: str | None = None,
        older_than: float | None = None,
    ) -> list[Plan]:
        """Plans waiting for a decision (not expired), across every thread; from the store, not checkpoints."""
        flt: dict[str, Any] = {}
        if risk:
            flt["risk"] = risk
        if method:
            flt["method"] = method.lower()
        if requested_by:
            flt["requested_by"] = requested_by
        if pack:
            flt["pack"] = pack
        now = time.time()
        out = []
        for plan in self.plans.search(["pending"], **flt):
            if now > plan.expires_at:
                continue
            if older_than is not None and now - plan.created_at < float(
                getattr(older_than, "total_seconds", lambda: older_than)()
            ):
                continue
            out.append(plan)
        return out

    def show(self, plan_id: str) -> PlanView:
        """The plan, a readable summary, the diff against the original when edited, and its audit events."""
        plan = self.get_plan(plan_id)
        diff = diff_params(plan.original_params, plan.params) if plan.original_params is not None else []
        lines = [
            plan.summary,
            f"status: {plan.status}" + (f" (by {plan.decided_by})" if plan.decided_by else ""),
        ]
        if plan.error:
            lines.append(f"error: {plan.error}")
        if plan.evidence:
            lines.append(f"evidence: {plan.evidence}")
        sample = (plan.bulk or {}).get("sample") if plan.kind == "bulk" else None
        if plan.status == "pending" and plan.runner == "local":
            snap = self.graph.get_state(self._config(plan.thread_id))
            plan.interrupt_id = snap.interrupts[0].id if snap.interrupts else None
        return PlanView(
            plan=plan,
            summary="\n".join(lines),
            calls=plan.calls,
            params=plan.params,
            diff=diff,
            events=self.audit.events(plan_id=plan_id),
            hitl_request=hitl_request(plan) if plan.status in ("pending", "expired") else None,
            sample=sample,
        )

    def bulk_records(self, plan_id: str) -> list[dict[str, Any]]:
        """The full record list of a bulk plan (the artifact the reviewer approves)."""
        return self.engine.load_bulk_records(plan_id)

    # ------------------------------------------------------------------ deciding
    def approve(
        self, plan_id: str, *, reviewer: str, on_progress: ProgressHook | None = None
    ) -> SubmitResult:
        """Approve and execute (exactly once). Raises `B24PlanError` when someone else decided first.

        `on_progress` receives a `BulkProgress` as a bulk plan's chunks finish (never stored anywhere).
        """
        with progress_hook(on_progress):
            return self._decide(plan_id, {"type": "approve"}, reviewer)

    def edit(self, plan_id: str, params: dict[str, Any], *, reviewer: str) -> SubmitResult:
        """Replace the params (re-validated against the catalog, re-checked by the policy, new hash), then execute."""
        return self._decide(
            plan_id, {"type": "edit", "edited_action": {"name": None, "args": params}}, reviewer
        )

    def reject(self, plan_id: str, reason: str, *, reviewer: str) -> SubmitResult:
        """Reject with a reason; the plan never executes."""
        return self._decide(plan_id, {"type": "reject", "message": reason}, reviewer)

    def respond(self, plan_id: str, message: str, *, reviewer: str) -> SubmitResult:
        """Answer instead of executing (HITL `respond`): the plan ends unexecuted with the message as result."""
        return self._decide(plan_id, {"type": "respond", "message": message}, reviewer)

    def decide(
        self,
        plan_id: str,
        decision: dict[str, Any],
        *,
        reviewer: str,
        on_progress: ProgressHook | None = None,
    ) -> SubmitResult:
        """Apply a raw HITL decision (`{"type": "approve" | "edit" | "reject" | "respond", ...}`)."""
        with progress_hook(on_progress):
            return self._decide(plan_id, dict(decision), reviewer)

    def _decide(self, plan_id: str, decision: dict[str, Any], reviewer: str) -> SubmitResult:
        plan, decision = self._claim_decision(plan_id, decision, reviewer)
        return self._resume(plan, decision)

    def _claim_decision(
        self, plan_id: str, decision: dict[str, Any], reviewer: str
    ) -> tuple[Plan, dict[str, Any]]:
        """Validate, record the decision, and win the plan's compare-and-set (or raise naming the winner)."""
        plan = self.plans.get(plan_id)
        if plan.status != "pending":
            raise B24PlanError(
                f"plan {plan_id} was already {plan.status}"
                + (f" by {plan.decided_by}" if plan.decided_by else ""),
                plan_id=plan_id,
                reason="already_decided",
                hint="see `b24 review show " + plan_id + "`",
            )
        if plan.runner not in ("local", "agent", "engine"):
            raise B24PlanError(
                f"plan {plan_id} waits on LangGraph server thread {plan.thread_id}; decide it there",
                plan_id=plan_id,
                reason="remote_thread",
                hint="langgraph_sdk: client.runs.wait(thread_id, 'executor', command={'resume': "
                "{interrupt_id: {'decisions': [{'type': 'approve', 'reviewer': NAME}]}}})",
            )
        ref = uuid.uuid4().hex
        decision = {**decision, "reviewer": reviewer, "ref": ref}
        if time.time() > plan.expires_at:
            decision = {"type": "reject", "message": "expired", "reviewer": reviewer, "ref": ref}
            if not self.plans.transition(
                plan_id, ["pending"], "expired", owner=reviewer, ref=ref, decision=decision
            ):
                self._raise_conflict(plan_id)
            return plan, decision
        new_hash = None
        if decision["type"] == "edit":
            args = decision["edited_action"]["args"]
            _, _, new_hash = self.engine.prepare_edit(
                plan, args
            )  # raises B24ValidationError / B24PolicyError
            decision["edited_action"]["name"] = plan.method
        if not self.plans.transition(
            plan_id,
            ["pending"],
            _TO_STATUS[decision["type"]],
            owner=reviewer,
            ref=ref,
            hash=new_hash,
            decision=decision,
        ):
            self._raise_conflict(plan_id)
        return plan, decision

    def _raise_conflict(self, plan_id: str) -> None:
        row = self.plans.row(plan_id) or {}
        raise B24PlanError(
            f"plan {plan_id} was already {row.get('status')} by {row.get('owner')}",
            plan_id=plan_id,
            reason="already_decided",
            hint="another reviewer decided first; nothing was changed",
        )

    def _resume(self, plan: Plan, decision: dict[str, Any]) -> SubmitResult:
        if plan.runner == "agent":
            return self._resume_agent(plan, decision)
        if plan.runner == "engine":
            return self._run_in_engine(plan, decision)
        cfg = self._config(plan.thread_id)
        snap = self.graph.get_state(cfg)
        if not snap.interrupts and snap.next:
            # the thread stopped between steps (a crash, or a state update): run it up to its interrupt
            self.graph.invoke(None, cfg, version="v2", durability="sync")
            snap = self.graph.get_state(cfg)
        if not snap.interrupts:
            if snap.next:
                return self._run(None, plan.thread_id, plan.plan_id)
            final = self.plans.get(plan.plan_id)
            return SubmitResult(
                _result_status(final.status), final.plan_id, final.thread_id, final.result, final.error
            )
        target = snap.interrupts[0].id
        return self._run(Command(resume={target: {"decisions": [decision]}}), plan.thread_id, plan.plan_id)

    # ------------------------------------------------------------------ recovery
    def resume(self, plan_id: str, *, on_progress: ProgressHook | None = None) -> SubmitResult:
        """Finish a plan whose process died after the decision (or mid-execution); safe to call repeatedly.

        A resumed bulk job reports `on_progress` from the count its earlier run had already finished.
        """
        with progress_hook(on_progress):
            return self._resume_plan(plan_id)

    def _resume_plan(self, plan_id: str) -> SubmitResult:
        plan = self.plans.get(plan_id)
        row = self.plans.row(plan_id) or {}
        if plan.status == "pending":
            return SubmitResult("pending", plan.plan_id, plan.thread_id)
        if plan.runner in ("agent", "engine") and plan.status not in FINAL:
            decision = self.plans.load_decision(plan_id) or {"type": "approve", "ref": row.get("ref")}
            return self._resume(plan, decision)
        snap = self.graph.get_state(self._config(plan.thread_id))
        if snap.interrupts and row.get("ref"):
            decision = self.plans.load_decision(plan_id) or {
                "type": "reject" if plan.status in ("rejected", "expired") else "approve",
                "reviewer": row.get("owner"),
                "ref": row["ref"],
            }
            return self._run(
                Command(resume={snap.interrupts[0].id: {"decisions": [decision]}}),
                plan.thread_id,
                plan.plan_id,
            )
        if snap.next:
            return self._run(None, plan.thread_id, plan.plan_id)
        final = self.plans.get(plan_id)
        return SubmitResult(
            _result_status(final.status), final.plan_id, final.thread_id, final.result, final.error
        )

    def recover(self, *, stale_after: float = 60.0) -> list[SubmitResult]:
        """Resume decided plans that have not finished (their process died); returns their results.

        Only plans whose status row has not moved for `stale_after` seconds are touched, so a plan still being
        executed by a live process (bulk jobs refresh their row every chunk) is left alone. The ledger makes a
        second executor harmless anyway; this only avoids needless reconciliation.
        """
        cutoff = time.time() - stale_after
        rows = self.plans.table.keys("plan", ["approved", "executing"])
        return [
            self.resume(key)
            for key, row in sorted(rows.items(), key=lambda kv: kv[1]["updated_at"])
            if row["updated_at"] <= cutoff
        ]

    def sweep_expired(self) -> list[str]:
        """Move overdue pending plans to `expired` (ending their threads); returns their ids."""
        out = []
        for plan in self.plans.search(["pending"]):
            if time.time() > plan.expires_at:
                try:
                    self._decide(plan.plan_id, {"type": "reject", "message": "expired"}, "expiry")
                    out.append(plan.plan_id)
                except B24PlanError:
                    continue
        return out

    def resolve(self, plan_id: str, *, happened: bool, reviewer: str, result: Any = None) -> SubmitResult:
        """Settle an `unknown_outcome` plan after checking the portal: it happened (record it) or it did not."""
        plan = self.plans.get(plan_id)
        if plan.status != "unknown_outcome" or plan.kind == "bulk":
            raise B24PlanError(
                f"plan {plan_id} is {plan.status}; only single/batch unknown_outcome plans resolve",
                plan_id=plan_id,
                reason="not_unknown",
            )
        to = "executed" if happened else "failed"
        if not self.plans.transition(plan_id, ["unknown_outcome"], to, owner=reviewer):
            self._raise_conflict(plan_id)
        if happened:
            self.ledger.complete(plan.idempotency_key, result, how=f"resolved by {reviewer}")
            error = None
        else:
            self.ledger.release(plan.idempotency_key)
            error = f"{reviewer} confirmed it did not happen; submit it again to retry"
        self.plans.update(plan_id, result=result, error=error)
        self.audit.emit(
            "decision",
            actor=reviewer,
            method=plan.method,
            plan_id=plan_id,
            decision="resolve",
            idempotency_key=plan.idempotency_key,
            outcome=to,
            error=error,
        )
        return SubmitResult(_result_status(to), plan_id, plan.thread_id, result, error)

    # ------------------------------------------------------------------ agent and engine plans
    def _run_in_engine(self, plan: Plan, decision: dict[str, Any]) -> SubmitResult:
        """A plan with no graph thread (submitted with `submit_calls`): the engine applies and executes here."""
        out = self.engine.apply_decision(plan, decision)
        if out["status"] == "approved":
            out = self.engine.execute(Plan.from_dict(out["plan"]))
        if out["status"] == "conflict":
            raise B24PlanError(
                out.get("error") or "plan already decided", plan_id=plan.plan_id, reason="already_decided"
            )
        return SubmitResult(
            _result_status(out["status"]), plan.plan_id, plan.thread_id, out.get("result"), out.get("error")
        )

    def _resume_agent(self, plan: Plan, decision: dict[str, Any]) -> SubmitResult:
        """Resume the agent thread that asked: on its LangGraph server, through the configured agent graph, or
        not at all (the decision waits in the store for `resume_decided`)."""
        from ._resume import load_agent_graph, resume_decided, resume_on_server

        info = plan.agent or {}
        note = None
        try:
            if info.get("server_url") and info.get("assistant_id"):
                resume_on_server(plan, decision)
            elif self.agent_graph is not None:
                if isinstance(self.agent_graph, str):
                    self.agent_graph = load_agent_graph(
                        self.agent_graph, checkpointer=self.checkpointer, store=None
                    )
                resume_decided(self.agent_graph, plan.thread_id, approvals=self)
            else:
                note = (
                    f"decision recorded; it runs when agent thread {plan.thread_id} resumes "
                    "(resume_decided(agent, thread_id), or set B24_AGENT_GRAPH for reviewers to resume it)"
                )
        except Exception as exc:  # noqa: BLE001 - the decision stands; report where the resume stopped
            note = f"decision recorded; resuming agent thread {plan.thread_id} stopped: {type(exc).__name__}: {exc}"
        final = self.plans.get(plan.plan_id)
        status = (
            final.status
            if final.status in FINAL
            else ("pending" if final.status == "pending" else "approved")
        )
        error = final.error if status in FINAL else note
        return SubmitResult(status, final.plan_id, final.thread_id, final.result, error)  # type: ignore[arg-type]


def _result_status(status: str) -> Any:
    return status if status in FINAL or status == "pending" else "pending"
