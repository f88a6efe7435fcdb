"""Fixtures for the many-portals tests: an emulator farm, the application server in process, a `Portals` registry.

The portal store runs on SQLite and on the local PostgreSQL (one fresh schema per test); limiters and refresh
locks on files and on the local Redis. Missing services fail under CI=true, else skip loudly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from b24_tools.emulator import EmulatorConfig
from b24_tools.emulator._farm import EmulatorFarm
from b24_tools.emulator._transport import LoopThread, SyncASGITransport
from b24_tools.portals import Portals, create_app_server

KEY = "portal-test-key-0123456789abcdef"  # 32 bytes: AES-256
APP = "http://127.0.0.1:9080"
PG_BASE = os.environ.get("B24_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("B24_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _missing(what: str, why: str) -> None:
    msg = f"{what} is not reachable ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip("LOUD SKIP: " + msg)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3, autocommit=True) as conn:
            schema = "b24p_" + uuid.uuid4().hex[:12]
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # noqa: BLE001
        _missing(f"PostgreSQL at {PG_BASE}", f"{type(exc).__name__}: {exc}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        _missing(f"Redis at {REDIS_URL}", f"{type(exc).__name__}: {exc}")
    return REDIS_URL


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portals.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@dataclass
class World:
    """Three emulated portals, the application server (in process) and the registry it fills."""

    farm: EmulatorFarm
    portals: Portals
    app: Any
    audit: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, Any]] = field(default_factory=list)  # (member_id, event, data)

    def member(self, n: int) -> str:
        return self.farm.member_id(n)


def open_world(
    tmp_path: Path, store_url: str, *, portals: int = 3, config: EmulatorConfig | None = None, **kw: Any
) -> Iterator[World]:
    farm = EmulatorFarm(portals, config=config, install_url=f"{APP}/install", handler_url=f"{APP}/events")
    opts: dict[str, Any] = {
        "client_id": farm.client_id, "client_secret": farm.client_secret, "encryption_key": KEY,
        "database_url": store_url, "runtime_dir": tmp_path, "oauth_server": farm.oauth_url,
        "limiter": "memory", "transport": farm.transport(), "async_transport": farm.async_transport(),
    }  # fmt: skip
    opts.update(kw)
    loop = LoopThread()
    with Portals.open(**opts) as registry:
        world = World(farm, registry, None)
        world.app = create_app_server(
            registry,
            on_event=lambda rec, event, data, body: world.events.append((rec.member_id, event, data)),
            audit=world.audit.append,
        )
        farm.use_app_transport(SyncASGITransport(world.app, loop))
        try:
            yield world
        finally:
            farm.close()
            loop.close()


@pytest.fixture
def world(tmp_path: Path, store_url: str) -> Iterator[World]:
    yield from open_world(tmp_path, store_url)
