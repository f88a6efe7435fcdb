"""The work behind the graph's nodes: gate a request, build a plan, apply a decision, execute exactly once.

Nodes stay thin (see `_graph.py`); everything here is plain Python over the client, the policy, the catalog, the
plan index, the idempotency ledger and the audit log, so it can be tested and reused without a graph. Execution
(ledger claim → call → completion, reconciliation, bulk chunks) lives in `_execute.py`.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from typing import Any

from .._errors import B24Error, B24PlanError, B24PolicyError, B24ValidationError
from .._redact import redact
from ..client._phpquery import decode, encode
from . import _reconcile as rec
from ._audit import AuditLog
from ._execute import ExecutionMixin
from ._execute import elapsed_ms as _ms
from ._execute import error_text as _err
from ._execute import plain as _plain
from ._ledger import Ledger
from ._models import Plan, derive_idempotency_key, new_plan_id, params_hash, summarize
from ._persistence import BufferedStore, StatusTable
from ._plans import PlanIndex, bulk_ns

__all__ = ["Engine", "Outcome"]

Outcome = dict[str, Any]  # {"status", "result", "error", "plan"?}
StageHook = Callable[[str, str], None]


def decode_batch(params: dict[str, Any]) -> list[dict[str, Any]]:
    """`{"cmd": {name: "method?query" | [method, params] | {"method","params"}}}` → calls."""
    cmd = params.get("cmd")
    if not isinstance(cmd, dict) or not cmd:
        raise B24ValidationError(
            "batch needs a non-empty 'cmd' object of name → 'method?query'",
            hint='e.g. {"cmd": {"a": "crm.lead.add?fields[TITLE]=X"}}',
            method="batch",
        )
    if len(cmd) > 50:
        raise B24ValidationError(
            f"batch has {len(cmd)} commands; at most 50 are allowed",
            hint="split it, or submit a bulk job",
            method="batch",
        )
    calls = []
    for name, value in cmd.items():
        if isinstance(value, str):
            method, _, query = value.partition("?")
            inner = decode(query) if query else {}
        elif isinstance(value, list | tuple) and len(value) == 2:
            method, inner = value[0], dict(value[1] or {})
        elif isinstance(value, dict) and "method" in value:
            method, inner = value["method"], dict(value.get("params") or {})
        else:
            raise B24ValidationError(f"batch command {name!r} is not 'method?query'", method="batch")
        calls.append({"name": str(name), "method": str(method).strip().lower(), "params": inner})
    return calls


def encode_batch(calls: list[dict[str, Any]], halt: Any = 0) -> dict[str, Any]:
    cmd = {c["name"]: c["method"] + ("?" + encode(c["params"]) if c["params"] else "") for c in calls}
    return {"halt": halt, "cmd": cmd}


class Engine(ExecutionMixin):
    """Gate, plan, decide and execute — the behaviour of the approval graph."""

    def __init__(
        self,
        client: Any,
        *,
        policy: Any,
        store: Any,
        table: Any = None,
        plan_ttl_sec: int = 3 * 24 * 3600,
        idempotency_ttl_sec: int = 86400,
        actor: str = "b24-tools",
        bulk_chunk_size: int = 50,
        bulk_sample_size: int = 5,
        on_stage: StageHook | None = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.table = table or StatusTable.for_store(store)
        self.store = BufferedStore(store)  # puts of one step go out as one batch
        self.plans = PlanIndex(self.store, self.table)
        self.ledger = Ledger(self.store, table=self.table, ttl_sec=idempotency_ttl_sec)
        self.audit = AuditLog(self.store, actor=actor, policy=policy, client=client)
        self.plan_ttl_sec = plan_ttl_sec
        self.bulk_chunk_size = max(1, min(50, bulk_chunk_size))
        self.bulk_sample_size = bulk_sample_size
        self.on_stage = on_stage

    @classmethod
    def from_settings(cls, settings: Any = None, **kw: Any) -> Engine:
        """An engine over the configured store, kept open for the life of the process (see `_settings_built`)."""
        from ._settings_built import engine_from_settings

        return engine_from_settings(settings, **kw)

    # ------------------------------------------------------------------ validation
    def _spec(self, method: str) -> Any:
        try:
            from ..catalog import get_catalog
        except ImportError:  # pragma: no cover - catalog lands separately
            return None
        try:
            return get_catalog().get(method)
        except Exception:
            return None

    def _validate(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        spec = self._spec(method)
        if spec is None or not hasattr(spec, "validate_params"):
            return params
        return spec.validate_params(params)

    def _check(
        self,
        method: str,
        params: dict[str, Any],
        *,
        confirm_write: bool = False,
        confirm_destructive: bool = False,
    ) -> Any:
        """Packs/allowlist/require-plan gates; the review itself is the write/destructive confirmation."""
        return self.policy.check(method, params, confirm_write=True, confirm_destructive=True, via_plan=True)

    def validated_calls(
        self,
        kind: str,
        method: str,
        params: dict[str, Any],
        key: str,
        *,
        confirm_write: bool = False,
        confirm_destructive: bool = False,
    ) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
        """Validate + policy-check one call or a batch; returns (assessment, stamped calls, stamped params)."""
        if kind == "batch":
            calls = decode_batch(params)
            stamped = []
            for call in calls:
                inner = self._validate(call["method"], call["params"])
                origin = rec.origin_id_for(f"{key}#{call['name']}")
                stamped.append({**call, "params": rec.stamp(call["method"], inner, origin)})
            out_params = encode_batch(stamped, params.get("halt", 0))
            assessment = self._check(
                "batch", out_params, confirm_write=confirm_write, confirm_destructive=confirm_destructive
            )
            return assessment, stamped, out_params
        clean = self._validate(method, params)
        assessment = self._check(
            method, clean, confirm_write=confirm_write, confirm_destructive=confirm_destructive
        )
        stamped_params = rec.stamp(method, clean, rec.origin_id_for(key))
        return assessment, [{"name": None, "method": method, "params": stamped_params}], stamped_params

    # ------------------------------------------------------------------ gate + plan
    def gate(self, request: dict[str, Any]) -> Outcome:
        """Policy gate: refuse, run a read at once, replay a finished key, or build + record a plan."""
        with self.store.buffered():
            return self._gate(request)

    def _gate(self, request: dict[str, Any]) -> Outcome:
        kind = request.get("kind") or ("batch" if request["method"].lower() == "batch" else "call")
        method = request["method"].strip().lower()
        params = dict(request.get("params") or {})
        actor = request.get("requested_by") or "agent"
        try:
            if kind == "bulk":
                return self._gate_bulk(request, method, actor)
            _refuse_secrets(method, params)
            key = request.get("idempotency_key") or derive_idempotency_key(method, params)
            assessment, calls, stamped = self.validated_calls(
                kind,
                method,
                params,
                key,
                confirm_write=bool(request.get("confirm_write")),
                confirm_destructive=bool(request.get("confirm_destructive")),
            )
        except (B24ValidationError, B24PolicyError) as exc:
            self.audit.emit(
                "refused", actor=actor, method=method, params=params, outcome="refused", error=_err(exc)
            )
            return {"status": "refused", "error": _err(exc)}
        risk = getattr(assessment, "risk", "write")
        if risk == "read":
            return self._run_read(kind, method, params, calls, actor)
        # replay: this key already ran
        claim = self.ledger.lookup(key)
        if claim is not None and claim.state == "done":
            self.audit.emit(
                "replay",
                actor=actor,
                method=method,
                risk=risk,
                params=stamped,
                idempotency_key=key,
                plan_id=claim.owner,
                outcome="replayed",
            )
            return {"status": "replayed", "result": claim.result, "duplicate_of": claim.owner}
        existing = self._pending_with_key(key)
        if existing is not None:
            return {"status": "pending", "plan": existing.to_dict(), "duplicate_of": existing.plan_id}
        plan = self._new_plan(request, kind, method, calls, stamped, key, assessment, actor)
        self.plans.create(plan)
        self._hold_key(key, plan.plan_id)
        self.audit.emit(
            "plan",
            actor=actor,
            method=method,
            risk=risk,
            params=stamped,
            plan_id=plan.plan_id,
            idempotency_key=key,
            outcome="pending",
        )
        return {"status": "pending", "plan": plan.to_dict()}

    def _pending_with_key(self, key: str) -> Plan | None:
        """The pending plan holding this idempotency key (a primary-key lookup, not a scan)."""
        row = self.table.get("pkey", key)
        if row is None or not row.get("owner"):
            return None
        owner = self.plans.row(row["owner"]) or {}
        if owner.get("status") != "pending":
            return None
        plan = self.plans.get(row["owner"])
        return None if plan.expired else plan

    def _hold_key(self, key: str, plan_id: str) -> None:
        if not self.table.create("pkey", key, "pending", owner=plan_id):
            self.table.transition("pkey", key, ["pending"], "pending", owner=plan_id)

    def _new_plan(
        self,
        request: dict[str, Any],
        kind: str,
        method: str,
        calls: list[dict[str, Any]],
        params: dict[str, Any],
        key: str,
        assessment: Any,
        actor: str,
        *,
        bulk: dict[str, Any] | None = None,
        phash: str | None = None,
    ) -> Plan:
        now = time.time()
        plan_id = request.get("plan_id") or new_plan_id()
        risk = getattr(assessment, "risk", "write")
        spec = self._spec(method)
        return Plan(
            plan_id=plan_id,
            thread_id=request.get("thread_id") or f"b24-{plan_id}",
            kind=kind,  # type: ignore[arg-type]
            calls=calls,
            method=method,
            params=params,
            risk=risk,
            scopes=sorted(getattr(assessment, "scopes", None) or []),
            params_hash=phash or params_hash(kind, calls, key),
            idempotency_key=key,
            created_at=now,
            expires_at=now + float(request.get("ttl_sec") or self.plan_ttl_sec),
            requested_by=actor,
            summary=summarize(kind, method, calls, risk, total=(bulk or {}).get("total")),
            bulk=bulk,
            pack=getattr(spec, "pack", None),
            runner=request.get("runner") or "server",
            agent=request.get("agent"),
        )

    def _gate_bulk(self, request: dict[str, Any], method: str, actor: str) -> Outcome:
        plan_id = request.get("plan_id") or new_plan_id()
        request = {**request, "plan_id": plan_id}
        records = request.get("records")
        if records is None and request.get("records_ref"):
            records = self.load_bulk_records(request["records_ref"])
        records = list(records or [])
        if not records:
            raise B24ValidationError("a bulk job needs at least one record", method=method)
        clean = []
        for i, record in enumerate(records):
            _refuse_secrets(method, record, where=f"record {i}")
            try:
                clean.append(self._validate(method, dict(record)))
            except B24ValidationError as exc:
                raise B24ValidationError(f"record {i}: {exc.message}", hint=exc.hint, method=method) from exc
        assessment = self._check(
            method,
            clean[0],
            confirm_write=bool(request.get("confirm_write")),
            confirm_destructive=bool(request.get("confirm_destructive")),
        )
        risk = getattr(assessment, "risk", "write")
        if risk == "read":
            raise B24ValidationError(
                f"{method} is a read; bulk jobs are for writes",
                method=method,
                hint="use iter_list / export for reads",
            )
        prefix = request.get("idempotency_prefix") or derive_idempotency_key(method, clean).replace(
            "auto:", "bulk:"
        )
        stamped = [rec.stamp(method, r, rec.origin_id_for(f"{prefix}:{i}")) for i, r in enumerate(clean)]
        chunks = [stamped[i : i + self.bulk_chunk_size] for i in range(0, len(stamped), self.bulk_chunk_size)]
        for n, chunk in enumerate(chunks):
            self.store.put(
                bulk_ns(plan_id),
                f"{n:06d}",
                {"records": chunk, "offset": n * self.bulk_chunk_size},
                index=False,
            )
        sample = stamped[: self.bulk_sample_size]
        bulk = {
            "total": len(stamped),
            "chunk_size": self.bulk_chunk_size,
            "chunks": len(chunks),
            "sample": sample,
            "artifact": list(bulk_ns(plan_id)),
            "prefix": prefix,
            "done": 0,
            "failed": 0,
            "unknown": 0,
        }
        phash = params_hash(
            "bulk", [{"name": None, "method": method, "params": {"records": stamped}}], prefix
        )
        calls = [{"name": str(i), "method": method, "params": r} for i, r in enumerate(sample)]
        plan = self._new_plan(
            request,
            "bulk",
            method,
            calls,
            {"records_total": len(stamped)},
            prefix,
            assessment,
            actor,
            bulk=bulk,
            phash=phash,
        )
        self.plans.create(plan)
        self.audit.emit(
            "plan",
            actor=actor,
            method=method,
            risk=risk,
            params={"records_total": len(stamped), "sample": sample},
            plan_id=plan.plan_id,
            idempotency_key=prefix,
            outcome="pending",
        )
        return {"status": "pending", "plan": plan.to_dict()}

    def load_bulk_records(self, plan_id: str) -> list[dict[str, Any]]:
        items = sorted(self.store.search(bulk_ns(plan_id), limit=100000), key=lambda it: it.key)
        return [r for it in items for r in it.value.get("records", [])]

    def _run_read(
        self, kind: str, method: str, params: dict[str, Any], calls: list[dict[str, Any]], actor: str
    ) -> Outcome:
        started = time.perf_counter()
        try:
            if kind == "batch":
                answer = self.client.batch(
                    {c["name"]: (c["method"], c["params"]) for c in calls}, halt=bool(params.get("halt"))
                )
            else:
                answer = self.client.call(method, params)
        except B24Error as exc:
            self.audit.emit(
                "error",
                actor=actor,
                method=method,
                risk="read",
                params=params,
                outcome="error",
                error=_err(exc),
                duration_ms=_ms(started),
            )
            return {"status": "failed", "error": _err(exc)}
        self.audit.emit(
            "read",
            actor=actor,
            method=method,
            risk="read",
            params=params,
            outcome="ok",
            duration_ms=_ms(started),
        )
        return {"status": "executed", "result": _plain(answer)}

    # ------------------------------------------------------------------ decisions
    def prepare_edit(self, plan: Plan, args: object) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
        """Re-validate + re-check an edited action; returns (calls, params, new hash). Raises on refusal."""
        if plan.kind == "bulk":
            raise B24PlanError(
                "bulk plans cannot be edited; reject and submit a corrected job",
                plan_id=plan.plan_id,
                reason="edit_unsupported",
            )
        if not isinstance(args, dict):
            raise B24ValidationError("edited params must be a JSON object", method=plan.method)
        _refuse_secrets(plan.method, args)
        _, calls, params = self.validated_calls(
            plan.kind, plan.method, copy.deepcopy(args), plan.idempotency_key
        )
        return calls, params, params_hash(plan.kind, calls, plan.idempotency_key)

    def apply_decision(self, plan: Plan, decision: dict[str, Any], *, task_ref: str | None = None) -> Outcome:
        """Record a reviewer's decision (CAS on the plan status) and say where the graph goes next.

        `task_ref` identifies the graph task deciding for a graph client (no `ref` of its own): a re-run of that
        task after a crash recognises its own earlier win instead of reporting a conflict.
        """
        with self.store.buffered():
            return self._apply_decision(plan, decision, task_ref)

    def _apply_decision(self, plan: Plan, decision: dict[str, Any], task_ref: str | None) -> Outcome:
        ref = decision.get("ref")
        reviewer = str(decision.get("reviewer") or "graph-client")
        kind = decision["type"]
        row = self.plans.row(plan.plan_id) or {}
        if ref is None and task_ref and row.get("ref") == task_ref:
            ref = task_ref  # this task already won the compare-and-set before a crash
        if ref is not None:
            # the reviewer API already won the compare-and-set; check it is this decision
            if row.get("ref") != ref:
                return {
                    "status": "conflict",
                    "error": f"plan {plan.plan_id} was decided by {row.get('owner')}",
                }
            status = row["status"]
            if status == "expired":
                return self._finish_expired(plan, reviewer)
            if kind == "edit":
                calls, params, new_hash = self.prepare_edit(
                    plan, (decision.get("edited_action") or {}).get("args")
                )
                if new_hash != row.get("hash"):
                    return self._tampered(
                        plan, "the edited params differ from the ones the reviewer approved"
                    )
                plan = self._edited(plan, calls, params, new_hash)
        else:
            if row.get("status") != "pending":
                return {
                    "status": "conflict",
                    "error": f"plan {plan.plan_id} is already {row.get('status')} "
                    f"(decided by {row.get('owner')})",
                }
            if time.time() > plan.expires_at:
                self.plans.transition(plan.plan_id, ["pending"], "expired", owner="expiry")
                return self._finish_expired(plan, reviewer)
            new_hash = None
            if kind == "edit":
                try:
                    calls, params, new_hash = self.prepare_edit(
                        plan, (decision.get("edited_action") or {}).get("args")
                    )
                except (B24ValidationError, B24PolicyError, B24PlanError) as exc:
                    self.audit.emit(
                        "edit_refused",
                        actor=reviewer,
                        method=plan.method,
                        plan_id=plan.plan_id,
                        decision="edit",
                        error=_err(exc),
                    )
                    return {"status": "review_again", "note": f"edit refused: {_err(exc)}"}
            to = {"approve": "approved", "edit": "approved", "reject": "rejected", "respond": "rejected"}[
                kind
            ]
            won_ref = task_ref or uuid.uuid4().hex
            if not self.plans.transition(
                plan.plan_id,
                ["pending"],
                to,
                owner=reviewer,
                ref=won_ref,
                hash=new_hash,
                decision={**decision, "reviewer": reviewer, "ref": won_ref},
            ):
                row = self.plans.row(plan.plan_id) or {}
                return {
                    "status": "conflict",
                    "error": f"plan {plan.plan_id} was already decided by {row.get('owner')}",
                }
            if kind == "edit":
                plan = self._edited(plan, calls, params, new_hash)  # type: ignore[arg-type]
        plan.decided_by, plan.decision, plan.decided_at = reviewer, kind, time.time()
        if kind in ("reject", "respond"):
            message = decision.get("message") or ("rejected by reviewer" if kind == "reject" else "")
            plan.status, plan.reason = "rejected", message
            plan.result = {"message": message} if kind == "respond" else None
            plan.error = f"rejected by {reviewer}: {message}" if kind == "reject" else None
            self.plans.save(plan)
            self._audit_decision(plan, reviewer, kind, "rejected", error=plan.error)
            return {"status": "rejected", "plan": plan.to_dict(), "error": plan.error, "result": plan.result}
        plan.status = "approved"
        self.plans.save(plan)
        self._audit_decision(plan, reviewer, kind, "approved", params=plan.params)
        return {"status": "approved", "plan": plan.to_dict()}

    def _audit_decision(self, plan: Plan, reviewer: str, kind: str, outcome: str, **extra: Any) -> None:
        """One audit line per decision, with the plan's identity and the reviewer's name."""
        self.audit.emit(
            "decision",
            actor=reviewer,
            method=plan.method,
            risk=plan.risk,
            plan_id=plan.plan_id,
            idempotency_key=plan.idempotency_key,
            decision=kind,
            outcome=outcome,
            **extra,
        )

    def _edited(self, plan: Plan, calls: list[dict[str, Any]], params: dict[str, Any], new_hash: str) -> Plan:
        if plan.original_params is None:
            plan.original_params, plan.original_hash = plan.params, plan.params_hash
        plan.calls, plan.params, plan.params_hash = calls, params, new_hash
        plan.summary = summarize(plan.kind, plan.method, calls, plan.risk)
        return plan

    def _finish_expired(self, plan: Plan, actor: str) -> Outcome:
        plan.status = "expired"
        plan.error = f"plan expired at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(plan.expires_at))}; it was not executed"
        self.plans.save(plan)
        self.audit.emit(
            "expired",
            actor=actor,
            method=plan.method,
            risk=plan.risk,
            plan_id=plan.plan_id,
            idempotency_key=plan.idempotency_key,
            outcome="expired",
            error=plan.error,
        )
        return {"status": "expired", "plan": plan.to_dict(), "error": plan.error}

    def _tampered(self, plan: Plan, why: str) -> Outcome:
        self.plans.transition(plan.plan_id, ["pending", "approved", "executing"], "failed")
        plan.status, plan.error = "failed", f"tampered plan refused: {why}; nothing was executed"
        self.plans.save(plan)
        self.audit.emit(
            "error",
            method=plan.method,
            risk=plan.risk,
            plan_id=plan.plan_id,
            idempotency_key=plan.idempotency_key,
            outcome="tampered",
            error=plan.error,
        )
        return {"status": "failed", "plan": plan.to_dict(), "error": plan.error}


def _refuse_secrets(method: str, params: Any, *, where: str = "params") -> None:
    """Plans are stored and shown to reviewers: a secret inside the params is refused, never stored."""
    if redact(params) != params:
        raise B24ValidationError(
            f"{where} of {method} contain a secret (a webhook code, token or a secret-named key such as 'auth')",
            hint="remove it: the client adds authentication itself, and plans never store secrets",
            method=method,
        )
