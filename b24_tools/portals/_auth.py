"""One portal's authorization and limiter: its sealed tokens, its refresh lock, its own bucket key.

`PortalAuth` is the client's `OAuthAuth` (single-flight refresh on `expired_token`) over a `PortalTokens` store:
the pair lives sealed in the portal store, and the store's lock is that portal's refresh lock, shared by every
thread, process and (with Redis) host. Before each request it checks that the portal is still installed, so a
portal that uninstalled the application is refused with `B24PortalNotInstalled` before anything is sent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx

from .._errors import B24PortalNotInstalled, B24RefreshFailed
from ..client._auth import OAuthAuth, TokenPair
from ..client.ratelimit import RateLimiter
from ._locks import PortalLock
from ._store import PortalStore

__all__ = ["PortalAuth", "PortalTokens", "PortalBucket"]


class PortalTokens:
    """The `TokenStore` of one portal (the client's OAuth flow loads, saves and locks through it)."""

    def __init__(self, store: PortalStore, member_id: str, lock: PortalLock) -> None:
        self.store = store
        self.member_id = member_id
        self.lock = lock

    def load(self, seed: str) -> TokenPair | None:
        return self.store.load_tokens(self.member_id)

    def save(self, seed: str, pair: TokenPair) -> None:
        if not self.store.save_tokens(self.member_id, pair):
            raise B24PortalNotInstalled(
                f"portal {self.member_id} was uninstalled during a token refresh; the new tokens were dropped",
                portal=self.member_id,
                status="uninstalled",
            )

    def acquire_lock(self, blocking: bool = True) -> bool:
        return self.lock.acquire(blocking)

    def release_lock(self) -> None:
        self.lock.release()


class PortalAuth(OAuthAuth):
    """`OAuthAuth` for one installed portal; refuses every request once the portal is uninstalled."""

    def __init__(
        self,
        tokens: PortalTokens,
        *,
        client_id: str,
        client_secret: str,
        oauth_server: str,
        status_ttl: float = 1.0,
    ) -> None:
        pair = tokens.load("")
        if pair is None:
            raise self._gone(tokens)
        super().__init__(
            pair.access_token,
            refresh_token=pair.refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            oauth_server=oauth_server,
            store=tokens,
        )
        self.tokens = tokens
        self.member_id = tokens.member_id  # the portal's installation id: part of the identity plans carry
        self.status_ttl = status_ttl
        self._checked_at = time.monotonic()

    def __repr__(self) -> str:
        return f"PortalAuth(member_id={self.tokens.member_id!r}, access_token='***')"

    @staticmethod
    def _gone(tokens: PortalTokens) -> B24PortalNotInstalled:
        record = tokens.store.get(tokens.member_id)
        status = record.status if record is not None else "unknown"
        name = record.domain if record is not None else tokens.member_id
        return B24PortalNotInstalled(
            f"the application is {'no longer' if status == 'uninstalled' else 'not'} installed on {name} "
            f"(member_id {tokens.member_id}); the call was not sent",
            portal=tokens.member_id,
            status=status,
        )

    def _check(self, *, fresh: bool = False) -> None:
        now = time.monotonic()
        if not fresh and now - self._checked_at < self.status_ttl:
            return
        record = self.tokens.store.get(self.tokens.member_id)
        if record is None or not record.installed:
            raise self._gone(self.tokens)
        self._checked_at = now

    def _after(self, response: httpx.Response) -> None:
        if response.status_code == 401 and response.request.url.path.startswith("/rest/"):
            self._check(fresh=True)  # a revoked portal answers 401: say why instead of "wrong auth"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._check()
        flow = super().sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = yield outgoing
                self._after(response)
                outgoing = flow.send(response)
        except StopIteration:
            return
        except B24RefreshFailed:
            self._check(fresh=True)
            raise

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._check()
        flow = super().async_auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                response = yield outgoing
                self._after(response)
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        except B24RefreshFailed:
            self._check(fresh=True)
            raise


class PortalBucket:
    """A shared limiter seen through one portal's key: every request of this portal lands in its own bucket.

    Portals served from one host (or by one emulator) would otherwise share a bucket keyed by host name.
    """

    def __init__(self, limiter: RateLimiter, member_id: str) -> None:
        self.limiter = limiter
        self.key = f"portal:{member_id}"

    def acquire(self, key: str) -> float:
        return self.limiter.acquire(self.key)

    async def aacquire(self, key: str) -> float:
        return await self.limiter.aacquire(self.key)

    def __getattr__(self, name: str) -> Any:  # rate, burst, reserve, … of the shared limiter
        return getattr(self.limiter, name)
