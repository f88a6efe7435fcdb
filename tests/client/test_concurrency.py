"""Several 50-command requests in flight for batch / call_many, results in the caller's order."""

from __future__ import annotations

import pytest

from b24_tools import AsyncB24Client, B24Client
from b24_tools.client._auth import WebhookAuth
from b24_tools.client.ratelimit import MemoryRateLimiter, NoopRateLimiter

from .fakeportal import WEBHOOK_CODE, FakePortal


def _params(n: int) -> list[dict[str, str]]:
    return [{"n": str(i)} for i in range(n)]


def test_call_many_keeps_several_requests_in_flight_and_the_callers_order(
    client: B24Client, portal: FakePortal
) -> None:
    portal.delay = 0.05
    out = client.call_many("test.echo", _params(300))
    assert portal.methods == ["batch"] * 6 and portal.max_in_flight >= 2
    assert list(out.results) == [str(i) for i in range(300)]
    assert [out.results[str(i)]["n"] for i in range(300)] == [str(i) for i in range(300)]


@pytest.mark.parametrize("options", [{"halt": True}, {"concurrency": 1}])
def test_halt_or_concurrency_one_sends_one_request_at_a_time(
    client: B24Client, portal: FakePortal, options: dict
) -> None:
    portal.delay = 0.01
    out = client.call_many("test.echo", _params(120), **options)
    assert portal.max_in_flight == 1 and len(out.results) == 120


def test_a_failing_request_surfaces_and_earlier_results_are_kept_in_order(
    client: B24Client, portal: FakePortal
) -> None:
    commands = {str(i): ("test.echo", {"n": str(i)}) for i in range(120)}
    commands["60"] = ("no.such.method", {})
    out = client.batch(commands)
    assert list(out.results) == [str(i) for i in range(120) if i != 60]
    assert set(out.errors) == {"60"}


def test_concurrency_is_bounded_by_the_limiters_burst(portal: FakePortal) -> None:
    portal.delay = 0.05
    with B24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=MemoryRateLimiter(rate=1000, burst=16),
        transport=portal.transport(),
    ) as c:
        c.call_many("test.echo", _params(500))
    assert portal.max_in_flight == 2  # burst 16 -> two requests at a time


async def test_async_call_many_runs_requests_concurrently_in_order() -> None:
    import asyncio

    import httpx

    portal = FakePortal()
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return portal.handle(request)

    async with AsyncB24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
    ) as c:
        out = await c.call_many("test.echo", _params(260))
        assert peak >= 2 and list(out.results) == [str(i) for i in range(260)]
        peak = 0
        await c.call_many("test.echo", _params(260), halt=True)
        assert peak == 1
