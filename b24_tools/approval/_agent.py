"""The Bitrix24 agent: `create_agent` + pack toolkits + system prompt + `B24ApprovalMiddleware`.

    with open_agent(settings, model=my_chat_model) as agent:      # SQLite by default, PostgreSQL by URL
        out = agent.invoke({"messages": [...]}, {"configurable": {"thread_id": "t1"}}, version="v2",
                           durability="sync")
        # a write pauses: out.interrupts[0].value is a HITLRequest carrying the plan id;
        # a reviewer decides (`b24 review approve PLAN_ID`, the inbox, Studio), then:
        resume_decided(agent, "t1", settings=settings)

The model comes from B24_MODEL ("provider:model", via `init_chat_model`); without it the agent still builds (so
`langgraph dev` can load it) and the first model call raises one clear error saying what to set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from .._errors import B24ConfigError
from .._settings import B24Settings
from ._lazy import _LazyClient

__all__ = ["MissingModel", "build_agent", "load_model", "open_agent", "system_prompt"]


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
            f"the b24 agent has no chat model: {self.reason}",
            hint="set B24_MODEL=provider:model (e.g. openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, "
            "ollama:llama3.1) and install the provider package (langchain-openai, langchain-anthropic, ...)",
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


def system_prompt(packs: Any = None) -> str:
    """The system prompt shipped with the package (`prompts/system.md`)."""
    try:
        from ..prompts import system_prompt as shipped

        return shipped(tuple(packs or ("core",)))
    except Exception:  # noqa: BLE001 - a bare prompt is better than no agent
        return "You operate a Bitrix24 portal through tools. Writes wait for a human reviewer."


def build_agent(
    settings: B24Settings | None = None,
    *,
    model: BaseChatModel | None = None,
    client: Any = None,
    engine: Any = None,
    checkpointer: Any = None,
    store: Any = None,
    packs: Any = None,
    name: str = "b24-agent",
    server_url: str | None = None,
) -> Any:
    """The compiled agent: pack toolkits, system prompt, and `B24ApprovalMiddleware` over `engine`.

    `engine` defaults to `Engine.from_settings(settings, client=client)` (the shared store, kept open). Pass the
    same `client` the engine uses; `checkpointer` None leaves persistence to the host (LangGraph server).
    """
    from .._errors import require_extra

    require_extra("build_agent", "agent", "langchain")
    from langchain.agents import create_agent

    from ..policy._policy import Policy
    from ..toolkits import B24Toolkit
    from ._engine import Engine
    from ._middleware import B24ApprovalMiddleware

    settings = settings or B24Settings()
    packs = tuple(packs or settings.pack_list() or ("core",))
    policy = Policy.from_settings(settings, packs=packs)
    client = client if client is not None else _LazyClient(settings)
    if engine is None:
        engine = Engine.from_settings(settings, client=client, policy=policy, actor=name)
    engine = getattr(engine, "engine", engine)
    tools = B24Toolkit(client, policy=policy, packs=packs, settings=settings).get_tools()
    return create_agent(
        model if model is not None else load_model(settings),
        tools=tools,
        system_prompt=system_prompt(packs),
        middleware=[B24ApprovalMiddleware(engine, agent_name=name, server_url=server_url)],
        checkpointer=checkpointer,
        store=store,
        name=name,
    )


@contextmanager
def open_agent(settings: B24Settings | None = None, **kw: Any) -> Iterator[Any]:
    """`build_agent` on the shared persistence (checkpoints, plans, ledger, audit in one database)."""
    from ..policy._policy import Policy
    from ._engine import Engine
    from ._persistence import open_persistence

    settings = settings or B24Settings()
    with open_persistence(settings) as p:
        if kw.get("engine") is None:
            packs = tuple(kw.get("packs") or settings.pack_list() or ("core",))
            client = kw.get("client")
            kw["client"] = client if client is not None else _LazyClient(settings)
            kw["engine"] = Engine(
                kw["client"],
                policy=Policy.from_settings(settings, packs=packs),
                store=p.store,
                table=p.table,
                plan_ttl_sec=settings.plan_ttl_sec,
                idempotency_ttl_sec=settings.idempotency_ttl_sec,
                actor=kw.get("name", "b24-agent"),
            )
        yield build_agent(settings, checkpointer=p.checkpointer, **kw)
