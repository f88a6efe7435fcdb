"""Getting a reviewer's decision back to the agent thread that asked, from any process.

A decision is first recorded on the plan in the shared store (compare-and-set: exactly one decider). Then:

(a) a thread served by LangGraph server / `langgraph dev`: the plan records the server URL, assistant and thread, and
    `resume_on_server` resumes that interrupt through `langgraph_sdk`;
(b) a local agent: the reviewer's process loads the agent graph by import path (`B24_AGENT_GRAPH=module:attr`, or
    `b24 review serve --graph graphs/agent.py:agent`), compiles it with the shared checkpointer, and resumes it;
(c) otherwise the decision waits in the store, and the agent's own process calls `resume_decided(agent, thread_id)`.

Resuming twice, or after a crash mid-execution, is safe: the middleware finds the plan it made and the engine's
ledger reconciles instead of repeating the call.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.types import Command

from .._errors import B24ConfigError
from .._settings import B24Settings
from ._models import Plan
from ._submit import plan_id_of_interrupt

__all__ = ["resume_decided", "aresume_decided", "resume_on_server", "load_agent_graph"]


@contextmanager
def _plan_index(approvals: Any, settings: B24Settings | None) -> Iterator[Any]:
    if approvals is not None:
        yield getattr(approvals, "plans", None) or approvals.engine.plans
        return
    from ._persistence import open_persistence
    from ._plans import PlanIndex

    with open_persistence(settings or B24Settings()) as p:
        yield PlanIndex(p.store, p.table)


def _decided(plans: Any, interrupts: Any) -> dict[str, Any]:
    """{interrupt id: HITLResponse} for the interrupts whose plans a reviewer has decided."""
    resume: dict[str, Any] = {}
    for item in interrupts:
        plan_id = plan_id_of_interrupt(item.value)
        row = plans.row(plan_id) if plan_id else None
        if row is None or row.get("status") == "pending":
            continue
        decision = plans.load_decision(plan_id) or {"type": "approve"}
        resume[item.id] = {"decisions": [decision]}
    return resume


def resume_decided(
    agent: Any, thread_id: str, *, approvals: Any = None, settings: B24Settings | None = None
) -> Any:
    """Resume `thread_id` of `agent` for every plan a reviewer has decided; returns the run's `GraphOutput`.

    Returns None when nothing is decided yet. A thread that stopped mid-step (its process died while executing an
    approved call) is continued; the engine's ledger makes that safe. `approvals` (or `settings`) locate the store.
    """
    config = {"configurable": {"thread_id": thread_id}}
    snap = agent.get_state(config)
    with _plan_index(approvals, settings) as plans:
        resume = _decided(plans, snap.interrupts)
    if resume:
        return agent.invoke(Command(resume=resume), config, version="v2", durability="sync")
    if snap.next and not snap.interrupts:  # answered, then the process died before the step finished
        return agent.invoke(None, config, version="v2", durability="sync")
    return None


async def aresume_decided(
    agent: Any, thread_id: str, *, approvals: Any = None, settings: B24Settings | None = None
) -> Any:
    """Async `resume_decided` (the store is read in a worker thread)."""
    import asyncio

    config = {"configurable": {"thread_id": thread_id}}
    snap = await agent.aget_state(config)

    def decided() -> dict[str, Any]:
        with _plan_index(approvals, settings) as plans:
            return _decided(plans, snap.interrupts)

    resume = await asyncio.to_thread(decided)
    if resume:
        return await agent.ainvoke(Command(resume=resume), config, version="v2", durability="sync")
    if snap.next and not snap.interrupts:
        return await agent.ainvoke(None, config, version="v2", durability="sync")
    return None


def resume_on_server(plan: Plan, decision: dict[str, Any]) -> Any:
    """Resume the LangGraph server thread that asked for `plan` (URL, assistant, thread recorded on the plan)."""
    info = plan.agent or {}
    url, assistant = info.get("server_url"), info.get("assistant_id")
    if not url or not assistant:
        raise B24ConfigError(
            f"plan {plan.plan_id} does not record a LangGraph server (url, assistant)",
            hint="set B24_AGENT_SERVER_URL where the agent is served, or resume it with resume_decided()",
        )
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=url)
    state = client.threads.get_state(plan.thread_id)
    target = None
    for task in state.get("tasks") or []:
        for item in task.get("interrupts") or []:
            if plan_id_of_interrupt(item.get("value")) == plan.plan_id:
                target = item.get("id")
    if target is None:  # nothing waits for this plan any more (already resumed): nothing to do
        return None
    return client.runs.wait(
        plan.thread_id, assistant, command={"resume": {target: {"decisions": [decision]}}}
    )


def load_agent_graph(spec: str, *, checkpointer: Any = None, store: Any = None) -> Any:
    """The agent graph named `module:attr` or `path/to/file.py:attr`, compiled with `checkpointer`.

    A compiled graph is copied with the shared checkpointer (so it reads the threads the agent wrote); a callable
    is called as `attr(checkpointer=..., store=...)`.
    """
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise B24ConfigError(
            f"agent graph {spec!r} is not 'module:attr' or 'path/to/file.py:attr'",
            hint="e.g. B24_AGENT_GRAPH=graphs/agent.py:agent or myapp.agent:graph",
        )
    if target.endswith(".py") or "/" in target:
        path = Path(target).resolve()
        if not path.exists():
            raise B24ConfigError(
                f"agent graph file {path} does not exist", hint="check B24_AGENT_GRAPH / --graph"
            )
        name = "_b24_agent_graph_" + path.stem
        module = sys.modules.get(name)
        if module is None:
            mod_spec = importlib.util.spec_from_file_location(name, path)
            if mod_spec is None or mod_spec.loader is None:
                raise B24ConfigError(f"cannot import {path}", hint="check B24_AGENT_GRAPH / --graph")
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[name] = module
            mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise B24ConfigError(
            f"{target} has no attribute {attr!r}", hint="check B24_AGENT_GRAPH / --graph"
        ) from None
    if hasattr(obj, "get_state") and hasattr(obj, "copy"):
        update: dict[str, Any] = {"checkpointer": checkpointer}
        if store is not None:
            update["store"] = store
        return obj.copy(update=update)
    if callable(obj):
        return obj(checkpointer=checkpointer, store=store)
    raise B24ConfigError(
        f"{spec} is neither a compiled graph nor a factory", hint="point it at the compiled agent"
    )
