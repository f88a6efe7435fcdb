"""`Portals`: every portal the application is installed on, and one client per portal.

    with Portals.open(client_id=..., client_secret=..., encryption_key=...) as portals:
        portals.client("a223c6b3710f85df22e9377d6c4f7553").call("crm.lead.list")   # member_id
        portals.client("acme.bitrix24.com").call("user.current")                    # or domain

Each portal's client has its own OAuth tokens (sealed in the store, refreshed once across processes under that
portal's lock), its own limiter bucket (the shared file or Redis limiter, keyed by member_id, sized by the
portal's plan) and its own operating-time accounting (`usage()`): one portal's flood never throttles another.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from .._errors import B24PortalNotInstalled, B24ValidationError
from ..client._client import AsyncB24Client, B24Client
from ..client.ratelimit import RateLimiter, make_rate_limiter
from ._auth import PortalAuth, PortalBucket, PortalTokens
from ._crypto import make_sealer
from ._locks import FileRefreshLocks, RefreshLocks, make_refresh_locks
from ._oauth import OAuthGrant, OAuthServer
from ._store import PortalRecord, PortalStore

__all__ = ["Portals", "PLANS"]

# settings/performance/limits.md: standard plans drain 2 requests/s with a burst of 50, enterprise 5/s and 250;
# the client keeps a small margin under both.
PLANS: dict[str, tuple[float, float]] = {"standard": (1.9, 48.0), "enterprise": (4.75, 248.0)}


class Portals:
    """The registry of installed portals, their tokens, and a client per portal."""

    def __init__(
        self,
        store: PortalStore,
        *,
        client_id: str,
        client_secret: str,
        oauth_server: str = "https://oauth.bitrix.info",
        limiter: str = "file",
        limiter_path: str | Path = ".runtime/bitrix24_rate_limiter.sqlite",
        redis_url: str | None = None,
        locks: RefreshLocks | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        status_ttl: float = 1.0,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        if not client_id or not client_secret:
            raise B24ValidationError(
                "the application needs its client_id and client_secret",
                hint="set B24_CLIENT_ID and B24_CLIENT_SECRET (from the application's card)",
            )
        self.store = store
        self.client_id = client_id
        self._client_secret = client_secret
        self.oauth_server_url = oauth_server.rstrip("/")
        self.oauth = OAuthServer(
            self.oauth_server_url, client_id=client_id, client_secret=client_secret, transport=transport
        )
        self.locks: RefreshLocks = locks or FileRefreshLocks()
        self._limiter_kind = limiter
        self._limiter_path = limiter_path
        self._redis_url = redis_url
        self._limiters: dict[str, RateLimiter] = {}
        self._transport = transport
        self._async_transport = async_transport
        self.status_ttl = status_ttl
        self._client_options = dict(client_options or {})
        self._clients: dict[str, B24Client] = {}
        self._aclients: dict[str, AsyncB24Client] = {}
        self._retired: list[B24Client] = []
        self._guard = threading.Lock()

    @classmethod
    @contextmanager
    def open(
        cls,
        *,
        client_id: str,
        client_secret: str,
        encryption_key: str | bytes | None,
        database_url: str | None = None,
        runtime_dir: str | Path = ".runtime",
        lock: str | None = None,
        **kw: Any,
    ) -> Iterator[Portals]:
        """Open the store (PostgreSQL by URL, else SQLite under `runtime_dir`) and the registry over it.

        Refresh locks follow the limiter: Redis when `limiter="redis"`, else files under `runtime_dir`.
        """
        runtime = Path(runtime_dir)
        store = PortalStore.open(
            database_url or f"sqlite:///{runtime / 'b24_portals.sqlite'}", sealer=make_sealer(encryption_key)
        )
        kind = lock or ("redis" if kw.get("limiter") == "redis" else "file")
        kw.setdefault("limiter_path", runtime / "bitrix24_rate_limiter.sqlite")
        locks = kw.pop("locks", None) or make_refresh_locks(
            kind, directory=runtime / "portal-locks", redis_url=kw.get("redis_url")
        )
        portals = cls(store, client_id=client_id, client_secret=client_secret, locks=locks, **kw)
        try:
            yield portals
        finally:
            portals.close()

    @classmethod
    @contextmanager
    def from_settings(cls, settings: Any = None, **kw: Any) -> Iterator[Portals]:
        """From `B24_CLIENT_ID`, `B24_CLIENT_SECRET`, `B24_ENCRYPTION_KEY`, `B24_DATABASE_URL`, `B24_OAUTH_SERVER`,
        `B24_RATE_LIMITER` and `B24_REDIS_URL`."""
        from .._settings import B24Settings

        s: B24Settings = settings if settings is not None else B24Settings()
        opts: dict[str, Any] = {
            "client_id": s.client_id or "",
            "client_secret": s.client_secret.get_secret_value() if s.client_secret else "",
            "encryption_key": s.encryption_key.get_secret_value() if s.encryption_key else None,
            "database_url": s.database_url,
            "runtime_dir": s.runtime_dir,
            "oauth_server": s.oauth_server,
            "limiter": s.rate_limiter,
            "limiter_path": s.rate_limiter_file,
            "redis_url": s.redis_url,
        }
        opts.update(kw)
        with cls.open(**opts) as portals:
            yield portals

    def __repr__(self) -> str:
        return f"Portals(client_id={self.client_id!r}, store={self.store!r})"

    def close(self) -> None:
        with self._guard:
            for client in [*self._clients.values(), *self._retired]:
                client.close()
            self._clients.clear()
            self._retired.clear()
        self.oauth.close()
        for limiter in self._limiters.values():
            close = getattr(limiter, "close", None)
            if close is not None:
                close()
        self.store.close()
        close_locks = getattr(self.locks, "close", None)
        if close_locks is not None:
            close_locks()

    def __enter__(self) -> Portals:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the registry -------------------------------------------------------------------------------------
    def get(self, key: str) -> PortalRecord:
        """The portal by member_id or domain; `B24PortalNotInstalled` when unknown or uninstalled."""
        record = self.store.get(key)
        if record is None or not record.installed:
            status = record.status if record is not None else "unknown"
            raise B24PortalNotInstalled(
                f"the application is {'no longer' if status == 'uninstalled' else 'not'} installed on {key}",
                portal=record.member_id if record is not None else key,
                status=status,
            )
        return record

    def list(self, *, include_uninstalled: bool = False) -> list[PortalRecord]:
        return self.store.list(None if include_uninstalled else "installed")

    def install(self, grant: OAuthGrant, *, application_token: str | None = None) -> PortalRecord:
        """Store a portal the OAuth server confirmed; a re-install replaces its tokens and forgets old clients."""
        self.store.save_install(grant.record, grant.tokens, application_token=application_token)
        self._forget(grant.record.member_id)
        return grant.record

    def uninstall(self, member_id: str) -> bool:
        """Mark the portal uninstalled and erase its tokens; its clients refuse every further call."""
        done = self.store.mark_uninstalled(member_id)
        self._forget(member_id)
        return done

    def set_plan(self, key: str, plan: str) -> None:
        """`standard` or `enterprise` (settings/performance/limits.md): sizes that portal's bucket."""
        if plan not in PLANS:
            raise B24ValidationError(f"unknown plan {plan!r}", hint=f"use one of: {', '.join(PLANS)}")
        record = self.get(key)
        self.store.set_plan(record.member_id, plan)
        self._forget(record.member_id)

    def _forget(self, member_id: str) -> None:
        """Build the next client afresh; one already handed out stays usable (and refuses an uninstalled portal)."""
        with self._guard:
            client = self._clients.pop(member_id, None)
            self._aclients.pop(member_id, None)
            if client is not None:
                self._retired.append(client)

    # -- clients ---------------------------------------------------------------------------------------------
    def _limiter(self, plan: str) -> RateLimiter:
        limiter = self._limiters.get(plan)
        if limiter is None:
            rate, burst = PLANS.get(plan, PLANS["standard"])
            limiter = make_rate_limiter(
                self._limiter_kind, rate=rate, burst=burst, path=self._limiter_path,
                redis_url=self._redis_url, key_prefix=f"b24:ratelimit:{plan}:",
            )  # fmt: skip
            self._limiters[plan] = limiter
        return limiter

    def bucket(self, key: str) -> PortalBucket:
        """The limiter bucket of one portal (its key is the portal's member_id)."""
        record = self.get(key)
        return PortalBucket(self._limiter(record.plan), record.member_id)

    def _parts(self, record: PortalRecord) -> dict[str, Any]:
        tokens = PortalTokens(self.store, record.member_id, self.locks.for_portal(record.member_id))
        auth = PortalAuth(
            tokens,
            client_id=self.client_id,
            client_secret=self._client_secret,
            oauth_server=self.oauth_server_url,
            status_ttl=self.status_ttl,
        )
        opts = {**self._client_options, "auth": auth, "limiter": self.bucket(record.member_id)}
        return opts

    def client(self, key: str) -> B24Client:
        """The portal's client (one per portal and process, thread-safe); refuses an uninstalled portal."""
        record = self.get(key)
        with self._guard:
            client = self._clients.get(record.member_id)
            if client is None:
                client = B24Client(record.base_url, transport=self._transport, **self._parts(record))
                self._clients[record.member_id] = client
            return client

    def new_client(self, key: str) -> B24Client:
        """A client of its own for the caller to close (a command's lifetime); same tokens, bucket and lock."""
        record = self.get(key)
        return B24Client(record.base_url, transport=self._transport, **self._parts(record))

    def aclient(self, key: str) -> AsyncB24Client:
        """The portal's async client (one per portal and process)."""
        record = self.get(key)
        with self._guard:
            client = self._aclients.get(record.member_id)
            if client is None:
                client = AsyncB24Client(
                    record.base_url, transport=self._async_transport, **self._parts(record)
                )
                self._aclients[record.member_id] = client
            return client

    def usage(self, key: str) -> dict[str, Any]:
        """This process's accounting for one portal: requests, throttles, limiter waits, refreshes and the
        operating seconds the portal reported per method (`time.operating`, settings/performance/limits.md)."""
        record = self.store.get(key)
        member_id = record.member_id if record is not None else key
        client = self._clients.get(member_id)
        if client is None:
            return {"member_id": member_id, "requests": 0, "throttled": 0, "limiter_wait": 0.0,
                    "refreshes": 0, "operating": {}}  # fmt: skip
        stats = client.stats
        return {
            "member_id": member_id,
            "requests": stats.requests,
            "throttled": stats.throttled,
            "limiter_wait": stats.limiter_wait,
            "refreshes": stats.refreshes,
            "operating": dict(getattr(stats, "operating", {}) or {}),
        }

    # -- events ------------------------------------------------------------------------------------------------
    def verify_event(self, member_id: str, application_token: Any) -> PortalRecord:
        """The portal an event claims to come from, when its `application_token` is that portal's own.

        api-reference/events/safe-event-handlers.md: compare `auth[application_token]` with the value stored from
        `ONAPPINSTALL`. Raises `B24PortalNotInstalled` (unknown/uninstalled) or `B24ValidationError` (mismatch).
        """
        record = self.get(member_id)
        expected = self.store.application_token(record.member_id)
        if (
            expected is None
            or not isinstance(application_token, str)
            or not application_token
            or not hmac.compare_digest(application_token.encode(), expected.encode())
        ):
            raise B24ValidationError(
                f"event refused: its application_token is not the one portal {record.domain} was installed with",
                hint="events are accepted only with the token ONAPPINSTALL delivered for that portal",
            )
        return record
