"""Many portals from one deployment: the application lifecycle, per-portal tokens, limits and accounting.

    from b24_tools.portals import Portals, create_app_server

    with Portals.from_settings() as portals:                  # B24_CLIENT_ID/SECRET, B24_ENCRYPTION_KEY, …
        app = create_app_server(portals)                      # install callback, OAuth code flow, events
        portals.client("acme.bitrix24.com").call("user.current")

Parts: `PortalStore` (SQLite or PostgreSQL; tokens sealed with AES-GCM), refresh locks (file or Redis), the OAuth
server client, `Portals` (the registry; one client per portal with its own bucket) and the Starlette app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import require_extra
from ._auth import PortalAuth, PortalBucket, PortalTokens
from ._crypto import Sealer, make_sealer
from ._locks import FileRefreshLocks, RedisRefreshLocks, make_refresh_locks
from ._oauth import OAuthGrant, OAuthServer
from ._registry import PLANS, Portals
from ._store import PortalRecord, PortalStore, portal_host

if TYPE_CHECKING:
    from ._app import UNINSTALL_EVENTS, create_app_server

__all__ = [
    "PLANS",
    "UNINSTALL_EVENTS",
    "FileRefreshLocks",
    "OAuthGrant",
    "OAuthServer",
    "PortalAuth",
    "PortalBucket",
    "PortalRecord",
    "PortalStore",
    "PortalTokens",
    "Portals",
    "RedisRefreshLocks",
    "Sealer",
    "create_app_server",
    "make_refresh_locks",
    "make_sealer",
    "portal_host",
]


def __getattr__(name: str) -> Any:
    """The application server needs the `server` extra; the registry and the store do not."""
    if name in ("create_app_server", "UNINSTALL_EVENTS"):
        require_extra("the application server", "server", "starlette", "uvicorn")
        from . import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
