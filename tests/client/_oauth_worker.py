"""Child process for the cross-process refresh test: one OAuth call through a shared token file."""

from __future__ import annotations

from typing import Any


def call_once(base_url: str, tokens: dict[str, str], token_file: str, barrier: Any, out: Any) -> None:
    from b24_tools import B24Client
    from b24_tools.client._auth import FileTokenStore, OAuthAuth
    from b24_tools.client.ratelimit import NoopRateLimiter

    auth = OAuthAuth(
        tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        client_id=tokens["client_id"],
        client_secret=tokens["client_secret"],
        oauth_server=base_url,
        store=FileTokenStore(token_file),
    )
    barrier.wait()
    try:
        with B24Client(base_url, auth=auth, limiter=NoopRateLimiter()) as client:
            client.call("crm.lead.list", {"start": -1})
        out.put(("ok", auth.refresh_count))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.put(("error", f"{type(exc).__name__}: {exc}"))
