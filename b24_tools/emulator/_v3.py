"""REST 3.0 (`/rest/api/…`): JSON only, its own error dialect, `Idempotency-Key`.

Doc: api-reference/rest-v3.md — methods listed there (tasks.task.{add,get,list,update,delete} in
api-reference/tasks/tasks-task-*-rest-v3.md, rest.scope.list, rest.documentation.openapi/documentation);
a stored successful answer is replayed for 24 h with `Idempotent-Replayed: true`; the same key with another
body → 422 BITRIX_REST_V3_EXCEPTION_IDEMPOTENCYKEYREUSEDEXCEPTION; a bad key → 400 …INVALIDIDEMPOTENCYKEYEXCEPTION.
The key is scoped to one webhook/app, one user and one method.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ._envelope import V3_CODES, success_body, time_block, v3_error_body
from ._errors import ApiError
from ._registry import Answer, Ctx, Registry

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["handle_v3", "v3_error_response", "V3_REGISTRY", "IDEMPOTENCY_TTL"]

IDEMPOTENCY_TTL = 24 * 3600
V3_REGISTRY = Registry()


def _resp(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status, headers, media_type="application/json")


def v3_error_response(exc: ApiError, headers: dict[str, str] | None = None) -> Response:
    code, status = exc.code, exc.status
    if not code.startswith("BITRIX_REST_V3_"):
        code, status = V3_CODES.get(
            exc.code, (exc.code or "BITRIX_REST_V3_EXCEPTION_UNKNOWNEXCEPTION", exc.status)
        )
    validation = exc.extra.get("validation") if exc.extra else None
    return _resp(v3_error_body(code, exc.description, validation), status, headers)


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(32 < ord(c) < 127 for c in key)


async def handle_v3(
    portal: Portal, ctx: Ctx, request: Request, params: dict[str, Any], raw: bytes, start: float, perf0: float
) -> Response:
    method = ctx.method
    if method == "batch":
        return _batch(portal, ctx, params, start, perf0)
    mdef = V3_REGISTRY.get(method)
    if mdef is None:
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION", f"Method '{method}' not found", 404
        )
    if not mdef.allowed(ctx.scopes):
        raise ApiError("BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION", "Insufficient scope", 403)
    key = request.headers.get("idempotency-key")
    store = portal.store
    slot = None
    if key is not None and mdef.write:
        if not _valid_key(key):
            raise ApiError(
                "BITRIX_REST_V3_EXCEPTION_INVALIDIDEMPOTENCYKEYEXCEPTION",
                "Idempotency key must be 1 to 255 printable ASCII characters",
                400,
            )
        canon = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
        body_hash = hashlib.sha256(canon.encode()).hexdigest()
        slot = f"idem:{ctx.auth_key}:{ctx.user_id}:{method}:{hashlib.sha256(key.encode()).hexdigest()}"
        stored = store.kv_get(slot)
        if stored and portal.clock.now() - stored["at"] < IDEMPOTENCY_TTL:
            if stored["hash"] != body_hash:
                raise ApiError(
                    "BITRIX_REST_V3_EXCEPTION_IDEMPOTENCYKEYREUSEDEXCEPTION",
                    "The idempotency key was already used with a different request body",
                    422,
                )
            return _resp(stored["body"], 200, {"Idempotency-Key": key, "Idempotent-Replayed": "true"})
    drop_fault = portal.faults.take(method, ("drop_after_commit",))
    fault = portal.faults.take(method, ("error", "500"))
    if fault is not None:
        from ._portal import _fault_error

        raise _fault_error(fault)
    t0 = time.perf_counter()
    with store.lock:
        raw_answer = mdef.handler(ctx, params)
    processing = time.perf_counter() - t0
    answer = raw_answer if isinstance(raw_answer, Answer) else Answer(raw_answer)
    portal.operating.add(ctx.auth_key, method, max(processing, 1e-4))
    portal._publish(ctx, params)
    operating, reset_at = portal.operating.state(ctx.auth_key, method)
    duration = max(time.perf_counter() - perf0, processing)
    body = success_body(
        answer.result, time_block(portal.clock, start, processing, duration, operating, reset_at)
    )
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = key
        if slot is not None:
            store.kv_set(slot, {"hash": body_hash, "body": body, "at": portal.clock.now()})
    if portal.config.latency_ms:
        import asyncio

        await asyncio.sleep(portal.config.latency_ms / 1000.0)
    if drop_fault is not None:
        from ._errors import DropConnection

        portal.stats.dropped += 1
        raise DropConnection()
    return _resp(body, 200, headers)


def _batch(portal: Portal, ctx: Ctx, params: dict[str, Any], start: float, perf0: float) -> Response:
    """REST 3.0 batch: a JSON array of `{"method", "query"}`; `result` lists the answers in order (rest-v3.md#batch).

    The docs do not show a failing element; here the first failure answers for the whole batch (v3 dialect).
    """
    calls = params.get("__body__")
    if not isinstance(calls, list):
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION", "Batch body must be a JSON array", 400
        )
    if len(calls) > 50:
        raise ApiError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)
    results = []
    processing = 0.0
    for call in calls:
        if not isinstance(call, dict) or not isinstance(call.get("method"), str):
            raise ApiError(
                "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION",
                "Each call needs a method",
                400,
            )
        name = str(call["method"]).lower()
        mdef = V3_REGISTRY.get(name)
        if mdef is None or name == "batch":
            raise ApiError(
                "BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION", f"Method '{name}' not found", 404
            )
        if not mdef.allowed(ctx.scopes):
            raise ApiError("BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION", "Insufficient scope", 403)
        inner = portal.inner_ctx(ctx, name)
        query = call["query"] if isinstance(call.get("query"), dict) else {}
        t0 = time.perf_counter()
        with portal.store.lock:
            raw = mdef.handler(inner, dict(query))
        spent = time.perf_counter() - t0
        processing += spent
        portal.operating.add(ctx.auth_key, name, max(spent, 1e-4))
        portal._publish(inner, query)
        results.append(raw.result if isinstance(raw, Answer) else raw)
    duration = max(time.perf_counter() - perf0, processing)
    body = success_body(results, time_block(portal.clock, start, processing, duration, 0.0, None))
    return _resp(body, 200)
