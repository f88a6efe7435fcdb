"""The approval graph: gate → review (interrupt, then execute what was approved).

    START → gate ─read/refused/replayed→ END
              └─write/destructive→ review ─interrupt(HITLRequest)─ … reviewer … ─approve/edit→ execute once → END
                                      └─reject/expired/conflict→ END   └─invalid edit→ review (asks again)

Execution runs in the review step itself (one checkpoint less per approval). A crash during execution is safe:
re-running the step replays the recorded decision (its compare-and-set win is recognised by reference) and the
ledger reconciles the call instead of repeating it.

Input: `{"request": {"method", "params", "kind"?, "records"?, "idempotency_key"?, "requested_by"?, ...}}`.
The interrupt value is LangChain v1's `HITLRequest`; resume with `Command(resume={interrupt_id: HITLResponse})`.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from ._engine import Engine
from ._hitl import hitl_request, parse_decision
from ._models import Plan

__all__ = ["ExecutorState", "build_graph"]


class ExecutorState(TypedDict, total=False):
    request: dict[str, Any]
    plan: dict[str, Any] | None
    decision: dict[str, Any] | None
    status: str
    result: Any
    error: str | None
    note: str | None
    evidence: dict[str, Any] | None
    duplicate_of: str | None


def build_graph(engine: Engine) -> StateGraph:
    """The uncompiled graph; compile with a checkpointer (and nothing else: the engine holds its own store)."""

    def gate(state: ExecutorState, config: RunnableConfig) -> dict[str, Any]:
        request = dict(state["request"])
        if not request.get("thread_id"):  # a LangGraph server thread: the plan lives on it
            request["thread_id"] = (config.get("configurable") or {}).get("thread_id")
        out = engine.gate(request)
        return {
            "status": out["status"],
            "plan": out.get("plan"),
            "result": out.get("result"),
            "error": out.get("error"),
            "note": None,
            "duplicate_of": out.get("duplicate_of"),
        }

    def after_gate(state: ExecutorState) -> str:
        pending = state.get("status") == "pending" and state.get("plan") and not state.get("duplicate_of")
        return "review" if pending else END

    def review(state: ExecutorState, config: RunnableConfig) -> Command:
        plan = Plan.from_dict(state["plan"] or {})
        answer = interrupt(hitl_request(plan, note=state.get("note")))
        try:
            decision = parse_decision(answer)
        except ValueError as exc:
            return Command(goto="review", update={"note": f"invalid decision: {exc}"})
        # a graph client's decision gets a reference stable across re-runs of this task (crash → resume)
        task_ref = "graph:" + str((config.get("configurable") or {}).get("checkpoint_ns") or "")
        out = engine.apply_decision(plan, decision, task_ref=task_ref)
        status = out["status"]
        update: dict[str, Any] = {
            "status": status,
            "error": out.get("error"),
            "result": out.get("result"),
            "decision": {k: v for k, v in decision.items() if k != "ref"},
            "note": None,
        }
        if out.get("plan"):
            update["plan"] = out["plan"]
        if status == "review_again":
            return Command(goto="review", update={"note": out.get("note"), "status": "pending"})
        if status == "approved":  # execute in the same step: one checkpoint less per approval
            done = engine.execute(Plan.from_dict(out["plan"]))
            update.update(
                status=done["status"],
                result=done.get("result"),
                error=done.get("error"),
                plan=done.get("plan", out["plan"]),
                evidence=done.get("evidence"),
            )
        return Command(goto=END, update=update)

    graph = StateGraph(ExecutorState)
    graph.add_node("gate", gate)
    graph.add_node("review", review, destinations=("review", END))
    graph.add_edge(START, "gate")
    graph.add_conditional_edges("gate", after_gate, ["review", END])
    return graph
