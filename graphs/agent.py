"""A Bitrix24 agent for `langgraph dev` / LangGraph server (`langgraph.json` → "agent"), and for local use.

`langchain.agents.create_agent` with the pack toolkits (B24_PACKS), the system prompt from `prompts/system.md`,
and `HumanInTheLoopMiddleware` configured from catalog risk: reads run, writes pause for approve/edit/reject,
destructive calls for approve/reject. The model comes from B24_MODEL ("provider:model", via `init_chat_model`);
when it is unset the module still imports (so `langgraph dev` can load it) and the first model call raises one
clear error saying what to set.

Local use with the same persistence as the approval graph:

    with open_agent(model=my_chat_model) as agent:
        agent.invoke({"messages": [...]}, {"configurable": {"thread_id": "t1"}}, durability="sync")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from b24_tools import B24ConfigError, B24Settings
from b24_tools.approval._lazy import _LazyClient
from b24_tools.approval._persistence import open_persistence

__all__ = ["agent", "build_agent", "open_agent", "load_model", "system_prompt"]


class MissingModel(BaseChatModel):
    """Stands in when no model is configured: any call raises a clear `B24ConfigError`."""

    reason: str = "B24_MODEL is not set"

    @property
    def _llm_type(self) -> str:
        return "b24-missing-model"

    def bind_tools(self, tools: Any, **kw: Any) -> MissingModel:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        raise B24ConfigError(
            f"graphs/agent.py has no chat model: {self.reason}",
            hint="set B24_MODEL=provider:model (e.g. openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, ollama:llama3.1) "
            "and install the provider package (langchain-openai, langchain-anthropic, langchain-ollama, ...)",
        )


def load_model(settings: B24Settings | None = None) -> BaseChatModel:
    """`init_chat_model(B24_MODEL)`, or a `MissingModel` that explains what to set."""
    settings = settings or B24Settings()
    if not settings.model:
        return MissingModel()
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(settings.model)
    except Exception as exc:  # provider package missing, unknown provider, no API key...
        return MissingModel(reason=f"init_chat_model({settings.model!r}) failed: {type(exc).__name__}: {exc}")


def system_prompt() -> str:
    """The system prompt shipped in `prompts/system.md`."""
    try:
        from b24_tools.prompts import load

        return load("system")
    except Exception:  # prompts module not importable: read the file next to the repo
        path = Path(__file__).resolve().parent.parent / "prompts" / "system.md"
        return (
            path.read_text(encoding="utf-8")
            if path.exists()
            else "You operate a Bitrix24 portal through tools."
        )


def build_agent(
    settings: B24Settings | None = None,
    *,
    model: BaseChatModel | None = None,
    client: Any = None,
    checkpointer: Any = None,
    store: Any = None,
    packs: Any = None,
) -> Any:
    """The compiled agent: pack toolkits + system prompt + HITL middleware gated by catalog risk."""
    from b24_tools.toolkits import B24Toolkit, interrupt_on_config

    settings = settings or B24Settings()
    toolkit = B24Toolkit(
        client if client is not None else _LazyClient(settings),
        packs=tuple(packs or settings.pack_list() or ("core",)),
        allowlist=tuple(p for p in settings.method_allowlist.split(",") if p.strip()),
    )
    tools = toolkit.get_tools()
    return create_agent(
        model if model is not None else load_model(settings),
        tools=tools,
        system_prompt=system_prompt(),
        middleware=[
            HumanInTheLoopMiddleware(
                interrupt_on=interrupt_on_config(tools), description_prefix="Bitrix24 call needs approval"
            )
        ],
        checkpointer=checkpointer,
        store=store,
        name="b24-agent",
    )


@contextmanager
def open_agent(settings: B24Settings | None = None, **kw: Any) -> Iterator[Any]:
    """`build_agent` with the same persistence as the approval graph (SQLite default, Postgres by URL)."""
    settings = settings or B24Settings()
    with open_persistence(settings) as p:
        yield build_agent(settings, checkpointer=p.checkpointer, store=p.store, **kw)


# For `langgraph dev` / LangGraph server: compiled without a checkpointer (the server brings its own).
agent = build_agent()
