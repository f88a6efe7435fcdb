"""AsyncB24Client mirrors B24Client: same names, awaitable, `async for` paging, `aclose`."""

from __future__ import annotations

import asyncio
import inspect

import httpx
import pytest

from b24_tools import AsyncB24Client, B24Client, B24UnknownOutcome, B24ValidationError
from b24_tools.client._auth import WebhookAuth
from b24_tools.client.ratelimit import MemoryRateLimiter, NoopRateLimiter

from .fakeportal import WEBHOOK_CODE, FakePortal, make_records


@pytest.fixture
async def aclient(portal: FakePortal):
    c = AsyncB24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=portal.transport(),
        backoff_base=0.001,
    )
    yield c
    await c.aclose()


def test_async_client_has_the_same_public_methods() -> None:
    sync = {n for n in dir(B24Client) if not n.startswith("_")} - {"close"}
    asyn = {n for n in dir(AsyncB24Client) if not n.startswith("_")} - {"aclose"}
    assert sync == asyn
    for name in ("call", "batch", "call_many"):
        assert inspect.iscoroutinefunction(getattr(AsyncB24Client, name))


async def test_async_call_and_batch(aclient: AsyncB24Client, portal: FakePortal) -> None:
    assert (await aclient.call("crm.lead.add", {"fields": {"TITLE": "a"}})).result == 7
    assert portal.requests[-1].url.path == f"/rest/1/{WEBHOOK_CODE}/crm.lead.add"
    res = await aclient.batch(
        {"u": "user.current", "d": ("department.get", {"ID": "$result[u][UF_DEPARTMENT][0]"})}
    )
    assert res.results["d"] == [{"ID": "1", "NAME": "DEMO"}]
    many = await aclient.call_many("department.get", [{"ID": i} for i in range(70)])
    assert list(many.results) == [str(i) for i in range(70)] and portal.methods[-2:] == ["batch", "batch"]


@pytest.mark.parametrize("method", ["crm.lead.list", "crm.item.list", "tasks.task.list", "user.get"])
@pytest.mark.parametrize("n", [0, 50, 2600])
async def test_async_fast_paging(aclient: AsyncB24Client, portal: FakePortal, method: str, n: int) -> None:
    portal.tables[method] = make_records(method, n)
    got = [r async for r in aclient.iter_list(method)]
    key = "id" if method in ("crm.item.list", "tasks.task.list") else "ID"
    assert [int(r[key]) for r in got] == list(range(1, n + 1))


async def test_async_offset_paging(aclient: AsyncB24Client, portal: FakePortal) -> None:
    portal.tables["crm.deal.list"] = make_records("crm.deal.list", 260)
    got = [r async for r in aclient.iter_list("crm.deal.list", mode="offset")]
    assert sorted(int(r["ID"]) for r in got) == list(range(1, 261))


@pytest.mark.parametrize(("n", "parallel"), [(0, 3), (1, 3), (3001, 4)])
async def test_async_parallel_paging(
    aclient: AsyncB24Client, portal: FakePortal, n: int, parallel: int
) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", n, step=3)
    got = [r async for r in aclient.iter_list("crm.lead.list", parallel=parallel)]
    assert sorted(int(r["ID"]) for r in got) == [1 + 3 * i for i in range(n)]


async def test_async_parallel_stops_its_tasks_when_the_consumer_stops(
    aclient: AsyncB24Client, portal: FakePortal
) -> None:
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 5000)
    it = aclient.iter_list("crm.lead.list", parallel=4)
    first = [await it.__anext__() for _ in range(10)]
    await it.aclose()  # type: ignore[attr-defined]
    assert len(first) == 10
    before = len(portal.requests)
    await asyncio.sleep(0.05)
    assert len(portal.requests) == before


async def test_async_write_timeout_is_an_unknown_outcome() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("lost")

    async with AsyncB24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
    ) as c:
        with pytest.raises(B24UnknownOutcome):
            await c.call("crm.lead.add", {"fields": {}})
    assert len(calls) == 1


async def test_async_reads_retry_and_count(portal: FakePortal) -> None:
    answers = [
        httpx.Response(503, json={"error": "QUERY_LIMIT_EXCEEDED"}),
        httpx.Response(200, json={"result": 1}),
    ]

    async def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    async with AsyncB24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=NoopRateLimiter(),
        transport=httpx.MockTransport(handler),
        backoff_base=0.001,
    ) as c:
        assert (await c.call("crm.lead.list")).result == 1
    assert (c.stats.requests, c.stats.retries, c.stats.throttled) == (2, 1, 1)


async def test_async_validation_happens_before_io(aclient: AsyncB24Client, portal: FakePortal) -> None:
    with pytest.raises(B24ValidationError):
        aclient.iter_list("crm.lead.list", {"order": {"TITLE": "DESC"}})
    with pytest.raises(B24ValidationError):
        await aclient.call("bad method")
    assert portal.requests == []


async def test_every_request_passes_the_limiter(portal: FakePortal) -> None:
    class Counting(MemoryRateLimiter):
        keys: list[str] = []

        async def aacquire(self, key: str) -> float:
            self.keys.append(key)
            return await super().aacquire(key)

    limiter = Counting(rate=1000, burst=1000)
    portal.tables["crm.lead.list"] = make_records("crm.lead.list", 300)
    async with AsyncB24Client(
        "https://portal.example.com",
        auth=WebhookAuth(1, WEBHOOK_CODE),
        limiter=limiter,
        transport=portal.transport(),
    ) as c:
        _ = [r async for r in c.iter_list("crm.lead.list", parallel=3)]
    assert len(limiter.keys) == len(portal.requests) and set(limiter.keys) == {"portal.example.com"}
