"""Execution of an approved plan: ledger claim → call → ledger completion, reconciling lost answers.

A mixin of `Engine`: one call or one batch (`_execute_one`), or a bulk job in chunked batches with a ledger key per
record (`_execute_bulk`). A `B24UnknownOutcome` (the answer was lost) or a claim left by a crashed process is settled
by looking the entity up by its origin marker: found → recorded, provably absent → sent once more, otherwise the
plan is parked as `unknown_outcome` with the evidence. Never a silent duplicate, never a silent loss. A bulk job
reports a `BulkProgress` per chunk to the caller's hook (`_progress.py`), outside any stored state.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._errors import B24Error, B24TransportError, B24UnknownOutcome
from .._redact import redact, redact_text
from . import _reconcile as rec
from ._models import Plan, canonical_json, params_hash
from ._progress import BulkProgress, report_progress

__all__ = ["ExecutionMixin", "plain", "error_text", "elapsed_ms"]

Outcome = dict[str, Any]
_RECONCILE_RETRIES = 1


def _err(exc: BaseException) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}")


def _plain(value: Any) -> Any:
    """Client answers → plain JSON-able data (B24Response → .result; BatchResult → results/errors)."""
    if hasattr(value, "results") and hasattr(value, "errors"):
        return {
            "results": _plain(dict(value.results)),
            "errors": {k: str(e) for k, e in dict(value.errors).items()},
        }
    if hasattr(value, "result") and hasattr(value, "raw"):
        return _plain(value.result)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _retries(client: Any) -> int:
    stats = getattr(client, "stats", None)
    return int(getattr(stats, "retries", 0) or 0)


plain, error_text, elapsed_ms = _plain, _err, _ms


class ExecutionMixin:
    """Execution half of `Engine` (expects `client`, `plans`, `ledger`, `audit`, `store`, `on_stage`)."""

    client: Any
    plans: Any
    ledger: Any
    audit: Any
    store: Any
    on_stage: Any
    bulk_chunk_size: int

    if TYPE_CHECKING:  # provided by `Engine`, which mixes this class in

        def load_bulk_records(self, plan_id: str) -> list[dict[str, Any]]: ...

        def _tampered(self, plan: Plan, why: str) -> Outcome: ...

    # ------------------------------------------------------------------ execution
    def execute(self, plan: Plan) -> Outcome:
        """Execute an approved plan exactly once (claim → call → complete), reconciling earlier attempts."""
        with self.store.buffered():
            return self._execute(plan)

    def _execute(self, plan: Plan) -> Outcome:
        row = self.plans.row(plan.plan_id) or {}
        if row.get("status") not in ("approved", "executing"):
            return {
                "status": row.get("status") or "failed",
                "plan": plan.to_dict(),
                "error": f"plan {plan.plan_id} is {row.get('status')}; not executing",
            }
        if plan.kind == "bulk":
            records = self.load_bulk_records(plan.plan_id)
            actual = params_hash(
                "bulk",
                [{"name": None, "method": plan.method, "params": {"records": records}}],
                plan.idempotency_key,
            )
        else:
            actual = params_hash(plan.kind, plan.calls, plan.idempotency_key)
        if actual != row.get("hash"):
            return self._tampered(
                plan, "its calls no longer match the hash recorded when it was planned/decided"
            )
        if plan.kind == "bulk":
            outcome = self._execute_bulk(plan, records)
        else:
            outcome = self._execute_one(plan)
        status = outcome["status"]
        self.plans.transition(plan.plan_id, ["executing", "approved"], status)
        plan.status, plan.result, plan.error = status, outcome.get("result"), outcome.get("error")
        plan.evidence = outcome.get("evidence") or plan.evidence
        if plan.kind == "bulk" and isinstance(plan.result, dict):
            plan.bulk = {
                **(plan.bulk or {}),
                **{k: plan.result.get(k) for k in ("done", "failed", "unknown")},
            }
        self.plans.save(plan)
        return {**outcome, "plan": plan.to_dict()}

    def _stage(self, stage: str, plan_id: str) -> None:
        if self.on_stage is not None:
            self.on_stage(stage, plan_id)

    def _send(self, plan: Plan) -> Any:
        if plan.kind == "batch":
            return self.client.batch(
                {c["name"]: (c["method"], c["params"]) for c in plan.calls},
                halt=bool(plan.params.get("halt")),
            )
        call = plan.calls[0]
        return self.client.call(call["method"], call["params"], idempotency_key=plan.idempotency_key)

    def _reconcile(self, plan: Plan) -> rec.Found:
        if plan.kind == "batch":
            founds = [rec.lookup(self.client, c["method"], c["params"]) for c in plan.calls]
            states = {f.state for f in founds}
            evidence = {"commands": {c["name"]: f.evidence for c, f in zip(plan.calls, founds, strict=True)}}
            if states == {"found"}:
                return rec.Found(
                    "found",
                    {
                        "results": {c["name"]: f.result for c, f in zip(plan.calls, founds, strict=True)},
                        "errors": {},
                    },
                    evidence,
                )
            if states == {"absent"}:
                return rec.Found("absent", evidence=evidence)
            return rec.Found("unprovable", evidence=evidence)
        call = plan.calls[0]
        return rec.lookup(self.client, call["method"], call["params"])

    def _execute_one(self, plan: Plan) -> Outcome:
        key, actor = plan.idempotency_key, plan.decided_by or self.audit.actor
        base: dict[str, Any] = {
            "method": plan.method,
            "risk": plan.risk,
            "plan_id": plan.plan_id,
            "idempotency_key": key,
            "param_keys": sorted(plan.params) if isinstance(plan.params, dict) else [],
        }
        claim = self.ledger.claim(key, owner=plan.plan_id, method=plan.method)
        if claim.state == "done":
            self.audit.emit("replay", actor=actor, outcome="replayed", **base)
            return {"status": "executed", "result": claim.result, "replayed": True}
        if claim.state == "unknown":
            return {
                "status": "unknown_outcome",
                "evidence": claim.record.get("evidence"),
                "error": "an earlier attempt with this idempotency key has an unknown outcome; resolve it first",
            }
        if claim.state == "in_flight":
            if claim.owner != plan.plan_id:
                return {
                    "status": "failed",
                    "error": f"idempotency key {key} is being executed by plan {claim.owner}",
                }
            found = self._reconcile(plan)  # we crashed after claiming: did the write happen?
            self.audit.emit("reconcile", actor=actor, outcome=found.state, **base)
            if found.state == "found":
                self.ledger.complete(key, found.result, how="reconciled")
                return {"status": "executed", "result": found.result, "reconciled": True}
            if found.state == "unprovable":
                return self._park(
                    plan, found.evidence or {}, "resumed after a crash between claim and completion"
                )
        self._stage("claimed", plan.plan_id)
        attempts = 0
        while True:
            attempts += 1
            retries_before = _retries(self.client)
            started = time.perf_counter()
            self.audit.emit("call", actor=actor, params=plan.params, outcome="sent", **base)
            try:
                answer = self._send(plan)
            except B24UnknownOutcome as exc:
                self.audit.emit(
                    "error", actor=actor, outcome="unknown", error=_err(exc), duration_ms=_ms(started), **base
                )
                found = self._reconcile(plan)
                self.audit.emit("reconcile", actor=actor, outcome=found.state, **base)
                if found.state == "found":
                    self.ledger.complete(key, found.result, how="reconciled")
                    return {"status": "executed", "result": found.result, "reconciled": True}
                if found.state == "absent" and attempts <= _RECONCILE_RETRIES:
                    self.audit.emit(
                        "retry",
                        actor=actor,
                        outcome="retry",
                        error="write provably absent; resending",
                        **base,
                    )
                    continue
                return self._park(
                    plan, {**(found.evidence or {}), "error": _err(exc)}, "the portal's answer was lost"
                )
            except (B24TransportError, B24Error) as exc:
                # a definite refusal (API error) or a request that never left: nothing was written
                self.ledger.fail(key, _err(exc))
                self.audit.emit(
                    "error", actor=actor, outcome="error", error=_err(exc), duration_ms=_ms(started), **base
                )
                return {"status": "failed", "error": _err(exc)}
            break
        self._stage("called", plan.plan_id)
        result = _plain(answer)
        self.ledger.complete(key, result, owner=plan.plan_id)
        retried = _retries(self.client) - retries_before
        if retried > 0:
            self.audit.emit("retry", actor=actor, outcome=f"client retried {retried}x", **base)
        errors = result.get("errors") if plan.kind == "batch" and isinstance(result, dict) else None
        self.audit.emit(
            "result",
            actor=actor,
            outcome="ok" if not errors else "partial",
            duration_ms=_ms(started),
            error=canonical_json(errors) if errors else None,
            **base,
        )
        if errors:
            ok = len(result.get("results") or {})
            status = "failed" if not ok else "executed"
            return {
                "status": status,
                "result": result,
                "error": f"{len(errors)} of {len(plan.calls)} commands failed",
            }
        return {"status": "executed", "result": result}

    def _park(self, plan: Plan, evidence: dict[str, Any], why: str) -> Outcome:
        evidence = redact({**evidence, "why": why, "at": time.time()})
        self.ledger.park(plan.idempotency_key, evidence)
        self.audit.emit(
            "park",
            method=plan.method,
            risk=plan.risk,
            plan_id=plan.plan_id,
            idempotency_key=plan.idempotency_key,
            outcome="unknown_outcome",
            error=why,
        )
        return {
            "status": "unknown_outcome",
            "evidence": evidence,
            "error": f"outcome unknown ({why}); parked for the reviewer with evidence — not retried",
        }

    def _execute_bulk(self, plan: Plan, records: Sequence[dict[str, Any]]) -> Outcome:
        prefix, actor = plan.idempotency_key, plan.decided_by or self.audit.actor
        size = (plan.bulk or {}).get("chunk_size") or self.bulk_chunk_size
        done = failed = unknown = replayed = 0
        results: dict[str, Any] = {}
        errors: dict[str, str] = {}
        parked: dict[str, Any] = {}
        reported: BulkProgress | None = None

        def progress() -> None:
            # first report when the first record is about to be sent (so a resumed job starts from what it
            # had finished), then after every chunk; never the same counts twice
            nonlocal reported
            now = BulkProgress(
                plan.plan_id, done=done, total=len(records), failed=failed, replayed=replayed, unknown=unknown
            )
            if now != reported:
                reported = now
                report_progress(now)

        for start in range(0, len(records), size):
            todo: list[int] = []
            for i in range(start, min(start + size, len(records))):
                key = f"{prefix}:{i}"
                claim = self.ledger.claim(key, owner=plan.plan_id, method=plan.method)
                if claim.state == "done":
                    done += 1
                    replayed += 1
                    results[str(i)] = claim.result
                elif claim.state == "new":
                    todo.append(i)
                elif claim.state == "in_flight" and claim.owner == plan.plan_id:
                    found = rec.lookup(self.client, plan.method, records[i])
                    if found.state == "found":
                        self.ledger.complete(key, found.result, how="reconciled")
                        done += 1
                        results[str(i)] = found.result
                    elif found.state == "absent":
                        todo.append(i)
                    else:
                        self.ledger.park(key, redact(found.evidence or {}))
                        unknown += 1
                        parked[str(i)] = found.evidence
                else:
                    unknown += 1
                    parked[str(i)] = claim.record.get("evidence") or {"why": f"key held by {claim.owner}"}
            if todo:
                progress()
            attempt = 0
            while todo:
                attempt += 1
                self._stage("claimed", plan.plan_id)
                started = time.perf_counter()
                self.audit.emit(
                    "call",
                    actor=actor,
                    method=plan.method,
                    risk=plan.risk,
                    plan_id=plan.plan_id,
                    idempotency_key=f"{prefix}:{todo[0]}..{todo[-1]}",
                    outcome="sent",
                    params={"records": len(todo)},
                )
                try:
                    answer = self.client.call_many(plan.method, [records[i] for i in todo])
                except B24UnknownOutcome as exc:
                    retry = []
                    for i in todo:
                        found = rec.lookup(self.client, plan.method, records[i])
                        if found.state == "found":
                            self.ledger.complete(f"{prefix}:{i}", found.result, how="reconciled")
                            done += 1
                            results[str(i)] = found.result
                        elif found.state == "absent" and attempt <= _RECONCILE_RETRIES:
                            retry.append(i)
                        else:
                            self.ledger.park(
                                f"{prefix}:{i}", redact({**(found.evidence or {}), "error": _err(exc)})
                            )
                            unknown += 1
                            parked[str(i)] = found.evidence
                    self.audit.emit(
                        "reconcile",
                        actor=actor,
                        method=plan.method,
                        plan_id=plan.plan_id,
                        outcome=f"{len(todo) - len(retry)} settled, {len(retry)} resent",
                        error=_err(exc),
                    )
                    todo = retry
                    continue
                except B24Error as exc:
                    for i in todo:
                        self.ledger.fail(f"{prefix}:{i}", _err(exc))
                        errors[str(i)] = _err(exc)
                    failed += len(todo)
                    self.audit.emit(
                        "error",
                        actor=actor,
                        method=plan.method,
                        plan_id=plan.plan_id,
                        outcome="error",
                        error=_err(exc),
                        duration_ms=_ms(started),
                    )
                    break
                self._stage("called", plan.plan_id)
                res = dict(getattr(answer, "results", {}) or {})
                errs = dict(getattr(answer, "errors", {}) or {})
                for pos, i in enumerate(todo):
                    name = str(pos)
                    if name in res:
                        self.ledger.complete(f"{prefix}:{i}", _plain(res[name]))
                        results[str(i)] = _plain(res[name])
                        done += 1
                    else:
                        msg = redact_text(str(errs.get(name, "no result")))
                        self.ledger.fail(f"{prefix}:{i}", msg)
                        errors[str(i)] = msg
                        failed += 1
                self.audit.emit(
                    "result",
                    actor=actor,
                    method=plan.method,
                    risk=plan.risk,
                    plan_id=plan.plan_id,
                    idempotency_key=f"{prefix}:{todo[0]}..{todo[-1]}",
                    outcome=f"{len(todo) - len(errs)} ok, {len(errs)} failed",
                    duration_ms=_ms(started),
                )
                break
            plan.bulk = {**(plan.bulk or {}), "done": done, "failed": failed, "unknown": unknown}
            self.plans.save(plan)  # progress visible to reviewers while the job runs
            self.plans.transition(plan.plan_id, ["approved"], "approved")  # heartbeat: still alive
            if reported is not None:
                progress()
        progress()
        summary = {
            "total": len(records),
            "done": done,
            "failed": failed,
            "unknown": unknown,
            "results": results,
            "errors": errors,
        }
        if unknown:
            return {
                "status": "unknown_outcome",
                "result": summary,
                "evidence": {"records": parked},
                "error": f"{unknown} record(s) with unknown outcome parked for the reviewer",
            }
        if failed:
            return {
                "status": "failed" if not done else "executed",
                "result": summary,
                "error": f"{failed} of {len(records)} records failed",
            }
        return {"status": "executed", "result": summary}
