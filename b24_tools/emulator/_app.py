"""The Starlette app: routing, bucket, faults, authentication, REST 3.0, envelopes, latency, dropped connections.

Routes:
- `/rest/{USER_ID}/{CODE}/{method}[.json][/]` — webhook; `/rest/{method}` — OAuth (`auth` in query or body);
- `/rest/api/…` — REST 3.0 (api-reference/rest-v3.md);
- `/oauth/token/` — the OAuth token endpoint (settings/oauth/auto-renewal.md);
- `/_emulator/…` — admin: faults, stats, clock, moved portal, limits (bearer `admin_token` when configured).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as SRoute

from ._auth import authenticate_token, authenticate_webhook
from ._envelope import success_body, time_block
from ._errors import ApiError, DropConnection
from ._registry import Ctx, normalize_method
from ._request import BadBody, parse_route, read_params

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["build_app", "drop_aware"]

log = logging.getLogger(__name__)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def build_app(portal: Portal) -> Starlette:
    from ._admin import admin_routes
    from ._v3 import handle_v3

    async def rest(request: Request) -> Response:
        start = portal.clock.now()
        perf0 = time.perf_counter()
        route = parse_route(request.url.path)
        if portal.moved_to:  # settings/how-to-call-rest-api/change-domen.md
            target = portal.moved_to.rstrip("/") + request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return Response(status_code=302, headers={"Location": target})
        method = normalize_method(route.method)
        stats = portal.stats
        stats.requests += 1
        stats.by_method[method] = stats.by_method.get(method, 0) + 1
        try:
            params, raw_body = await read_params(request, json_only=route.v3)
        except BadBody:
            if route.v3:
                return _v3_error(
                    portal, ApiError("BITRIX_REST_V3_EXCEPTION_INVALIDJSONEXCEPTION", "Invalid JSON", 400)
                )
            params, raw_body = {}, b""
        try:
            if not portal.bucket.admit():
                stats.throttled += 1
                raise ApiError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
            pre = portal.faults.take(method, ("rate_limit", "slow", "drop"))
            if pre is not None:
                if pre.kind == "rate_limit":
                    stats.throttled += 1
                    raise ApiError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
                if pre.kind == "slow":
                    await asyncio.sleep(pre.delay_ms / 1000.0)
                if pre.kind == "drop":
                    stats.dropped += 1
                    raise DropConnection()
            ctx = _authenticate(portal, route, params, method)
            if route.v3:
                return await handle_v3(portal, ctx, request, params, raw_body, start, perf0)
            answer, processing, sleep = portal.invoke(ctx, params)
            # taken after a successful call, so a drop counts only when the write really happened
            drop_fault = portal.faults.take(method, ("drop_after_commit",))
        except ApiError as exc:
            stats.errors += 1
            if route.v3:
                return _v3_error(portal, exc)
            return _json(exc.body(), exc.status)
        except DropConnection:
            raise
        except Exception:  # a bug in a handler: answer as the portal does
            log.exception("emulator handler failed for %s", method)
            stats.errors += 1
            return _json(
                {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}, 500
            )
        delay = sleep + ctx.sleep + portal.config.latency_ms / 1000.0
        if delay > 0:
            await asyncio.sleep(delay)
        if drop_fault is not None or any(e[0] == "__drop__" for e in ctx.events):
            stats.dropped += 1
            raise DropConnection()
        operating, reset_at = portal.operating.state(ctx.auth_key, method)
        duration = max(time.perf_counter() - perf0, processing)
        body = success_body(
            answer.result,
            time_block(portal.clock, start, processing, duration, operating, reset_at),
            total=answer.total,
            next=answer.next,
        )
        return _json(body, 200, answer.headers or None)

    async def oauth_token(request: Request) -> Response:
        params, _ = await read_params(request)
        status, body = portal.oauth.token_endpoint(params)
        return _json(body, status)

    async def root(request: Request) -> Response:
        return _json({"emulator": "b24-tools", "rest": "/rest/", "methods": len(portal.registry)})

    routes = [
        SRoute("/", root, methods=["GET"]),
        SRoute("/oauth/token", oauth_token, methods=["GET", "POST"]),
        SRoute("/oauth/token/", oauth_token, methods=["GET", "POST"]),
        *admin_routes(portal),
        SRoute("/rest/{path:path}", rest, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    return Starlette(routes=routes)


def _authenticate(portal: Portal, route: Any, params: dict[str, Any], method: str) -> Ctx:
    if route.kind == "webhook":
        ctx = authenticate_webhook(portal, int(route.user_id), str(route.code), method)
    elif route.kind == "oauth":
        ctx = authenticate_token(portal, params.pop("auth", None), method)
    else:
        raise ApiError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
    params.pop("auth", None)
    connector = params.get("auth_connector")
    ctx.auth_connector = str(connector) if connector else None
    ctx.v3 = route.v3
    return ctx


def _v3_error(portal: Portal, exc: ApiError) -> Response:
    from ._v3 import v3_error_response

    return v3_error_response(exc)


def drop_aware(app: Any) -> Any:
    """Outer ASGI layer: on `DropConnection`, close the client socket without an answer (uvicorn), or let the
    exception reach the in-process transports, which turn it into `httpx.RemoteProtocolError`."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except DropConnection:
            cycle = getattr(receive, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if cycle is None or transport is None:
                raise
            cycle.disconnected = True  # uvicorn then sends nothing
            transport.close()

    return asgi
