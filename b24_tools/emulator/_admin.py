"""Admin endpoints under `/_emulator/`: faults, stats, clock, moved portal, limits (loopback tooling only).

GET    /_emulator/faults            → list
POST   /_emulator/faults            {"method": "crm.lead.add", "kind": "drop_after_commit", "times": 1, ...}
DELETE /_emulator/faults            → clear all (or ?method=…)
GET    /_emulator/stats             → counters;  POST /_emulator/stats/reset
POST   /_emulator/clock/advance     {"seconds": 3600}
POST   /_emulator/moved             {"location": "http://127.0.0.1:9999"} (empty to clear)
POST   /_emulator/limits            {"rate": 2, "burst": 50, "operating_limit": 480, "reset": true}
POST   /_emulator/tokens/expire     → every OAuth access token expires now

With `EmulatorConfig.admin_token` set (always when `b24 emulator serve` listens beyond loopback), each request
needs `Authorization: Bearer <admin token>`; anything else is a 401 and changes nothing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["admin_routes", "admin_allowed"]

Handler = Callable[[Request], Awaitable[Response]]


def admin_allowed(request: Request, token: str | None) -> bool:
    """No token configured (loopback serving) → allowed; else the bearer token must match (constant time)."""
    if not token:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8"))


def _guarded(portal: Portal, handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        if not admin_allowed(request, portal.config.admin_token):
            return JSONResponse(
                {
                    "error": "ADMIN_TOKEN_REQUIRED",
                    "error_description": "the emulator's admin endpoints need 'Authorization: Bearer <admin token>'",
                },
                401,
            )
        return await handler(request)

    return guarded


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return dict(request.query_params)
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def admin_routes(portal: Portal) -> list[Route]:
    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            try:
                fault = portal.faults.add(
                    str(body.get("method", "*")),
                    str(body.get("kind", "error")),
                    times=body.get("times", 1),
                    rate=float(body.get("rate", 1.0)),
                    code=body.get("code"),
                    description=body.get("description"),
                    status=body.get("status"),
                    delay_ms=float(body.get("delay_ms", 0.0)),
                )
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": "INVALID_FAULT", "error_description": str(exc)}, 400)
            return JSONResponse(fault.as_dict())
        if request.method == "DELETE":
            portal.faults.clear(request.query_params.get("method"))
            return JSONResponse({"result": True})
        return JSONResponse([f.as_dict() for f in portal.faults.list()])

    async def stats(request: Request) -> Response:
        return JSONResponse(asdict(portal.stats))

    async def stats_reset(request: Request) -> Response:
        portal.stats.reset()
        return JSONResponse({"result": True})

    async def clock_advance(request: Request) -> Response:
        body = await _body(request)
        portal.clock.advance(float(body.get("seconds", 0)))
        return JSONResponse({"now": portal.clock.now()})

    async def moved(request: Request) -> Response:
        body = await _body(request)
        portal.moved_to = str(body.get("location") or "") or None
        return JSONResponse({"moved_to": portal.moved_to})

    async def limits(request: Request) -> Response:
        body = await _body(request)
        if "rate" in body or "burst" in body:
            rate = body.get("rate", portal.bucket.rate)
            portal.bucket.configure(None if rate in (None, "", 0) else float(rate), body.get("burst"))
        if "operating_limit" in body:
            portal.operating.limit = float(body["operating_limit"])
        if body.get("reset"):
            portal.operating.reset()
            portal.bucket.configure(portal.bucket.rate)
        return JSONResponse(
            {
                "rate": portal.bucket.rate,
                "burst": portal.bucket.burst,
                "operating_limit": portal.operating.limit,
            }
        )

    async def expire_tokens(request: Request) -> Response:
        portal.oauth.expire_all()
        return JSONResponse({"result": True})

    async def seed(request: Request) -> Response:
        from ._seed import seed as run_seed

        body = await _body(request)
        counts = {k: int(body.get(k, 0)) for k in ("leads", "deals", "contacts", "companies", "tasks")}
        added = run_seed(portal, **counts, users=int(body.get("users", 5)), seed=int(body.get("seed", 42)))
        return JSONResponse(added)

    async def oauth_apps(request: Request) -> Response:
        body = await _body(request)
        scopes = body.get("scopes")
        client_id, secret = portal.oauth.register_app(scopes=set(scopes) if scopes is not None else None)
        tokens = portal.oauth.issue_tokens(client_id, int(body.get("user_id", 1)))
        return JSONResponse({"client_id": client_id, "client_secret": secret, "tokens": tokens,
                             "application_token": portal.oauth.application_token(client_id)})  # fmt: skip

    async def outgoing(request: Request) -> Response:
        from ._events import is_loopback_url

        body = await _body(request)
        handler = str(body.get("handler") or "")
        if not body.get("event") or not is_loopback_url(handler):
            return JSONResponse(
                {"error": "INVALID_HOOK", "error_description": "event and a loopback handler"}, 400
            )
        binding = portal.events.bind(str(body["event"]), handler)
        return JSONResponse({"id": binding, "application_token": portal.events.outgoing_application_token})

    routes = [
        ("/_emulator/seed", seed, ["POST"]),
        ("/_emulator/oauth/apps", oauth_apps, ["POST"]),
        ("/_emulator/events/outgoing", outgoing, ["POST"]),
        ("/_emulator/faults", faults, ["GET", "POST", "DELETE"]),
        ("/_emulator/stats", stats, ["GET"]),
        ("/_emulator/stats/reset", stats_reset, ["POST"]),
        ("/_emulator/clock/advance", clock_advance, ["POST"]),
        ("/_emulator/moved", moved, ["POST"]),
        ("/_emulator/limits", limits, ["POST"]),
        ("/_emulator/tokens/expire", expire_tokens, ["POST"]),
    ]
    return [Route(path, _guarded(portal, fn), methods=methods) for path, fn, methods in routes]
