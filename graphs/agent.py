"""The Bitrix24 agent for `langgraph dev` / LangGraph server (`langgraph.json` → "agent").

`build_agent` assembles `create_agent` with the pack toolkits (B24_PACKS), the shipped system prompt and
`B24ApprovalMiddleware`: reads run, writes and deletes become plans in the shared store (B24_SQLITE_PATH or
B24_DATABASE_URL) that `b24 review list` and the inbox show; a reviewer's decision there resumes this server's
thread through `langgraph_sdk`. The model comes from B24_MODEL; without it the graph still loads and the first
model call says what to set. The server supplies the checkpointer.

Reviewers of local agents can name this graph to resume threads: `B24_AGENT_GRAPH=graphs/agent.py:agent`.
"""

from __future__ import annotations

from b24_tools import Engine, build_agent

__all__ = ["agent"]

agent = build_agent(engine=Engine.from_settings(actor="b24-agent"))
