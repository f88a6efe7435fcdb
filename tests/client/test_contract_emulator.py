"""The client's behaviours against the in-process emulator (`Emulator.transport()` / `async_transport()`).

The same contract as the MockTransport tests, run against the project's Bitrix24 emulator through its public API
only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

emulator_pkg = pytest.importorskip(
    "b24_tools.emulator", reason="the emulator package is not in this checkout"
)
Emulator = emulator_pkg.Emulator
EmulatorConfig = emulator_pkg.EmulatorConfig

from b24_tools import (  # noqa: E402
    AsyncB24Client,
    B24AuthError,
    B24Client,
    B24MethodNotFound,
    B24NotFound,
    B24OperationTimeLimit,
    B24RefreshFailed,
    B24UnknownOutcome,
)
from b24_tools.client._auth import MemoryTokenStore, OAuthAuth, WebhookAuth  # noqa: E402
from b24_tools.client.ratelimit import MemoryRateLimiter, NoopRateLimiter  # noqa: E402


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = Emulator()
    e.seed(leads=260, deals=40, contacts=10, companies=5, tasks=120, users=60)
    yield e
    e.close()


def _client(emu: Emulator, **kw) -> B24Client:
    kw.setdefault("limiter", NoopRateLimiter())
    kw.setdefault("backoff_base", 0.001)
    return B24Client.from_webhook(emu.webhook_url, transport=emu.transport(), **kw)


@pytest.fixture
def c(emu: Emulator) -> Iterator[B24Client]:
    client = _client(emu)
    yield client
    client.close()


def test_write_then_read_round_trip(c: B24Client, emu: Emulator) -> None:
    lead_id = c.call("crm.lead.add", {"fields": {"TITLE": "Contract & Co", "ORIGIN_ID": "ext-1"}}).result
    assert isinstance(lead_id, int)
    lead = c.call("crm.lead.get", {"id": lead_id})
    assert lead.result["TITLE"] == "Contract & Co" and lead.time is not None and lead.time.date_start
    assert emu.count("lead", ORIGIN_ID="ext-1") == 1


def test_typed_errors_from_the_emulator(c: B24Client, emu: Emulator) -> None:
    with pytest.raises(B24MethodNotFound):
        c.call("crm.nothing.here")
    with pytest.raises(B24NotFound):
        c.call("crm.deal.get", {"id": 999999})
    bad = B24Client.from_webhook(
        emu.webhook_url.replace(emu.config.webhook_code, "wrong-code-000"),
        transport=emu.transport(),
        limiter=NoopRateLimiter(),
    )
    with pytest.raises(B24AuthError):
        bad.call("crm.lead.list")
    bad.close()


def test_docs_batch_example_with_a_reference(c: B24Client) -> None:
    res = c.batch(
        {
            "get_user": "user.current",
            "get_lead": (
                "crm.lead.list",
                {"filter": {"ASSIGNED_BY_ID": "$result[get_user][ID]"}, "select": ["ID"], "start": -1},
            ),
        }
    )
    assert res.ok and res.results["get_user"]["ID"] == "1"
    assert isinstance(res.results["get_lead"], list)


def test_batch_chunks_and_call_many(c: B24Client, emu: Emulator) -> None:
    res = c.call_many(
        "crm.lead.add", [{"fields": {"TITLE": f"bulk {i}", "ORIGIN_ID": f"bulk-{i}"}} for i in range(120)]
    )
    assert res.ok and len(res.results) == 120 and list(res.results) == [str(i) for i in range(120)]
    assert emu.count("lead") == 380


def test_batch_errors_and_php_empty_sections(c: B24Client) -> None:
    res = c.batch({"a": ("crm.deal.get", {"id": 999999}), "b": "user.current"})
    assert not res.ok and isinstance(res.errors["a"], B24NotFound) and "b" in res.results


@pytest.mark.parametrize(
    ("method", "params", "entity"),
    [
        ("crm.lead.list", {"select": ["ID", "TITLE"]}, "lead"),
        ("crm.item.list", {"entityTypeId": 2, "select": ["id", "title"]}, "deal"),
        ("tasks.task.list", {"select": ["ID", "TITLE"]}, "task"),
        ("user.get", {}, "user"),
    ],
)
@pytest.mark.parametrize("mode", ["fast", "offset"])
def test_iter_list_yields_every_record_once(
    c: B24Client, emu: Emulator, method: str, params: dict, entity: str, mode: str
) -> None:
    key = "id" if method in ("crm.item.list", "tasks.task.list") else "ID"
    ids = [int(r[key]) for r in c.iter_list(method, params, mode=mode)]
    assert len(ids) == len(set(ids)) == emu.count(entity)
    if mode == "fast":
        assert ids == sorted(ids)


def test_fast_paging_over_2500_records_uses_chained_batches(emu: Emulator) -> None:
    emu.seed(leads=3000, seed=7)
    total = emu.count("lead")
    with _client(emu) as client:
        before = emu.stats.requests
        ids = [int(r["ID"]) for r in client.iter_list("crm.lead.list", {"select": ["ID"]})]
        used = emu.stats.requests - before
    assert ids == sorted(set(ids)) and len(ids) == total
    assert used <= 2 + -(-total // 2500) + 1  # page, max-ID look-up, chained batches, final check


@pytest.mark.parametrize("parallel", [2, 4])
def test_parallel_cursors_against_the_emulator(c: B24Client, emu: Emulator, parallel: int) -> None:
    ids = [int(r["ID"]) for r in c.iter_list("crm.lead.list", {"select": ["ID"]}, parallel=parallel)]
    assert sorted(ids) == sorted(int(r["ID"]) for r in emu.records("lead"))


def test_rate_limited_reads_are_retried(c: B24Client, emu: Emulator) -> None:
    emu.faults.add("crm.lead.list", "rate_limit", times=2)
    assert isinstance(c.call("crm.lead.list", {"start": -1}).result, list)
    assert c.stats.throttled == 2 and c.stats.retries == 2


def test_a_dropped_write_is_an_unknown_outcome_and_not_resent(c: B24Client, emu: Emulator) -> None:
    emu.faults.add("crm.lead.add", "drop_after_commit", times=1)
    before = emu.count("lead")
    with pytest.raises(B24UnknownOutcome):
        c.call("crm.lead.add", {"fields": {"TITLE": "maybe", "ORIGIN_ID": "drop-1"}})
    assert emu.count("lead") == before + 1  # it happened once, and was not sent again
    assert emu.count("lead", ORIGIN_ID="drop-1") == 1


def test_a_dropped_read_is_retried(c: B24Client, emu: Emulator) -> None:
    emu.faults.add("crm.lead.get", "drop", times=1)
    assert c.call("crm.lead.get", {"id": 1}).result["ID"] == "1"


def test_rest_v3_write_with_idempotency_key_survives_a_drop_exactly_once(emu: Emulator) -> None:
    emu.faults.add("tasks.task.add", "drop_after_commit", times=1)
    before = emu.count("task")
    with _client(emu) as client:
        resp = client.call(
            "tasks.task.add",
            {"fields": {"title": "exactly once", "responsibleId": 1, "creatorId": 1}},
            idempotency_key="plan-42",
            v3=True,
        )
        assert resp.replayed
        again = client.call(
            "tasks.task.add",
            {"fields": {"title": "exactly once", "responsibleId": 1, "creatorId": 1}},
            idempotency_key="plan-42",
            v3=True,
        )
    assert again.replayed and again.result == resp.result
    assert emu.count("task") == before + 1


def test_a_moved_portal_gets_the_post_re_sent(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    inner = emu.transport()

    class MoveOnce(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if response.status_code == 302:
                emu.move_to(None)  # the new address serves
            return response

    emu.move_to("http://localhost:8765")
    with B24Client.from_webhook(emu.webhook_url, transport=MoveOnce(), limiter=NoopRateLimiter()) as client:
        lead_id = client.call("crm.lead.add", {"fields": {"TITLE": "after move"}}).result
        assert client.portal == "http://localhost:8765"
    assert emu.count("lead", TITLE="after move") == 1 and isinstance(lead_id, int)


def test_operation_time_limit_beyond_the_bound_raises_with_reset_time(emu: Emulator) -> None:
    emu.portal.operating.limit = 0.0
    with _client(emu, operating_wait_max=60) as client:
        client.call("crm.lead.list", {"start": -1})
        with pytest.raises(B24OperationTimeLimit) as info:
            client.call("crm.lead.list", {"start": -1})
    assert info.value.reset_at and "resets at" in str(info.value)


def test_operation_time_limit_within_the_bound_waits_and_succeeds(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.portal.operating.limit = 0.0
    waited: list[float] = []

    def fake_sleep(seconds: float) -> None:  # move the emulator's clock instead of sleeping
        waited.append(seconds)
        emu.clock.advance(seconds)

    with _client(emu, operating_wait_max=700) as client:
        client.call("crm.lead.list", {"start": -1})
        monkeypatch.setattr("b24_tools.client._client.time.sleep", fake_sleep)
        assert isinstance(client.call("crm.lead.list", {"start": -1}).result, list)
    assert waited and 590 <= waited[0] <= 610


def _oauth_client(emu: Emulator, **kw) -> tuple[B24Client, str]:
    client_id, secret = emu.oauth.register_app(scopes={"crm", "user", "task"})
    tokens = emu.oauth.issue_tokens(client_id)
    auth = OAuthAuth(
        tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        client_id=client_id,
        client_secret=secret,
        oauth_server=emu.base_url,
        store=MemoryTokenStore(),
    )
    return B24Client(
        emu.base_url, auth=auth, transport=emu.transport(), limiter=NoopRateLimiter(), **kw
    ), client_id


def test_oauth_refreshes_once_for_many_threads_against_the_emulators_token_server(emu: Emulator) -> None:
    client, _ = _oauth_client(emu)
    emu.oauth.expire_all()
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        try:
            client.call("crm.lead.list", {"start": -1})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the emulator rotates refresh tokens: a second refresh with the old one would be invalid_grant
    assert errors == [] and client.stats.refreshes == 1
    client.close()


def test_oauth_refresh_refused_is_typed(emu: Emulator) -> None:
    client, _ = _oauth_client(emu)
    emu.oauth.expire_all()
    client.auth._client_secret = "not-the-secret"  # type: ignore[union-attr]
    with pytest.raises(B24RefreshFailed, match="re-authorize"):
        client.call("crm.lead.list", {"start": -1})
    client.close()


def test_a_reused_refresh_token_is_invalid_grant(emu: Emulator) -> None:
    client_id, secret = emu.oauth.register_app(scopes={"crm"})
    tokens = emu.oauth.issue_tokens(client_id)

    def fresh_client() -> B24Client:
        auth = OAuthAuth(
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            client_id=client_id,
            client_secret=secret,
            oauth_server=emu.base_url,
            store=MemoryTokenStore(),
        )
        return B24Client(emu.base_url, auth=auth, transport=emu.transport(), limiter=NoopRateLimiter())

    emu.oauth.expire_all()
    with fresh_client() as first:
        first.call("crm.lead.list", {"start": -1})  # refreshes; the emulator rotates the refresh token
    with fresh_client() as second, pytest.raises(B24RefreshFailed) as info:
        second.call("crm.lead.list", {"start": -1})  # a second process without the shared store
    assert info.value.code == "invalid_grant"


def test_client_limiter_keeps_the_emulators_bucket_from_ever_refusing() -> None:
    emu = Emulator(config=EmulatorConfig(rate=20.0, burst=10))
    emu.seed(leads=5)
    limiter = MemoryRateLimiter(rate=19.0, burst=8)
    with B24Client.from_webhook(emu.webhook_url, transport=emu.transport(), limiter=limiter) as client:
        for _ in range(40):
            client.call("crm.lead.list", {"start": -1})
    assert emu.stats.throttled == 0 and client.stats.throttled == 0
    emu.close()


def test_without_a_limiter_the_bucket_refuses_but_retries_absorb_it() -> None:
    emu = Emulator(config=EmulatorConfig(rate=5.0, burst=5))
    emu.seed(leads=5)
    with B24Client.from_webhook(
        emu.webhook_url,
        transport=emu.transport(),
        limiter=NoopRateLimiter(),
        backoff_base=0.05,
        max_retries=10,
    ) as client:
        for _ in range(15):
            client.call("crm.lead.list", {"start": -1})
    assert emu.stats.throttled > 0 and client.stats.throttled == emu.stats.throttled
    emu.close()


# -- the async client against the same emulator ------------------------------------------------------------


async def test_async_client_against_the_emulator(emu: Emulator) -> None:
    async with AsyncB24Client.from_webhook(
        emu.webhook_url, transport=emu.async_transport(), limiter=NoopRateLimiter()
    ) as ac:
        lead_id = (await ac.call("crm.lead.add", {"fields": {"TITLE": "async"}})).result
        assert (await ac.call("crm.lead.get", {"id": lead_id})).result["TITLE"] == "async"
        res = await ac.batch({"u": "user.current", "l": ("crm.lead.get", {"id": lead_id})})
        assert res.ok
        ids = [int(r["ID"]) async for r in ac.iter_list("crm.lead.list", {"select": ["ID"]})]
        assert len(ids) == emu.count("lead") and ids == sorted(ids)
        pids = [int(r["ID"]) async for r in ac.iter_list("crm.lead.list", {"select": ["ID"]}, parallel=3)]
        assert sorted(pids) == ids
        tids = [int(r["id"]) async for r in ac.iter_list("tasks.task.list", mode="offset")]
        assert len(tids) == emu.count("task")


async def test_async_oauth_refresh_once_for_many_tasks(emu: Emulator) -> None:
    import asyncio

    client_id, secret = emu.oauth.register_app(scopes={"crm"})
    tokens = emu.oauth.issue_tokens(client_id)
    auth = OAuthAuth(
        tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        client_id=client_id,
        client_secret=secret,
        oauth_server=emu.base_url,
        store=MemoryTokenStore(),
    )
    emu.oauth.expire_all()
    async with AsyncB24Client(
        emu.base_url, auth=auth, transport=emu.async_transport(), limiter=NoopRateLimiter()
    ) as ac:
        await asyncio.gather(*(ac.call("crm.lead.list", {"start": -1}) for _ in range(10)))
    assert auth.refresh_count == 1


def test_webhook_auth_object_works_directly(emu: Emulator) -> None:
    with B24Client(
        emu.base_url,
        auth=WebhookAuth(emu.config.user_id, emu.config.webhook_code),
        transport=emu.transport(),
        limiter=NoopRateLimiter(),
    ) as client:
        assert client.call("user.current").result["ID"] == str(emu.config.user_id)
    assert time.time() > 0


@pytest.mark.slow
def test_processes_sharing_the_token_file_refresh_once(emu: Emulator, tmp_path) -> None:
    import multiprocessing as mp

    from ._oauth_worker import call_once

    client_id, secret = emu.oauth.register_app(scopes={"crm"})
    issued = emu.oauth.issue_tokens(client_id)
    tokens = {
        "access_token": issued["access_token"],
        "refresh_token": issued["refresh_token"],
        "client_id": client_id,
        "client_secret": secret,
    }
    emu.oauth.expire_all()
    before = emu.store.count("oauth_token")
    ctx = mp.get_context("spawn")
    with emu.serve() as base_url:
        barrier, out = ctx.Barrier(4), ctx.Queue()
        procs = [
            ctx.Process(
                target=call_once, args=(base_url, tokens, str(tmp_path / "tokens.json"), barrier, out)
            )
            for _ in range(4)
        ]
        for p in procs:
            p.start()
        results = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
    assert [r[0] for r in results] == ["ok"] * 4, results
    assert sum(r[1] for r in results) == 1  # one process refreshed, three picked the rotated pair up
    assert emu.store.count("oauth_token") == before + 1


def test_preferring_rest_v3_uses_it_where_the_emulator_has_the_method(emu: Emulator) -> None:
    with _client(emu, rest_v3=True) as client:
        task = client.call(
            "tasks.task.add",
            {"fields": {"title": "v3", "responsibleId": 1, "creatorId": 1}},
            idempotency_key="v3-pref-1",
        )
        lead = client.call("crm.lead.add", {"fields": {"TITLE": "classic"}})
        assert isinstance(lead.result, int) and task.result
        assert [int(r["ID"]) for r in client.iter_list("crm.lead.list", {"select": ["ID"]})][
            -1
        ] == lead.result
    assert emu.count("lead", TITLE="classic") == 1
