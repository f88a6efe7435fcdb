"""The approval graph for `langgraph dev` / LangGraph server (`langgraph.json` → "executor").

The server supplies the checkpointer; plans, the idempotency ledger and the audit trail live in the b24-tools
store (SQLite at B24_SQLITE_PATH, or PostgreSQL at B24_DATABASE_URL), so `b24 review list` and the inbox see the
server's plans too. Input: `{"request": {"method": "crm.lead.add", "params": {...}}}`; the run stops at an
interrupt whose value is LangChain's `HITLRequest`; resume with
`{"decisions": [{"type": "approve" | "edit" | "reject" | "respond", ...}]}` keyed by the interrupt id.
The portal comes from B24_WEBHOOK_URL (or the other B24_* auth settings), built on first use.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from typing import Any

from b24_tools import B24Settings
from b24_tools.approval import Engine, build_graph
from b24_tools.approval._lazy import _LazyClient, _LazyPolicy
from b24_tools.approval._persistence import open_persistence

__all__ = ["graph", "make_engine"]


def make_engine(
    settings: B24Settings | None = None, *, client: Any = None, policy: Any = None
) -> tuple[Engine, ExitStack]:
    """The engine over the configured store (kept open until the returned stack closes)."""
    settings = settings or B24Settings()
    stack = ExitStack()
    p = stack.enter_context(open_persistence(settings))
    engine = Engine(
        client if client is not None else _LazyClient(settings),
        policy=policy if policy is not None else _LazyPolicy(settings),
        store=p.store,
        table=p.table,
        plan_ttl_sec=settings.plan_ttl_sec,
        idempotency_ttl_sec=settings.idempotency_ttl_sec,
        actor="langgraph-server",
    )
    return engine, stack


_engine, _stack = make_engine()
atexit.register(_stack.close)

graph = build_graph(_engine).compile(name="executor")
