"""Authorization as httpx generator flows: `WebhookAuth` (secret in the path) and `OAuthAuth` (token + refresh).

The client builds secret-free URLs (`/rest/METHOD`, `/rest/api/METHOD`); the auth flow adds the secret:

- `WebhookAuth(user_id, code)` rewrites the path to `/rest/USER_ID/CODE/METHOD` (authorization.md).
- `OAuthAuth(access_token, ...)` adds `"auth": TOKEN` to the JSON body. On HTTP 401 `expired_token` it refreshes at
  `{oauth_server}/oauth/token/?grant_type=refresh_token&client_id&client_secret&refresh_token` (settings/oauth/
  auto-renewal.md), stores the rotated pair in its `TokenStore` and re-sends the call once. Concurrent callers —
  threads of a `B24Client` and tasks of an `AsyncB24Client` — share one refresh: whoever takes the lock first
  refreshes; the others see the token changed and just re-send. `invalid_grant` raises `B24RefreshFailed`.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx

from .._errors import B24ConfigError, B24RefreshFailed, make_api_error
from .._redact import redact_text, register_secret

__all__ = [
    "WebhookAuth",
    "OAuthAuth",
    "TokenPair",
    "TokenStore",
    "FileTokenStore",
    "MemoryTokenStore",
]

log = logging.getLogger("b24_tools.client")


class WebhookAuth(httpx.Auth):
    """Inbound webhook: `https://PORTAL/rest/USER_ID/CODE/METHOD` (REST 3.0: `/rest/api/USER_ID/CODE/METHOD`)."""

    def __init__(self, user_id: int, code: str) -> None:
        if not str(code).strip():
            raise B24ConfigError("webhook code is empty", hint="set B24_WEBHOOK_CODE or B24_WEBHOOK_URL")
        self.user_id = int(user_id)
        self._code = str(code).strip().strip("/")
        register_secret(self._code)

    def __repr__(self) -> str:
        return f"WebhookAuth(user_id={self.user_id}, code='***')"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.path
        secret = f"{self.user_id}/{self._code}/"
        if path.startswith("/rest/api/"):
            path = "/rest/api/" + secret + path[len("/rest/api/") :]
        elif path.startswith("/rest/"):
            path = "/rest/" + secret + path[len("/rest/") :]
        request.url = request.url.copy_with(path=path)
        yield request


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str | None = None
    expires: float | None = None


@runtime_checkable
class TokenStore(Protocol):
    """Where rotated OAuth tokens live. `seed` identifies the configured refresh token the stored pair descends from.

    A store may also offer `acquire_lock(blocking) -> bool` / `release_lock()`: a lock shared by every process
    using it, held while one of them refreshes (the file store uses `flock`).
    """

    def load(self, seed: str) -> TokenPair | None: ...

    def save(self, seed: str, pair: TokenPair) -> None: ...


class MemoryTokenStore:
    """Tokens kept in memory (tests, notebooks)."""

    def __init__(self) -> None:
        self._data: dict[str, TokenPair] = {}
        self.saves = 0

    def load(self, seed: str) -> TokenPair | None:
        return self._data.get(seed)

    def save(self, seed: str, pair: TokenPair) -> None:
        self._data[seed] = pair
        self.saves += 1


class FileTokenStore:
    """Tokens in a JSON file (mode 0600, atomic replace), so a rotated refresh token survives restarts.

    The default (`.runtime/b24_tokens.json`, `B24_TOKEN_FILE`). A stored pair is used only while the configured
    refresh token is the one it was rotated from; re-authorizing (new env tokens) starts fresh.
    """

    def __init__(self, path: str | Path = ".runtime/b24_tokens.json") -> None:
        self.path = Path(path)
        self._lock_fds: list[int] = []

    def load(self, seed: str) -> TokenPair | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("seed") != seed or not data.get("access_token"):
            return None
        pair = TokenPair(data["access_token"], data.get("refresh_token"), data.get("expires"))
        register_secret(pair.access_token)
        register_secret(pair.refresh_token)
        return pair

    def acquire_lock(self, blocking: bool = True) -> bool:
        """Exclusive lock shared by every process using this file (held while one of them refreshes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fds.append(fd)
        return True

    def release_lock(self) -> None:
        if self._lock_fds:
            fd = self._lock_fds.pop()
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def save(self, seed: str, pair: TokenPair) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        payload = {
            "seed": seed,
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires": pair.expires,
            "saved_at": int(time.time()),
        }
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, self.path)


def _seed_of(refresh_token: str | None, access_token: str) -> str:
    return hashlib.sha256((refresh_token or access_token).encode()).hexdigest()[:16]


def _is_expired_token(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("error", "")).lower() == "expired_token"


class OAuthAuth(httpx.Auth):
    """OAuth 2.0 application auth with automatic, single-flight refresh on `expired_token`."""

    requires_response_body = True

    def __init__(
        self,
        access_token: str,
        *,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        oauth_server: str = "https://oauth.bitrix.info",
        store: TokenStore | None = None,
    ) -> None:
        if not access_token:
            raise B24ConfigError("OAuth needs an access token", hint="set B24_ACCESS_TOKEN")
        if refresh_token and not (client_id and client_secret):
            raise B24ConfigError(
                "refreshing needs B24_CLIENT_ID and B24_CLIENT_SECRET besides B24_REFRESH_TOKEN",
                hint="set both, or unset B24_REFRESH_TOKEN to disable refresh",
            )
        for secret in (access_token, refresh_token, client_secret):
            register_secret(secret)
        self.client_id = client_id
        self._client_secret = client_secret
        self.oauth_server = oauth_server.rstrip("/")
        self.store: TokenStore = store if store is not None else FileTokenStore()
        self._seed = _seed_of(refresh_token, access_token)
        stored = self.store.load(self._seed)
        self._pair = stored or TokenPair(access_token, refresh_token)
        self._lock = threading.Lock()
        self._alocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.refresh_count = 0

    def __repr__(self) -> str:
        return f"OAuthAuth(client_id={self.client_id!r}, access_token='***')"

    @property
    def access_token(self) -> str:
        return self._pair.access_token

    @property
    def can_refresh(self) -> bool:
        return bool(self._pair.refresh_token and self.client_id and self._client_secret)

    # -- request shaping (pure) --
    def _with_token(self, request: httpx.Request, token: str) -> httpx.Request:
        body: dict[str, Any] = {}
        if request.content:
            try:
                decoded = json.loads(request.content)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                body = decoded
        body["auth"] = token
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("content-length", "content-type")
        }
        return httpx.Request(
            request.method, request.url, headers=headers, json=body, extensions=request.extensions
        )

    def _refresh_request(self) -> httpx.Request:
        params = {
            "grant_type": "refresh_token",
            "client_id": self.client_id or "",
            "client_secret": self._client_secret or "",
            "refresh_token": self._pair.refresh_token or "",
        }
        return httpx.Request("GET", f"{self.oauth_server}/oauth/token/", params=params)

    def _apply_refresh(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            code = str(body.get("error") or "invalid_grant") if isinstance(body, dict) else "invalid_grant"
            desc = str(body.get("error_description") or "") if isinstance(body, dict) else ""
            err = make_api_error(
                code,
                redact_text(desc or "token refresh refused"),
                status=response.status_code,
                method="oauth/token",
            )
            if not isinstance(err, B24RefreshFailed):
                err = B24RefreshFailed(
                    code,
                    redact_text(desc or "token refresh refused"),
                    status=response.status_code,
                    method="oauth/token",
                )
            raise err
        expires = body.get("expires") or (time.time() + float(body.get("expires_in") or 3600))
        pair = TokenPair(
            str(body["access_token"]),
            str(body.get("refresh_token") or self._pair.refresh_token),
            float(expires),
        )
        register_secret(pair.access_token)
        register_secret(pair.refresh_token)
        self._pair = pair
        self.refresh_count += 1
        self.store.save(self._seed, pair)
        log.info("OAuth access token refreshed at %s (expired_token)", self.oauth_server)

    def _store_lock(self, *, blocking: bool) -> bool:
        acquire = getattr(self.store, "acquire_lock", None)
        return True if acquire is None else bool(acquire(blocking))

    def _store_unlock(self) -> None:
        release = getattr(self.store, "release_lock", None)
        if release is not None:
            release()

    def _reload_from_store(self, used: str) -> bool:
        """Another process may have refreshed already: take its pair when it differs from the token we used."""
        stored = self.store.load(self._seed)
        if stored and stored.access_token != used:
            self._pair = stored
            return True
        return False

    # -- flows --
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        used = self._pair.access_token
        response = yield self._with_token(request, used)
        if response.status_code != 401 or not self.can_refresh:
            return
        response.read()
        if not _is_expired_token(response):
            return
        with self._lock:
            self._store_lock(blocking=True)
            try:
                if self._pair.access_token == used and not self._reload_from_store(used):
                    refresh = yield self._refresh_request()
                    refresh.read()
                    self._apply_refresh(refresh)
            finally:
                self._store_unlock()
        yield self._with_token(request, self._pair.access_token)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        used = self._pair.access_token
        response = yield self._with_token(request, used)
        if response.status_code != 401 or not self.can_refresh:
            return
        await response.aread()
        if not _is_expired_token(response):
            return
        loop = asyncio.get_running_loop()
        alock = self._alocks.get(loop)
        if alock is None:
            alock = self._alocks[loop] = asyncio.Lock()
        async with alock:
            # the thread lock also excludes sync callers and other event loops; poll it without blocking the loop
            while not self._lock.acquire(blocking=False):
                await asyncio.sleep(0.005)
            while not self._store_lock(blocking=False):  # another process is refreshing
                await asyncio.sleep(0.01)
            try:
                if self._pair.access_token == used and not self._reload_from_store(used):
                    refresh = yield self._refresh_request()
                    await refresh.aread()
                    self._apply_refresh(refresh)
            finally:
                self._store_unlock()
                self._lock.release()
        yield self._with_token(request, self._pair.access_token)
