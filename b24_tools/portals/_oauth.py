"""The application's side of the OAuth server (`oauth.bitrix.info`; the emulator's own in tests).

Docs: settings/oauth/index.md (authorization code: `grant_type=authorization_code`, the code lives 30 s),
settings/oauth/auto-renewal.md (`grant_type=refresh_token`; the answer carries `member_id`, `client_endpoint`,
`server_endpoint`, `scope`, `status`, `user_id`; `domain` there is the OAuth server's own), settings/oauth/
error-codes.md (`invalid_grant`, `invalid_client`).

An install callback is trusted only after the OAuth server, which the application chose (never one named in the
request), confirms its refresh token: the answer names the portal, so a forged callback cannot claim another
portal's member_id, and the confirmed pair is the one stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from .._errors import B24RefreshFailed, B24ValidationError, make_api_error
from .._redact import redact_text, register_secret
from ..client._auth import TokenPair
from ._store import PortalRecord, portal_host

__all__ = ["OAuthGrant", "OAuthServer"]


@dataclass(frozen=True, slots=True)
class OAuthGrant:
    """What the OAuth server said: the portal it belongs to and a fresh token pair."""

    record: PortalRecord
    tokens: TokenPair


class OAuthServer:
    """Token requests to one OAuth server with the application's credentials."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str,
        client_secret: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        register_secret(client_secret)
        self.url = url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:
        return f"OAuthServer({self.url!r}, client_id={self.client_id!r}, client_secret='***')"

    def close(self) -> None:
        self._http.close()

    def _token(self, grant: str, **params: str) -> OAuthGrant:
        query = {"grant_type": grant, "client_id": self.client_id, "client_secret": self._secret, **params}
        response = self._http.get(f"{self.url}/oauth/token/", params=query)
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            code = str(body.get("error") or "invalid_grant") if isinstance(body, dict) else "invalid_grant"
            desc = redact_text(str(body.get("error_description") or "") if isinstance(body, dict) else "")
            err = make_api_error(code, desc or "the OAuth server refused", status=response.status_code,
                                 method="oauth/token")  # fmt: skip
            if not isinstance(err, B24RefreshFailed):
                err = B24RefreshFailed(code, desc or "the OAuth server refused", status=response.status_code,
                                       method="oauth/token")  # fmt: skip
            raise err
        return grant_from_answer(body)

    def refresh(self, refresh_token: str) -> OAuthGrant:
        return self._token("refresh_token", refresh_token=refresh_token)

    def exchange_code(self, code: str) -> OAuthGrant:
        return self._token("authorization_code", code=code)


def grant_from_answer(body: dict[str, Any]) -> OAuthGrant:
    """The token endpoint's answer → (portal record, token pair). Refuses an answer that names no portal."""
    member_id = str(body.get("member_id") or "")
    client_endpoint = str(body.get("client_endpoint") or "")
    if not member_id or not client_endpoint.startswith(("https://", "http://")):
        raise B24ValidationError(
            "the OAuth server's answer names no portal (member_id / client_endpoint missing)",
            hint="check the application's OAuth server address (B24_OAUTH_SERVER)",
        )
    access, refresh = str(body["access_token"]), str(body.get("refresh_token") or "") or None
    register_secret(access)
    register_secret(refresh)
    expires = body.get("expires") or (time.time() + float(body.get("expires_in") or 3600))
    user_id = body.get("user_id")
    record = PortalRecord(
        member_id=member_id,
        domain=portal_host(client_endpoint),
        client_endpoint=client_endpoint,
        server_endpoint=str(body.get("server_endpoint") or ""),
        status="installed",
        scope=str(body.get("scope") or ""),
        user_id=int(user_id) if user_id not in (None, "") else None,
        installed_at=time.time(),
    )
    return OAuthGrant(record, TokenPair(access, refresh, float(expires)))
