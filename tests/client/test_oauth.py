"""OAuth: token in the body, refresh on 401 expired_token (settings/oauth/auto-renewal.md), one refresh for many."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from b24_tools import AsyncB24Client, B24Client, B24RefreshFailed, B24TokenExpired
from b24_tools._redact import redact_text
from b24_tools.client._auth import FileTokenStore, MemoryTokenStore, OAuthAuth, TokenPair
from b24_tools.client.ratelimit import NoopRateLimiter

OAUTH = "https://oauth.example.com"


class OAuthPortal:
    """Portal + OAuth server: tokens old-0, new-1, new-2 ...; refresh rotates the refresh token too."""

    def __init__(self, *, refresh_delay: float = 0.05, grant_ok: bool = True) -> None:
        self.access = "access-token-old-0"
        self.refresh = "refresh-token-old-0"
        self.refreshes = 0
        self.refresh_queries: list[dict[str, str]] = []
        self.delay = refresh_delay
        self.grant_ok = grant_ok
        self.portal_calls = 0
        self.lock = threading.Lock()

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        with self.lock:
            self.refresh_queries.append(q)
            if not self.grant_ok or q.get("refresh_token") != self.refresh:
                return httpx.Response(
                    400, json={"error": "invalid_grant", "error_description": "Invalid grant"}
                )
            self.refreshes += 1
            self.access = f"access-token-new-{self.refreshes}"
            self.refresh = f"refresh-token-new-{self.refreshes}"
            return httpx.Response(
                200,
                json={
                    "access_token": self.access,
                    "refresh_token": self.refresh,
                    "expires_in": 3600,
                    "expires": int(time.time()) + 3600,
                    "client_endpoint": "https://portal.example.com/rest/",
                    "domain": "oauth.example.com",
                    "scope": "crm",
                    "status": "L",
                    "user_id": 1,
                    "member_id": "m",
                },
            )

    def _portal(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self.lock:
            self.portal_calls += 1
            current = self.access
        if body.get("auth") != current:
            return httpx.Response(
                401,
                json={
                    "error": "expired_token",
                    "error_description": "The access token provided has expired.",
                },
            )
        return httpx.Response(200, json={"result": {"ok": body.get("n")}})

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth.example.com":
            assert request.url.path == "/oauth/token/"
            time.sleep(self.delay)
            return self._refresh(request)
        return self._portal(request)

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth.example.com":
            await asyncio.sleep(self.delay)
            return self._refresh(request)
        await asyncio.sleep(0)
        return self._portal(request)


def _auth(store=None) -> OAuthAuth:
    return OAuthAuth(
        "access-token-old-0",
        refresh_token="refresh-token-old-0",
        client_id="app.123",
        client_secret="client-secret-xyz",
        oauth_server=OAUTH,
        store=store or MemoryTokenStore(),
    )


def _client(p: OAuthPortal, auth: OAuthAuth) -> B24Client:
    return B24Client(
        "https://portal.example.com",
        auth=auth,
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(p.handler),
    )


def test_expired_token_is_refreshed_with_the_documented_grant_and_the_call_retried_once() -> None:
    p = OAuthPortal(refresh_delay=0)
    p.access = "access-token-expired"
    store = MemoryTokenStore()
    with _client(p, _auth(store)) as c:
        assert c.call("crm.lead.get", {"n": 1}).result == {"ok": 1}
    assert p.refresh_queries == [
        {
            "grant_type": "refresh_token",
            "client_id": "app.123",
            "client_secret": "client-secret-xyz",
            "refresh_token": "refresh-token-old-0",
        }
    ]
    assert p.portal_calls == 2 and c.stats.refreshes == 1
    assert store.load(c.auth._seed) == TokenPair(
        "access-token-new-1", "refresh-token-new-1", store.load(c.auth._seed).expires
    )


def test_many_threads_hitting_an_expired_token_refresh_exactly_once() -> None:
    p = OAuthPortal(refresh_delay=0.1)
    p.access = "access-token-rotated-elsewhere"  # every caller's first answer is expired_token
    auth = _auth()
    results: list[object] = []
    with _client(p, auth) as c:
        barrier = threading.Barrier(12)

        def worker(n: int) -> None:
            barrier.wait()
            results.append(c.call("crm.lead.get", {"n": n}).result)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert p.refreshes == 1 and len(p.refresh_queries) == 1
    assert sorted(r["ok"] for r in results) == list(range(12))  # type: ignore[index]


async def test_many_asyncio_tasks_hitting_an_expired_token_refresh_exactly_once() -> None:
    p = OAuthPortal(refresh_delay=0.1)
    p.access = "access-token-rotated-elsewhere"
    async with AsyncB24Client(
        "https://portal.example.com",
        auth=_auth(),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(p.ahandler),
    ) as c:
        results = await asyncio.gather(*(c.call("crm.lead.get", {"n": i}) for i in range(20)))
    assert p.refreshes == 1
    assert sorted(r.result["ok"] for r in results) == list(range(20))


def test_threads_and_tasks_sharing_one_auth_refresh_once() -> None:
    p = OAuthPortal(refresh_delay=0.1)
    p.access = "access-token-rotated-elsewhere"
    auth = _auth()

    async def tasks() -> None:
        async with AsyncB24Client(
            "https://portal.example.com",
            auth=auth,
            limiter=NoopRateLimiter(),
            transport=httpx.MockTransport(p.ahandler),
        ) as ac:
            await asyncio.gather(*(ac.call("crm.lead.get", {"n": i}) for i in range(5)))

    with _client(p, auth) as c:
        threads = [threading.Thread(target=c.call, args=("crm.lead.get", {"n": i})) for i in range(5)]
        for t in threads:
            t.start()
        asyncio.run(tasks())
        for t in threads:
            t.join()
    assert p.refreshes == 1


def test_invalid_grant_raises_refresh_failed_telling_to_re_authorize() -> None:
    p = OAuthPortal(refresh_delay=0, grant_ok=False)
    p.access = "access-token-other"
    with _client(p, _auth()) as c, pytest.raises(B24RefreshFailed) as info:
        c.call("crm.lead.get")
    assert "re-authorize" in str(info.value)
    assert "client-secret-xyz" not in str(info.value) and "refresh-token-old-0" not in str(info.value)


def test_without_refresh_credentials_expired_token_is_raised() -> None:
    p = OAuthPortal(refresh_delay=0)
    p.access = "access-token-other"
    auth = OAuthAuth("access-token-old-0", oauth_server=OAUTH, store=MemoryTokenStore())
    with _client(p, auth) as c, pytest.raises(B24TokenExpired):
        c.call("crm.lead.get")
    assert p.refresh_queries == []


def test_refresh_needs_client_credentials() -> None:
    from b24_tools import B24ConfigError

    with pytest.raises(B24ConfigError, match="B24_CLIENT_ID"):
        OAuthAuth("access-token-x", refresh_token="refresh-token-x")


def test_file_store_keeps_the_rotated_pair_for_the_next_process(tmp_path: Path) -> None:
    p = OAuthPortal(refresh_delay=0)
    p.access = "access-token-expired"
    path = tmp_path / "tokens.json"
    with _client(p, _auth(FileTokenStore(path))) as c:
        c.call("crm.lead.get")
    assert (path.stat().st_mode & 0o777) == 0o600
    saved = json.loads(path.read_text())
    assert saved["access_token"] == "access-token-new-1" and saved["refresh_token"] == "refresh-token-new-1"
    # a new process configured with the same (now rotated) env tokens starts from the stored pair
    again = _auth(FileTokenStore(path))
    assert again.access_token == "access-token-new-1"
    # re-authorizing (other env refresh token) ignores the stale file
    fresh = OAuthAuth(
        "access-token-fresh",
        refresh_token="refresh-token-fresh",
        client_id="a",
        client_secret="s-123456",
        store=FileTokenStore(path),
    )
    assert fresh.access_token == "access-token-fresh"


def test_another_process_refresh_is_picked_up_instead_of_refreshing_again(tmp_path: Path) -> None:
    p = OAuthPortal(refresh_delay=0)
    path = tmp_path / "tokens.json"
    auth = _auth(FileTokenStore(path))
    other = _auth(FileTokenStore(path))
    p.access = "access-token-expired"
    with _client(p, other) as c:
        c.call("crm.lead.get")  # "process 2" refreshes: new-1 stored
    with _client(p, auth) as c:
        assert c.call("crm.lead.get", {"n": 3}).result == {"ok": 3}
    assert p.refreshes == 1


def test_tokens_and_client_secret_are_redacted_everywhere() -> None:
    auth = _auth()
    text = "access-token-old-0 refresh-token-old-0 client-secret-xyz"
    assert redact_text(text) == "*** *** ***"
    assert "access-token-old-0" not in repr(auth)


def test_the_resend_after_a_refresh_passes_the_limiter_too() -> None:
    from b24_tools.client.ratelimit import MemoryRateLimiter

    class Counting(MemoryRateLimiter):
        def __init__(self) -> None:
            super().__init__(rate=1000, burst=1000)
            self.keys: list[str] = []

        def acquire(self, key: str) -> float:
            self.keys.append(key)
            return super().acquire(key)

    p = OAuthPortal(refresh_delay=0)
    p.access = "access-token-expired"
    limiter = Counting()
    with B24Client(
        "https://portal.example.com", auth=_auth(), limiter=limiter, transport=httpx.MockTransport(p.handler)
    ) as c:
        c.call("crm.lead.get")
    assert p.portal_calls == 2 and limiter.keys == ["portal.example.com"] * 2  # not the OAuth server
    assert c.stats.requests == 2


def test_batch_over_oauth_carries_the_token_beside_cmd() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "result": {
                    "result": {"a": 1},
                    "result_error": [],
                    "result_total": [],
                    "result_next": [],
                    "result_time": [],
                }
            },
        )

    with B24Client(
        "https://portal.example.com",
        auth=_auth(),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
    ) as c:
        assert c.batch({"a": "user.current"}).results == {"a": 1}
    assert seen == [{"halt": 0, "cmd": {"a": "user.current"}, "auth": "access-token-old-0"}]
