"""Answer bodies: the success envelope with the full `time` block, and error bodies in both dialects.

Docs: api-reference/data-types.md#time (start, finish, duration, processing, date_start, date_finish,
operating_reset_at, operating — clients such as b24pysdk fail without any of them), settings/performance/limits.md,
api-reference/rest-v3.md (`{"error": {"code", "message", "validation"}}`).
"""

from __future__ import annotations

from typing import Any

from ._clock import Clock

__all__ = ["time_block", "php_map", "success_body", "v3_error_body", "V3_CODES"]


def time_block(
    clock: Clock, start: float, processing: float, duration: float, operating: float, reset_at: int | None
) -> dict[str, Any]:
    finish = start + duration
    return {
        "start": round(start, 6),
        "finish": round(finish, 6),
        "duration": duration,
        "processing": processing,
        "date_start": clock.iso(start),
        "date_finish": clock.iso(finish),
        "operating_reset_at": int(reset_at if reset_at is not None else start + 600),
        "operating": operating,
    }


def php_map(d: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """PHP serialises an empty array as `[]`, and a 0..n-1 keyed array as a list (batch.md)."""
    if not d:
        return []
    keys = list(d)
    if keys == [str(i) for i in range(len(keys))] or keys == [*range(len(keys))]:
        return [d[k] for k in keys]
    return d


def success_body(
    result: Any, time: dict[str, Any], total: int | None = None, next: int | None = None
) -> dict:
    body: dict[str, Any] = {"result": result}
    if next is not None:
        body["next"] = next
    if total is not None:
        body["total"] = total
    body["time"] = time
    return body


# legacy code → (REST 3.0 code, status)
V3_CODES: dict[str, tuple[str, int]] = {
    "insufficient_scope": ("BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION", 403),
    "ACCESS_DENIED": ("BITRIX_REST_V3_EXCEPTION_ACCESSDENIEDEXCEPTION", 403),
    "NOT_FOUND": ("BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION", 400),
    "ERROR_METHOD_NOT_FOUND": ("BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION", 404),
    "QUERY_LIMIT_EXCEEDED": ("BITRIX_REST_V3_EXCEPTION_RATELIMITEXCEPTION", 429),
}


def v3_error_body(code: str, message: str, validation: list[dict[str, str]] | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if validation:
        err["validation"] = validation
    return {"error": err}
