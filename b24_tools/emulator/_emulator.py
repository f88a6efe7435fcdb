"""`Emulator`: the embeddable Bitrix24 portal (ASGI app + SQLite state + faults + events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ._app import build_app, drop_aware
from ._config import EmulatorConfig
from ._faults import Faults
from ._limits import Stats
from ._portal import Portal
from ._store import Store
from ._transport import AsyncASGITransport, LoopThread, SyncASGITransport

__all__ = ["Emulator"]

_ENTITY_ALIASES = {
    "leads": "lead",
    "deals": "deal",
    "contacts": "contact",
    "companies": "company",
    "tasks": "task",
}


class Emulator:
    """A local Bitrix24 portal.

    emu = Emulator()                      # in memory; Emulator("portal.sqlite") survives restarts
    emu.seed(leads=200, deals=50)
    with emu.client() as client: client.call("crm.lead.list")
    with emu.serve() as base_url: ...     # a real loopback socket (uvicorn thread)
    """

    def __init__(self, db_path: str | Path = ":memory:", config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(db_path)
        self.portal = Portal(self.store, self.config)
        self._asgi = build_app(self.portal)
        self.app = drop_aware(self._asgi)
        self._loop = LoopThread()
        self.base_url = f"http://{self.config.portal_domain}:8765"
        self.portal.base_url = self.base_url

    # -- addresses ------------------------------------------------------------------------------------
    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/rest/{self.config.user_id}/{self.config.webhook_code}/"

    def set_base_url(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.portal.base_url = self.base_url

    # -- parts ---------------------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        return self.portal.faults

    @property
    def stats(self) -> Stats:
        return self.portal.stats

    @property
    def oauth(self) -> Any:
        return self.portal.oauth

    @property
    def events(self) -> Any:
        return self.portal.events

    @property
    def clock(self) -> Any:
        return self.portal.clock

    def move_to(self, location: str | None) -> None:
        """Answer every REST call with 302 to `location` (portal address changed; change-domen.md)."""
        self.portal.moved_to = location

    def add_webhook(self, code: str, *, user_id: int = 1, scopes: set[str] | None = None) -> str:
        """Another inbound webhook (own scopes, own operating-time budget) → its URL."""
        hooks = self.store.kv_get("webhooks", {})
        hooks[code] = [user_id, sorted(scopes) if scopes is not None else None]
        self.store.kv_set("webhooks", hooks)
        return f"{self.base_url}/rest/{user_id}/{code}/"

    # -- transports and clients ---------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """A synchronous in-process transport (the app runs on a private event-loop thread)."""
        return SyncASGITransport(self.app, self._loop)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncASGITransport(self.app)

    def http(self, **kw: Any) -> httpx.Client:
        """A raw httpx client bound to the in-process app (tests of the wire)."""
        kw.setdefault("base_url", self.base_url)
        return httpx.Client(transport=self.transport(), **kw)

    def client(self, **kw: Any) -> Any:
        """A `B24Client` on the in-process transport, limiter off."""
        from ..client._client import B24Client

        kw.setdefault("transport", self.transport())
        kw.setdefault("limiter", _noop_limiter())
        return B24Client.from_webhook(self.webhook_url, **kw)

    def aclient(self, **kw: Any) -> Any:
        from ..client._client import AsyncB24Client

        kw.setdefault("transport", self.async_transport())
        kw.setdefault("limiter", _noop_limiter())
        return AsyncB24Client.from_webhook(self.webhook_url, **kw)

    @contextmanager
    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
        *,
        allow_remote: bool = False,
    ) -> Iterator[str]:
        """Serve on a real socket (uvicorn thread); yields the base URL. Loopback only unless `allow_remote`
        (then with a warning, a random webhook code and an admin token: see `_server.prepare_remote`)."""
        import warnings

        from .._settings import is_loopback_host
        from ._server import prepare_remote, serve_in_thread

        if not allow_remote and not is_loopback_host(host):
            raise ValueError(f"{host} is not a loopback address; pass allow_remote=True to serve on it")
        warning = prepare_remote(self.config, host)
        if warning is not None:
            warnings.warn(warning, stacklevel=3)

        previous = self.base_url
        with serve_in_thread(self.app, host=host, port=port, certfile=certfile, keyfile=keyfile) as url:
            self.set_base_url(url)
            try:
                yield url
            finally:
                self.set_base_url(previous)

    # -- data ------------------------------------------------------------------------------------------
    def seed(
        self,
        leads: int = 0,
        deals: int = 0,
        contacts: int = 0,
        companies: int = 0,
        tasks: int = 0,
        users: int = 5,
        seed: int = 42,
    ) -> dict[str, int]:
        """Deterministic demo rows (bulk insert); same seed → same data."""
        from ._seed import seed as run_seed

        return run_seed(
            self.portal, leads=leads, deals=deals, contacts=contacts, companies=companies, tasks=tasks,
            users=users, seed=seed,
        )  # fmt: skip

    def _entity(self, entity: str) -> str:
        return _ENTITY_ALIASES.get(entity, entity)

    def count(self, entity: str, **filter: Any) -> int:
        """Rows of `entity` ("lead", "deal", "task", …) whose stored fields equal the given values."""
        entity = self._entity(entity)
        if not filter:
            return self.store.count(entity)
        if all(isinstance(v, str | int) and not isinstance(v, bool) for v in filter.values()):
            parts, args = [], []
            for key, value in filter.items():
                if key == "ID":
                    parts.append("CAST(id AS TEXT) = ?")
                else:
                    parts.append(f"CAST(json_extract(data, '$.\"{key.replace(chr(34), '')}\"') AS TEXT) = ?")
                args.append(str(value))
            return self.store.count(entity, " AND ".join(parts), args)
        return len(self.records(entity, **filter))

    def records(self, entity: str, **filter: Any) -> list[dict[str, Any]]:
        """Stored rows (typed values, UPPER keys, `ID` int) — a test helper, not a wire shape."""
        entity = self._entity(entity)
        out = []
        for id, data in self.store.select(entity):
            row = {"ID": id, **data}
            if all(str(row.get(k)) == str(v) for k, v in filter.items()):
                out.append(row)
        return out

    def reset_limits(self) -> None:
        self.portal.operating.reset()
        self.portal.bucket.configure(self.portal.bucket.rate)

    def close(self) -> None:
        self.portal.events.close()
        self._loop.close()
        self.store.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _noop_limiter() -> Any:
    """In-process clients need no client-side bucket (the emulator's own bucket, if configured, still applies)."""
    from ..client.ratelimit import NoopRateLimiter

    return NoopRateLimiter()
