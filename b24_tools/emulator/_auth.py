"""Authentication: webhooks (user id + code + scopes) and one OAuth server for emulated applications.

Docs: settings/how-to-call-rest-api/authorization.md (webhook and `auth=` token URLs), _includes/system-errors.md
(401 NO_AUTH_FOUND, 401 expired_token, 403 insufficient_scope), settings/oauth/auto-renewal.md (token endpoint,
rotating refresh tokens, answer fields), settings/oauth/error-codes.md (invalid_grant, invalid_client).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from ._config import ALL_SCOPES
from ._errors import ApiError
from ._registry import Ctx

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["OAuthServer", "authenticate_webhook", "authenticate_token", "webhooks", "NO_AUTH"]


def NO_AUTH() -> ApiError:
    return ApiError("NO_AUTH_FOUND", "Wrong authorization data", 401)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:10]


def webhooks(portal: Portal) -> dict[str, tuple[int, frozenset[str]]]:
    """Every known webhook code → (user id, scopes): the configured one, extras, and ones added at run time."""
    cfg = portal.config
    raw: dict[str, tuple[int, Any]] = {cfg.webhook_code: (cfg.user_id, cfg.scopes)}
    raw.update(cfg.extra_webhooks)
    for code, (uid, scopes) in portal.store.kv_get("webhooks", {}).items():
        raw[code] = (int(uid), scopes)
    return {c: (int(u), ALL_SCOPES if s is None else frozenset(s)) for c, (u, s) in raw.items()}


def authenticate_webhook(portal: Portal, user_id: int, code: str, method: str) -> Ctx:
    entry = None
    for known, value in webhooks(portal).items():
        if secrets.compare_digest(known.encode(), code.encode()):
            entry = value
    if entry is None or entry[0] != user_id:
        raise NO_AUTH()
    return Ctx(portal, method, user_id, "webhook", f"webhook:{user_id}:{_fingerprint(code)}", entry[1])


def authenticate_token(portal: Portal, token: Any, method: str) -> Ctx:
    if not token or not isinstance(token, str):
        raise NO_AUTH()
    rec = portal.oauth.find_access(token)
    if rec is None:
        raise NO_AUTH()
    if rec["expires"] <= portal.clock.now():
        raise ApiError("expired_token", "The access token provided has expired", 401)
    app = portal.oauth.app(rec["client_id"]) or {}
    scopes = ALL_SCOPES if app.get("scopes") is None else frozenset(app["scopes"])
    return Ctx(
        portal, method, int(rec["user_id"]), "oauth", f"app:{rec['client_id']}", frozenset(scopes),
        client_id=rec["client_id"],
    )  # fmt: skip


class OAuthServer:
    """Applications, access tokens (expire after `token_ttl`) and refresh tokens (rotate; reuse → invalid_grant)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    # -- applications -------------------------------------------------------------------------------
    def register_app(
        self,
        scopes: set[str] | list[str] | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        code: str = "emulator.app",
    ) -> tuple[str, str]:
        """Register an application → (client_id, client_secret)."""
        client_id = client_id or f"local.{secrets.token_hex(6)}.{secrets.randbelow(10**8):08d}"
        client_secret = client_secret or secrets.token_urlsafe(24)
        apps = self.portal.store.kv_get("oauth_apps", {})
        apps[client_id] = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scopes": sorted(scopes) if scopes is not None else None,
            "application_token": secrets.token_hex(16),
            "code": code,
            "id": len(apps) + 1,
        }
        self.portal.store.kv_set("oauth_apps", apps)
        return client_id, client_secret

    def app(self, client_id: str) -> dict[str, Any] | None:
        return self.portal.store.kv_get("oauth_apps", {}).get(client_id)

    def application_token(self, client_id: str) -> str:
        app = self.app(client_id)
        return app["application_token"] if app else ""

    # -- tokens ---------------------------------------------------------------------------------------
    def issue_tokens(self, client_id: str, user_id: int = 1) -> dict[str, Any]:
        """A fresh token pair, shaped as the token endpoint answers (auto-renewal.md)."""
        app = self.app(client_id)
        if app is None:
            raise KeyError(f"unknown client_id {client_id!r}; register the app first")
        now = self.portal.clock.now()
        ttl = int(self.portal.config.token_ttl)
        rec: dict[str, Any] = {
            "access_token": secrets.token_hex(24),
            "refresh_token": secrets.token_hex(24),
            "client_id": client_id,
            "user_id": int(user_id),
            "expires": now + ttl,
            "refresh_used": False,
        }
        self.portal.store.insert("oauth_token", rec)
        base = self.portal.base_url.rstrip("/")
        scope = ",".join(app["scopes"]) if app.get("scopes") else ",".join(sorted(ALL_SCOPES))
        return {
            "access_token": rec["access_token"],
            "client_endpoint": f"{base}/rest/",
            "domain": self.portal.config.portal_domain,
            "expires": int(rec["expires"]),
            "expires_in": ttl,
            "member_id": self.portal.config.member_id,
            "refresh_token": rec["refresh_token"],
            "scope": scope,
            "server_endpoint": f"{base}/rest/",
            "status": "L",
            "user_id": int(user_id),
        }

    def _find(self, key: str, value: str) -> tuple[int, dict[str, Any]] | None:
        rows = self.portal.store.select("oauth_token", f"json_extract(data, '$.{key}') = ?", [value], limit=1)
        return rows[0] if rows else None

    def find_access(self, token: str) -> dict[str, Any] | None:
        row = self._find("access_token", token)
        return row[1] if row else None

    def expire_all(self) -> None:
        """Make every access token expired now (tests of the refresh path)."""
        store = self.portal.store
        for id, rec in store.select("oauth_token"):
            rec["expires"] = self.portal.clock.now() - 1
            store.put("oauth_token", id, rec)

    def authorize_code(self, client_id: str, user_id: int = 1) -> str:
        """An authorization code, as the portal puts it in the redirect (settings/oauth/index.md)."""
        code = secrets.token_hex(16)
        codes = self.portal.store.kv_get("oauth_codes", {})
        codes[code] = {"client_id": client_id, "user_id": user_id, "expires": self.portal.clock.now() + 30}
        self.portal.store.kv_set("oauth_codes", codes)
        return code

    def token_endpoint(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`/oauth/token/`: grant_type=refresh_token | authorization_code → (status, body)."""
        grant = params.get("grant_type")
        client_id = str(params.get("client_id") or "")
        app = self.app(client_id)
        if app is None or not secrets.compare_digest(
            str(params.get("client_secret") or ""), app["client_secret"]
        ):
            return 401, {"error": "invalid_client", "error_description": "Invalid client"}
        with self.portal.store.lock:
            if grant == "refresh_token":
                found = self._find("refresh_token", str(params.get("refresh_token") or ""))
                if found is None or found[1]["client_id"] != client_id or found[1]["refresh_used"]:
                    return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
                id, rec = found
                rec["refresh_used"] = True
                rec["expires"] = min(
                    rec["expires"], self.portal.clock.now()
                )  # old access token stops working
                self.portal.store.put("oauth_token", id, rec)
                return 200, self.issue_tokens(client_id, rec["user_id"])
            if grant == "authorization_code":
                codes = self.portal.store.kv_get("oauth_codes", {})
                entry = codes.pop(str(params.get("code") or ""), None)
                self.portal.store.kv_set("oauth_codes", codes)
                if (
                    entry is None
                    or entry["client_id"] != client_id
                    or entry["expires"] < self.portal.clock.now()
                ):
                    return 400, {"error": "invalid_grant", "error_description": "Invalid authorization code"}
                return 200, self.issue_tokens(client_id, entry["user_id"])
        return 400, {"error": "invalid_request", "error_description": "Unsupported grant_type"}
