"""One portal's flood never throttles another: each portal's client has its own limiter bucket (file or Redis,
keyed by member_id) and its own operating-time accounting."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24_tools.emulator import EmulatorConfig
from b24_tools.portals import _registry

from .conftest import World, open_world

# Fast buckets so the test takes seconds: 20 requests of burst, then 100 a second (the shape of limits.md).
FAST = {"standard": (100.0, 20.0), "enterprise": (250.0, 50.0)}


@pytest.fixture(params=["file", "redis"])
def limited(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setattr(_registry, "PLANS", FAST)
    kw = {"limiter": request.param}
    if request.param == "redis":
        kw["redis_url"] = request.getfixturevalue("redis_url")
    # the emulated portals enforce the same bucket: a client that overran it would see 503 QUERY_LIMIT_EXCEEDED
    config = EmulatorConfig(rate=100.0, burst=22)
    yield from open_world(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite'}", portals=2, config=config, **kw)


def test_a_burst_of_200_on_one_portal_leaves_the_others_bucket_untouched(limited: World) -> None:
    world = limited
    world.farm.install_all()
    a, b = world.portals.client(world.member(1)), world.portals.client(world.member(2))
    b_waits: list[float] = []

    def flood() -> None:
        for _ in range(200):
            a.call("user.current")

    flooder = threading.Thread(target=flood)
    flooder.start()
    while flooder.is_alive() and a.stats.requests < 60:
        time.sleep(0.005)
    for _ in range(10):  # B works while A is flooding
        before = b.stats.limiter_wait
        b.call("user.current")
        b_waits.append(b.stats.limiter_wait - before)
    flooder.join()

    assert a.stats.requests >= 200 and a.stats.limiter_wait > 0  # A waited for its own bucket
    assert b_waits == [0.0] * 10  # B never waited
    assert world.farm[1].stats.throttled == 0 and world.farm[2].stats.throttled == 0
    assert world.farm[2].stats.requests == b.stats.requests  # B's portal saw only B's calls
    usage_a, usage_b = world.portals.usage(world.member(1)), world.portals.usage(world.member(2))
    assert usage_a["requests"] >= 200 and usage_b["requests"] == b.stats.requests
    assert usage_a["operating"]["user.current"] > usage_b["operating"]["user.current"] > 0


def test_buckets_are_keyed_by_portal_not_by_host(limited: World, tmp_path: Path) -> None:
    world = limited
    world.farm.install_all()
    for _ in range(30):
        world.portals.client(world.member(1)).call("user.current")
    keys = _bucket_keys(world, tmp_path)
    assert f"portal:{world.member(1)}" in keys
    assert f"portal:{world.member(2)}" not in keys  # B's bucket was never touched
    assert not [k for k in keys if "127.0.0.1" in k]


def _bucket_keys(world: World, tmp_path: Path) -> set[str]:
    limiter = world.portals.bucket(world.member(1)).limiter
    if hasattr(limiter, "path"):
        with sqlite3.connect(limiter.path) as conn:
            return {row[0] for row in conn.execute("SELECT key FROM b24_bucket")}
    import redis

    r = redis.Redis.from_url(limiter.url)
    prefix = limiter.key_prefix
    return {k.decode()[len(prefix) :] for k in r.keys(prefix + "*")}


def test_an_enterprise_portal_gets_the_larger_bucket(world: World) -> None:
    world.farm.install_all()
    world.portals.set_plan(world.member(1), "enterprise")
    assert world.portals.bucket(world.member(1)).burst == _registry.PLANS["enterprise"][1]
    assert world.portals.bucket(world.member(2)).burst == _registry.PLANS["standard"][1]
