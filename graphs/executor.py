"""The approval graph for `langgraph dev` / LangGraph server (`langgraph.json` → "executor").

The server supplies the checkpointer; plans, the idempotency ledger and the audit trail live in the b24-tools
store (SQLite at B24_SQLITE_PATH, or PostgreSQL at B24_DATABASE_URL), so `b24 review list` and the inbox see the
server's plans too. Input: `{"request": {"method": "crm.lead.add", "params": {...}}}`; the run stops at an
interrupt whose value is LangChain's `HITLRequest`; resume with
`{"decisions": [{"type": "approve" | "edit" | "reject" | "respond", ...}]}` keyed by the interrupt id.
The portal comes from B24_WEBHOOK_URL (or the other B24_* auth settings), built on first use.
"""

from __future__ import annotations

from b24_tools.approval import Engine, build_graph

__all__ = ["graph"]

graph = build_graph(Engine.from_settings(actor="langgraph-server")).compile(name="executor")
