"""Leaky-bucket limiters (limits.md): one conformance suite for memory, file and Redis, plus real multi-process runs.

Assertions count requests per window (passed <= burst + rate * window + 1); nothing asserts on elapsed time.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24_tools import B24ConfigError
from b24_tools.client.ratelimit import (
    FileRateLimiter,
    MemoryRateLimiter,
    NoopRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    drain,
    make_rate_limiter,
)

from ._multiproc import check_bucket, run_processes

REDIS_URL = os.environ.get("B24_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        msg = f"Redis at {REDIS_URL} is not reachable ({exc}); the Redis limiter is NOT tested"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    _redis_or_skip()
    import redis

    prefix = f"b24test:{uuid.uuid4().hex}:"
    yield prefix
    r = redis.Redis.from_url(REDIS_URL)
    for k in r.scan_iter(prefix + "*"):
        r.delete(k)
    r.close()


@pytest.fixture(params=["memory", "file", "redis"])
def make(request: pytest.FixtureRequest, tmp_path: Path):
    kind = request.param

    def build(rate: float, burst: float) -> RateLimiter:
        if kind == "memory":
            return make_rate_limiter("memory", rate=rate, burst=burst)
        if kind == "file":
            return make_rate_limiter("file", rate=rate, burst=burst, path=tmp_path / "rl.sqlite")
        _redis_or_skip()
        return make_rate_limiter(
            "redis", rate=rate, burst=burst, redis_url=REDIS_URL, key_prefix=f"b24test:{uuid.uuid4().hex}:"
        )

    return build


def test_drain_step_matches_the_leaky_bucket() -> None:
    assert drain(0.0, 0.0, 2.0, 50.0) == (1.0, 0.0)
    assert drain(50.0, 0.0, 2.0, 50.0) == (51.0, 0.5)  # one over: wait one drain step
    assert drain(50.0, 1.0, 2.0, 50.0) == (49.0, 0.0)  # drained two in one second
    assert drain(3.0, 100.0, 2.0, 50.0) == (1.0, 0.0)  # never below empty


def test_burst_passes_without_waiting_then_requests_queue_at_the_drain_rate(make) -> None:
    limiter = make(rate=1.0, burst=5)
    waits = [limiter.reserve("portal-a") for _ in range(8)]  # type: ignore[attr-defined]
    assert waits[:5] == [0.0] * 5
    assert all(w > 0 for w in waits[5:]) and waits[5] < waits[6] < waits[7]


def test_keys_are_independent_buckets(make) -> None:
    limiter = make(rate=0.5, burst=2)
    assert [limiter.reserve("a") for _ in range(2)] == [0.0, 0.0]  # type: ignore[attr-defined]
    assert limiter.reserve("b") == 0.0  # type: ignore[attr-defined]
    assert limiter.reserve("a") > 0  # type: ignore[attr-defined]


def test_acquire_and_aacquire_return_the_seconds_waited(make, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_asleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = make(rate=1.0, burst=1)
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s))
    monkeypatch.setattr(asyncio, "sleep", fake_asleep)
    assert limiter.acquire("k") == 0.0
    waited = limiter.acquire("k")
    assert 0.5 < waited <= 1.0 and slept == [waited]
    assert asyncio.run(limiter.aacquire("k")) > 1.0 and len(slept) == 2


def test_threads_of_one_process_never_exceed_the_bucket(make) -> None:
    rate, burst = 25.0, 5  # one request of slack = 40 ms of scheduling delay on a loaded machine
    limiter = make(rate=rate, burst=burst)
    limiter.acquire("warm-up")  # open connections before the race
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(8):
            limiter.acquire("portal-threads")
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_bucket(sorted(stamps), rate=rate, burst=burst, label="threads", processes=1)


async def test_asyncio_tasks_never_exceed_the_bucket(make) -> None:
    rate, burst = 25.0, 5
    limiter = make(rate=rate, burst=burst)
    await limiter.aacquire("warm-up")
    stamps: list[float] = []

    async def worker() -> None:
        for _ in range(8):
            await limiter.aacquire("portal-tasks")
            stamps.append(time.time())

    await asyncio.gather(*(worker() for _ in range(4)))
    check_bucket(sorted(stamps), rate=rate, burst=burst, label="asyncio", processes=1)


@pytest.mark.slow
def test_file_limiter_holds_across_four_processes(tmp_path: Path) -> None:
    rate, burst = 20.0, 10  # one request of slack = 50 ms of scheduling delay
    kw = {"rate": rate, "burst": burst, "path": str(tmp_path / "shared.sqlite")}
    stamps = run_processes("file", kw, "portal.example.com", processes=4, count=25)
    assert len(stamps) == 100
    check_bucket(stamps, rate=rate, burst=burst, label="file limiter", processes=4)


@pytest.mark.slow
@pytest.mark.redis
def test_redis_limiter_holds_across_four_processes(redis_prefix: str) -> None:
    rate, burst = 20.0, 10
    kw = {"rate": rate, "burst": burst, "redis_url": REDIS_URL, "key_prefix": redis_prefix}
    stamps = run_processes("redis", kw, "portal.example.com", processes=4, count=25)
    assert len(stamps) == 100
    check_bucket(stamps, rate=rate, burst=burst, label="redis limiter", processes=4)


def test_file_limiter_state_lives_in_sqlite_under_the_given_path(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "rl.sqlite"
    limiter = FileRateLimiter(path, rate=2, burst=5)
    limiter.acquire("p")
    import sqlite3

    rows = sqlite3.connect(path).execute("SELECT key, level FROM b24_bucket").fetchall()
    assert rows == [("p", 1.0)]


def test_make_rate_limiter_kinds(tmp_path: Path) -> None:
    assert isinstance(make_rate_limiter("off"), NoopRateLimiter)
    assert isinstance(make_rate_limiter("memory"), MemoryRateLimiter)
    assert isinstance(make_rate_limiter("file", path=tmp_path / "x.sqlite"), FileRateLimiter)
    assert isinstance(make_rate_limiter("redis", redis_url=REDIS_URL), RedisRateLimiter)
    assert isinstance(make_rate_limiter("memory"), RateLimiter)
    with pytest.raises(B24ConfigError, match="B24_RATE_LIMITER"):
        make_rate_limiter("carrier-pigeon")
    with pytest.raises(B24ConfigError, match="rate > 0"):
        make_rate_limiter("memory", rate=0, burst=5)


def test_settings_defaults_feed_the_limiter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from b24_tools import B24Settings

    monkeypatch.chdir(tmp_path)
    s = B24Settings(_env_file=None)
    rate, burst = s.limiter_rate_burst()
    assert rate < 2.0 and burst < 50  # a safety margin under the standard plan's bucket (limits.md)
    limiter = make_rate_limiter(s.rate_limiter, rate=rate, burst=burst, path=tmp_path / "x.sqlite")
    assert isinstance(limiter, FileRateLimiter) and limiter.rate == rate and limiter.burst == burst
