"""Checkpointer + store factory and the compare-and-set status table, on every backend."""

from __future__ import annotations

import threading

import pytest
from approval_helpers import open_kw
from langgraph.store.memory import InMemoryStore

from b24_tools import B24ConfigError
from b24_tools._redact import register_secret
from b24_tools.approval._persistence import (
    RedactingSerializer,
    StatusTable,
    make_serializer,
    open_async_persistence,
    open_persistence,
)


def test_factory_opens_sqlite_or_postgres_with_a_status_table(backend) -> None:
    with open_persistence(**open_kw(backend)) as p:
        assert p.backend == backend["kind"]
        assert type(p.store).__name__ in ("SqliteStore", "PostgresStore")
        assert "Saver" in type(p.checkpointer).__name__
        p.store.put(("t",), "k", {"v": 1})
        assert p.store.get(("t",), "k").value == {"v": 1}
        assert p.table.kind == backend["kind"]


def test_status_table_compare_and_set_has_exactly_one_winner(backend) -> None:
    with open_persistence(**open_kw(backend)) as p1, open_persistence(**open_kw(backend)) as p2:
        assert p1.table.create("plan", "p1", "pending", hash="h")
        assert not p2.table.create("plan", "p1", "pending")
        wins: list[str] = []
        barrier = threading.Barrier(8)

        def race(i: int) -> None:
            table = (p1 if i % 2 else p2).table
            barrier.wait()
            if table.transition("plan", "p1", ["pending"], "approved", owner=f"r{i}", ref=str(i)):
                wins.append(f"r{i}")

        threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(wins) == 1
        row = p2.table.get("plan", "p1")
        assert (
            row["status"] == "approved"
            and row["owner"] == wins[0]
            and row["hash"] == "h"
            and row["version"] == 2
        )
        assert not p1.table.transition("plan", "p1", ["approved"], "executed", expect_ref="wrong")
        assert p1.table.transition("plan", "p1", ["approved"], "executed", expect_ref=wins[0][1:])
        assert set(p1.table.keys("plan", ["executed"])) == {"p1"}
        p1.table.delete("plan", "p1")
        assert p1.table.get("plan", "p1") is None


def test_memory_status_table_for_in_memory_store() -> None:
    table = StatusTable.for_store(InMemoryStore())
    assert table.kind == "memory" and table.create("n", "k", "a") and not table.create("n", "k", "a")
    assert table.transition("n", "k", ["a"], "b") and not table.transition("n", "k", ["a"], "b")


def test_redacting_serializer_masks_registered_secrets_and_secret_keys() -> None:
    register_secret("very-secret-webhook-code")
    serde = RedactingSerializer()
    typ, data = serde.dumps_typed(
        {
            "note": "url /rest/1/very-secret-webhook-code/x",
            "access_token": "abc123456",
            "nested": [("very-secret-webhook-code",)],
        }
    )
    assert b"very-secret-webhook-code" not in data and b"abc123456" not in data
    assert serde.loads_typed((typ, data))["access_token"] == "***"


def test_bad_encryption_key_or_url_fails_with_the_fix() -> None:
    with pytest.raises(B24ConfigError, match="16, 24 or 32"):
        make_serializer(encryption_key="short")
    with pytest.raises(B24ConfigError, match="postgresql://"):
        with open_persistence(database_url="mysql://x"):
            pass


async def test_async_persistence_opens_async_savers(backend) -> None:
    async with open_async_persistence(**open_kw(backend)) as p:
        assert type(p.checkpointer).__name__.startswith(("Async", "RedactingAsync"))
        await p.store.aput(("t",), "k", {"v": 2})
        assert (await p.store.aget(("t",), "k")).value == {"v": 2}
        assert p.table.create("n", "k", "s")
