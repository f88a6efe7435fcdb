"""Engines and reviewer APIs built from settings and kept open for the life of the process.

Graph modules (`graphs/agent.py`, `graphs/executor.py`) and servers import these at module level: the store stays
open until the interpreter exits, and the client and policy are built from settings on first use.
"""

from __future__ import annotations

import atexit
from contextlib import AbstractContextManager, ExitStack
from typing import Any, TypeVar

from .._settings import B24Settings
from ._lazy import _LazyClient, _LazyPolicy

__all__ = ["keep_open", "engine_from_settings"]

T = TypeVar("T")


def keep_open(cm: AbstractContextManager[T]) -> T:
    """Enter `cm` now and exit it when the interpreter exits."""
    stack = ExitStack()
    value = stack.enter_context(cm)
    atexit.register(stack.close)
    return value


def engine_from_settings(
    settings: B24Settings | None = None,
    *,
    client: Any = None,
    policy: Any = None,
    actor: str = "b24-tools",
    **kw: Any,
) -> Any:
    """An `Engine` over the configured store (SQLite at B24_SQLITE_PATH, or B24_DATABASE_URL), kept open."""
    from ._engine import Engine
    from ._persistence import open_persistence

    settings = settings or B24Settings()
    p = keep_open(open_persistence(settings))
    kw.setdefault("plan_ttl_sec", settings.plan_ttl_sec)
    kw.setdefault("idempotency_ttl_sec", settings.idempotency_ttl_sec)
    return Engine(
        client if client is not None else _LazyClient(settings),
        policy=policy if policy is not None else _LazyPolicy(settings),
        store=p.store,
        table=p.table,
        actor=actor,
        **kw,
    )
