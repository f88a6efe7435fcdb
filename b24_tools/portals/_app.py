"""The application server: install callbacks, the OAuth code flow and events, for every portal at once.

    app = create_app_server(portals, on_event=handle)         # a Starlette app
    Mount("/bitrix24", app=app)                               # inside the user's own ASGI app, or
    b24 app serve --port 8080                                 # on its own (loopback unless told otherwise)

Routes (relative to where the app is mounted):
- `POST /install` — the installation callback (api-reference/app-installation/local-apps/installation-callback.md,
  mass-market-apps/installation-callback.md): either the install form (`AUTH_ID`, `AUTH_EXPIRES`, `REFRESH_ID`,
  `member_id`, `status`; `DOMAIN`, `APP_SID` in the query) or an `ONAPPINSTALL` event whose `auth` carries the
  tokens. The refresh token is confirmed with the application's own OAuth server before anything is stored.
- `GET /oauth/start?domain=…` → the portal's `/oauth/authorize/`; `GET /oauth/callback` exchanges the code
  (settings/oauth/index.md); `state` is signed and lives ten minutes.
- `POST /events` — every event of every portal. `auth[member_id]` names the portal and `auth[application_token]`
  must be that portal's own (api-reference/events/safe-event-handlers.md). `ONAPPINSTALL` stores the token
  (api-reference/common/events/on-app-install.md); `ONAPPUNINSTALL` marks the portal uninstalled and erases its
  tokens (on-app-uninstall.md). Other events go to `on_event` and/or the durable `EventQueue`, tagged by portal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .._errors import B24Error, B24PortalNotInstalled, B24ValidationError
from .._redact import redact
from .._settings import normalize_portal_url
from ..client._phpquery import decode
from ._registry import Portals

__all__ = ["create_app_server", "UNINSTALL_EVENTS"]

MAX_BODY = 1_000_000
STATE_TTL = 600
# on-app-uninstall.md names the event ONAPPUNINSTALL in its title and ONAPPSUNINSTALL in its sample: take both
UNINSTALL_EVENTS = frozenset({"ONAPPUNINSTALL", "ONAPPSUNINSTALL"})

EventHandler = Callable[[Any, str, Any, dict[str, Any]], Any]  # (portal record, event, data, body)


def _error(status: int, code: str, text: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": text}, status_code=status)


async def _params(request: Request) -> dict[str, Any] | None:
    """Query and body (form with PHP-style keys, or JSON) merged; None when too large or unparseable."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return None
    out: dict[str, Any] = decode(request.url.query) if request.url.query else {}
    try:
        if raw:
            if "json" in request.headers.get("content-type", ""):
                body = json.loads(raw.decode("utf-8"))
                if not isinstance(body, dict):
                    return None
            else:
                body = decode(raw.decode("utf-8"))
            out.update(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return out


def _auth_of(params: dict[str, Any]) -> dict[str, Any]:
    auth = params.get("auth")
    return auth if isinstance(auth, dict) else {}


def create_app_server(
    portals: Portals,
    *,
    on_event: EventHandler | None = None,
    queue: Any = None,
    audit: Callable[[dict[str, Any]], None] | None = None,
    state_secret: bytes | None = None,
    redirect_uri: str | None = None,
) -> Starlette:
    """Build the application server over a `Portals` registry (see the module docstring for the routes)."""
    secret = state_secret or hashlib.sha256(b"b24-state:" + portals._client_secret.encode()).digest()

    def _audit(row: dict[str, Any]) -> None:
        if audit is not None:
            audit(redact({"ts": int(time.time()), **row}))

    def _remote(request: Request) -> str | None:
        return request.client.host if request.client else None

    async def _confirm(refresh_token: str, claimed: str, app_token: str | None, how: str) -> Response:
        try:
            grant = await run_in_threadpool(portals.oauth.refresh, refresh_token)
        except B24Error as exc:
            _audit({"kind": "install_refused", "reason": "OAuth server refused the refresh token",
                    "member_id": claimed, "via": how, "code": getattr(exc, "code", None)})  # fmt: skip
            return _error(401, "INSTALL_NOT_CONFIRMED", "the OAuth server did not confirm these tokens")
        if claimed and not hmac.compare_digest(grant.record.member_id.encode(), claimed.encode()):
            _audit({"kind": "install_refused", "reason": "member_id differs from the OAuth server's",
                    "member_id": claimed, "via": how})  # fmt: skip
            return _error(401, "INSTALL_NOT_CONFIRMED", "member_id does not match the OAuth server's answer")
        record = await run_in_threadpool(portals.install, grant, application_token=app_token)
        _audit(
            {"kind": "portal_installed", "member_id": record.member_id, "domain": record.domain, "via": how}
        )
        return JSONResponse({"status": "installed", "member_id": record.member_id, "domain": record.domain})

    async def install(request: Request) -> Response:
        params = await _params(request)
        if params is None:
            return _error(400, "INVALID_REQUEST", "unparseable or oversized body")
        auth = _auth_of(params)
        if str(params.get("event") or "").upper() == "ONAPPINSTALL" and auth.get("refresh_token"):
            return await _confirm(
                str(auth["refresh_token"]), str(auth.get("member_id") or ""),
                str(auth.get("application_token") or "") or None, "ONAPPINSTALL",
            )  # fmt: skip
        refresh = params.get("REFRESH_ID") or params.get("refresh_token")
        if not refresh:
            _audit({"kind": "install_refused", "reason": "no REFRESH_ID", "remote": _remote(request)})
            return _error(400, "INVALID_REQUEST", "the install callback carries no REFRESH_ID")
        return await _confirm(str(refresh), str(params.get("member_id") or ""), None, "install callback")

    def _sign_state(domain: str, ts: int) -> str:
        mac = hmac.new(secret, f"{domain}|{ts}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"{ts}.{mac}"

    async def oauth_start(request: Request) -> Response:
        domain = request.query_params.get("domain", "")
        try:
            base = normalize_portal_url(domain)
        except B24Error as exc:
            return _error(400, "INVALID_REQUEST", exc.message)
        query = {"client_id": portals.client_id, "state": _sign_state(base, int(time.time()))}
        if redirect_uri:
            query["redirect_uri"] = redirect_uri
        return RedirectResponse(f"{base}/oauth/authorize/?{urlencode(query)}", status_code=302)

    async def oauth_callback(request: Request) -> Response:
        q = request.query_params
        code, state, domain = q.get("code", ""), q.get("state", ""), q.get("domain", "")
        try:
            base = normalize_portal_url(domain)
            ts_text, _, mac = state.partition(".")
            ts = int(ts_text)
        except (B24Error, ValueError):
            return _error(400, "INVALID_REQUEST", "missing or malformed domain/state")
        expected = _sign_state(base, ts).partition(".")[2]
        if not hmac.compare_digest(mac, expected) or time.time() - ts > STATE_TTL or not code:
            _audit({"kind": "install_refused", "reason": "bad or expired state", "remote": _remote(request)})
            return _error(401, "INVALID_STATE", "the authorization state is invalid or expired; start again")
        try:
            grant = await run_in_threadpool(portals.oauth.exchange_code, code)
        except B24Error:
            _audit({"kind": "install_refused", "reason": "code exchange refused", "domain": domain})
            return _error(401, "INSTALL_NOT_CONFIRMED", "the OAuth server refused the authorization code")
        record = await run_in_threadpool(portals.install, grant)
        _audit({"kind": "portal_installed", "member_id": record.member_id, "domain": record.domain,
                "via": "authorization code"})  # fmt: skip
        return JSONResponse({"status": "installed", "member_id": record.member_id, "domain": record.domain})

    async def events(request: Request) -> Response:
        params = await _params(request)
        if params is None:
            _audit(
                {
                    "kind": "event_rejected",
                    "reason": "unparseable or oversized body",
                    "remote": _remote(request),
                }
            )
            return _error(400, "INVALID_REQUEST", "unparseable or oversized body")
        auth = _auth_of(params)
        event = str(params.get("event") or "").upper()
        member_id = str(auth.get("member_id") or "")
        token = auth.get("application_token")
        if not event or not member_id:
            _audit(
                {
                    "kind": "event_rejected",
                    "reason": "no event or no auth[member_id]",
                    "remote": _remote(request),
                }
            )
            return _error(400, "INVALID_REQUEST", "an event needs event and auth[member_id]")
        if event == "ONAPPINSTALL":
            return await _on_install(member_id, token, auth)
        try:
            record = await run_in_threadpool(portals.verify_event, member_id, token)
        except (B24PortalNotInstalled, B24ValidationError) as exc:
            _audit({"kind": "event_rejected", "event": event[:100], "member_id": member_id,
                    "reason": exc.message, "remote": _remote(request)})  # fmt: skip
            return _error(401, "INVALID_TOKEN", "application_token is not this portal's")
        if event in UNINSTALL_EVENTS:
            await run_in_threadpool(portals.uninstall, record.member_id)
            _audit({"kind": "portal_uninstalled", "member_id": record.member_id, "domain": record.domain})
            return JSONResponse({"status": "uninstalled", "member_id": record.member_id})
        data = params.get("data", {})
        row_id = None
        if queue is not None:
            from ..events._queue import dedup_key_for

            ts = str(params["ts"]) if params.get("ts") is not None else None
            key = f"{record.member_id}:{dedup_key_for(event, data, ts=ts)}"
            extra = {"member_id": record.member_id, "domain": record.domain}
            _, row_id = await run_in_threadpool(queue.put, event, data, ts=ts, dedup_key=key, extra=extra)
        if on_event is not None:
            await run_in_threadpool(on_event, record, event, data, params)
        _audit({"kind": "event_received", "event": event, "member_id": record.member_id,
                "domain": record.domain, "queue_id": row_id})  # fmt: skip
        return JSONResponse({"status": "accepted", "member_id": record.member_id, "id": row_id})

    async def _on_install(member_id: str, token: Any, auth: dict[str, Any]) -> Response:
        if not isinstance(token, str) or not token:
            _audit({"kind": "event_rejected", "event": "ONAPPINSTALL", "member_id": member_id,
                    "reason": "no application_token"})  # fmt: skip
            return _error(401, "INVALID_TOKEN", "ONAPPINSTALL without application_token")
        if auth.get("refresh_token"):  # the install handler itself: confirmed by the OAuth server
            return await _confirm(str(auth["refresh_token"]), member_id, token, "ONAPPINSTALL")
        record = portals.store.get(member_id)
        if record is None or not record.installed:
            _audit({"kind": "event_rejected", "event": "ONAPPINSTALL", "member_id": member_id,
                    "reason": "portal not installed through the install callback"})  # fmt: skip
            return _error(401, "INVALID_TOKEN", "install the application through its install callback first")
        stored = await run_in_threadpool(portals.store.application_token, member_id)
        if stored is None and await run_in_threadpool(portals.store.set_application_token, member_id, token):
            _audit({"kind": "application_token_stored", "member_id": member_id, "domain": record.domain})
            return JSONResponse({"status": "installed", "member_id": member_id})
        stored = await run_in_threadpool(portals.store.application_token, member_id)
        if stored is not None and hmac.compare_digest(stored.encode(), token.encode()):
            return JSONResponse({"status": "installed", "member_id": member_id})
        _audit({"kind": "event_rejected", "event": "ONAPPINSTALL", "member_id": member_id,
                "reason": "application_token differs from the stored one"})  # fmt: skip
        return _error(401, "INVALID_TOKEN", "application_token is not this portal's")

    async def health(_: Request) -> JSONResponse:
        installed = await run_in_threadpool(portals.list)
        return JSONResponse({"status": "ok", "portals": len(installed)})

    routes = [
        Route("/install", install, methods=["POST", "GET"]),
        Route("/oauth/start", oauth_start, methods=["GET"]),
        Route("/oauth/callback", oauth_callback, methods=["GET"]),
        Route("/events", events, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    return Starlette(routes=routes)
