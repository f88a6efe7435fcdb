"""The HTTP client: sync and async httpx clients over one pure core (envelopes, retries, auth, paging, batch).

`ratelimit/` holds the shared leaky-bucket limiters (memory, file, Redis) every client of a portal draws from.
The client knows nothing of LangChain, graphs or approvals.
"""

from __future__ import annotations

from ._auth import FileTokenStore, MemoryTokenStore, OAuthAuth, WebhookAuth
from ._client import AsyncB24Client, B24Client
from ._response import B24Response, B24Time, BatchResult

__all__ = [
    "B24Client",
    "AsyncB24Client",
    "B24Response",
    "B24Time",
    "BatchResult",
    "WebhookAuth",
    "OAuthAuth",
    "FileTokenStore",
    "MemoryTokenStore",
]
