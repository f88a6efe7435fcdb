"""The emulated portal: state, limits, faults and the one place a method call is executed.

`Portal.invoke()` runs one method for one caller — a top-level call or one command of a `batch` — with the
checks the real portal makes: method exists, scope, authorization type, batch permission, operating time.
The HTTP layer (`_app.py`) adds routing, the leaky bucket, authentication, envelopes and connection faults.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from ._clock import Clock
from ._config import EmulatorConfig
from ._errors import ApiError
from ._faults import Faults
from ._limits import LeakyBucket, OperatingTime, Stats
from ._registry import Answer, Ctx, Registry
from ._store import Store

__all__ = ["Portal"]


class Portal:
    def __init__(self, store: Store, config: EmulatorConfig) -> None:
        from ._auth import OAuthServer
        from ._events import EventBus
        from .methods import register_all

        self.store = store
        self.config = config
        self.clock = Clock(config.timezone_offset)
        self.stats = Stats()
        self.faults = Faults()
        self.bucket = LeakyBucket(self.clock, config.rate, config.burst)
        self.operating = OperatingTime(self.clock, config.operating_limit)
        self.registry = Registry()
        register_all(self.registry)
        self.oauth = OAuthServer(self)
        self.events = EventBus(self)
        self.moved_to: str | None = None
        self.base_url = f"http://{config.portal_domain}"

    # ------------------------------------------------------------------------------------------------
    def inner_ctx(self, ctx: Ctx, method: str) -> Ctx:
        return replace(ctx, method=method, in_batch=True, events=[], sleep=0.0)

    def invoke(self, ctx: Ctx, params: dict[str, Any]) -> tuple[Answer, float, float]:
        """Run one method → (answer, processing seconds, seconds to sleep for the modelled cost)."""
        method = ctx.method
        mdef = self.registry.get(method)
        if mdef is None:
            raise ApiError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
        if not mdef.allowed(ctx.scopes):
            raise ApiError(
                "insufficient_scope",
                "The request requires higher privileges than provided by the webhook token",
                403,
            )
        if mdef.app_only and ctx.auth_kind != "oauth":
            raise ApiError("WRONG_AUTH_TYPE", "Current authorization type is denied for this method", 403)
        if ctx.in_batch and not mdef.batch_ok:
            raise ApiError("ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage", 405)
        counted = method != "batch"  # limits.md: the outer batch is not counted
        if counted and self.operating.blocked(ctx.auth_key, method):
            self.stats.operating_blocked += 1
            _, reset_at = self.operating.state(ctx.auth_key, method)
            raise ApiError(
                "OPERATION_TIME_LIMIT",
                "Method is blocked due to operation time limit.",
                429,
                extra={"operating_reset_at": reset_at} if reset_at else None,
            )
        kinds = ("error", "500", "rate_limit") if ctx.in_batch else ("error", "500")
        fault = self.faults.take(method, kinds)
        if fault is not None:
            raise _fault_error(fault)
        if ctx.in_batch and self.faults.take(method, ("drop_after_commit",)) is not None:
            ctx.events.append(("__drop__", {}, ""))
        t0 = time.perf_counter()
        with self.store.lock:
            raw = mdef.handler(ctx, params)
        elapsed = time.perf_counter() - t0
        answer = raw if isinstance(raw, Answer) else Answer(raw)
        per_record = self.config.per_record_latency_ms / 1000.0 * answer.records
        modelled = answer.cost + per_record
        processing = elapsed + modelled
        if counted:
            self.operating.add(ctx.auth_key, method, max(processing, 1e-4))
        self._publish(ctx, params)
        # the modelled list cost always counts as processing/operating, but is slept only when latency is on
        latency_on = self.config.latency_ms > 0 or self.config.per_record_latency_ms > 0
        sleep = (answer.cost * self.config.cost_sleep_scale if latency_on else 0.0) + per_record
        return answer, processing, sleep

    def _publish(self, ctx: Ctx, params: dict[str, Any]) -> None:
        connector = params.get("auth_connector") if isinstance(params, dict) else None
        pending = [e for e in ctx.events if e[0] != "__drop__"]
        ctx.events[:] = [e for e in ctx.events if e[0] == "__drop__"]
        for event, data, key in pending:
            self.events.publish(
                event, data, key, source_connector=str(connector) if connector else None, user_id=ctx.user_id
            )


def _fault_error(fault: Any) -> ApiError:
    if fault.kind == "rate_limit":
        return ApiError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
    if fault.kind == "500":
        return ApiError("INTERNAL_SERVER_ERROR", fault.description or "Internal server error", 500)
    code = fault.code or "INTERNAL_SERVER_ERROR"
    status = fault.status or (500 if code == "INTERNAL_SERVER_ERROR" else 400)
    return ApiError(code, fault.description or "Injected by the emulator", status)
