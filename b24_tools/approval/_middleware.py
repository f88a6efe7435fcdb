"""`B24ApprovalMiddleware`: the agent's writes become plans, wait for a reviewer, and run through the engine.

    from langchain.agents import create_agent
    from b24_tools import B24ApprovalMiddleware, B24Toolkit, Engine

    engine = Engine.from_settings()
    agent = create_agent(model, B24Toolkit(client).get_tools(),
                         middleware=[B24ApprovalMiddleware(engine)], checkpointer=checkpointer)

Drop-in where LangChain's `HumanInTheLoopMiddleware` stands. Per tool call of a b24 tool:

- the call is assessed by its ARGUMENTS (a `batch` or `b24_call_method` is as risky as its riskiest inner command);
- a read runs at once and leaves an audit line;
- a write or delete becomes a plan in the shared store (same plan model, hash, idempotency key; `requested_by` is
  `<agent name>:<thread id>`) and the call interrupts with LangChain's `HITLRequest` (one action request carrying
  the `plan_id`), so Agent Chat UI and LangGraph Studio can review it like any HITL interrupt;
- on resume the decision is recorded on the plan (first decider wins: a reviewer in `b24 review` / the inbox, or
  the graph client), approved and edited calls are executed by the engine (ledger claim → call with origin marker
  → completion → audit) and come back as a ToolMessage with the result; rejected ones with the reviewer's reason.

Tool calls run as separate tasks, so in one AI message mixing reads and writes the reads run and the writes wait.
A decision made elsewhere reaches the thread through `Approvals` (LangGraph server via `langgraph_sdk`, a local
graph named by `B24_AGENT_GRAPH`) or `resume_decided(agent, thread_id)`; see `_resume.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.types import interrupt

from .._errors import B24Error, B24MissingExtra
from .._redact import redact
from ._hitl import hitl_request, parse_decision
from ._models import FINAL, Plan
from ._submit import CallRequest, CallSubmission, submit_calls

try:
    from langchain.agents.middleware import AgentMiddleware
except ImportError as exc:  # the [agent] extra
    raise B24MissingExtra("B24ApprovalMiddleware", "agent", "langchain") from exc

__all__ = ["B24ApprovalMiddleware"]

Handler = Callable[[Any], Any]


class B24ApprovalMiddleware(AgentMiddleware):
    """Writes of b24 tools become reviewed plans executed by the approval engine (see the module docstring)."""

    def __init__(
        self,
        engine: Any,
        *,
        agent_name: str = "b24-agent",
        server_url: str | None = None,
        graph: str | None = None,
    ) -> None:
        """`engine`: an `Engine` (or `Approvals`, whose engine is used). `server_url`: where reviewers resume
        threads served by LangGraph server (default: LANGGRAPH_API_URL, which `langgraph dev` sets). `graph`:
        the import path (`module:attr`) of this agent, stored on plans for reviewers that resume local threads."""
        super().__init__()
        self.engine = getattr(engine, "engine", engine)
        self.agent_name = agent_name
        self.server_url = server_url
        self.graph = graph

    # ---------------------------------------------------------------------------------------- classify
    def _call(self, request: Any) -> tuple[CallRequest, str] | None:
        """(the call, its risk) for a b24 tool call the policy allows; None → let the tool handle it itself."""
        tool = request.tool
        to_request = getattr(tool, "b24_request", None)
        if to_request is None:
            return None
        call = request.tool_call
        try:
            method, params = to_request(call.get("args") or {})
            policy = getattr(getattr(tool, "runtime", None), "policy", None) or self.engine.policy
            assessment = policy.assess(method, params)
        except Exception:  # noqa: BLE001 - bad input or a refusal: the tool says so, with no I/O
            return None
        if assessment.refusal is not None:
            return None
        return CallRequest(method, params, call_id=call.get("id"), tool=tool.name), assessment.risk

    def _where(self, request: Any) -> tuple[str, dict[str, Any]]:
        """(thread id, the agent record stored on plans: how a reviewer's decision gets back to this thread)."""
        runtime = getattr(request, "runtime", None)
        config = getattr(runtime, "config", None) or {}
        conf = config.get("configurable") or {}
        thread_id = str(conf.get("thread_id") or "")
        agent: dict[str, Any] = {"name": self.agent_name, "thread_id": thread_id}
        if conf.get("assistant_id"):  # served by LangGraph server / `langgraph dev`
            agent["assistant_id"] = str(conf["assistant_id"])
            agent["graph_id"] = conf.get("graph_id")
            url = (
                self.server_url
                or os.environ.get("B24_AGENT_SERVER_URL")
                or os.environ.get("LANGGRAPH_API_URL")
            )
            if url:
                agent["server_url"] = url
        elif self.graph:
            agent["graph"] = self.graph
        return thread_id, agent

    # ---------------------------------------------------------------------------------------- steps (sync I/O)
    def _submit(self, request: Any, call: CallRequest) -> CallSubmission:
        thread_id, agent = self._where(request)
        return submit_calls(
            self.engine,
            [call],
            requested_by=f"{self.agent_name}:{thread_id}",
            thread_id=thread_id,
            agent=agent,
        )[0]

    def _audit_read(self, request: Any, call: CallRequest, message: Any) -> None:
        thread_id, _ = self._where(request)
        failed = isinstance(message, ToolMessage) and message.status == "error"
        self.engine.audit.emit(
            "read",
            actor=f"{self.agent_name}:{thread_id}",
            method=call.method,
            risk="read",
            params=call.params,
            outcome="error" if failed else "ok",
            error=str(message.content)[:500] if failed else None,
        )

    def _before_review(self, sub: CallSubmission) -> ToolMessage | tuple[Plan, dict[str, Any] | None]:
        """A final answer (refused, replayed, already executed), or (plan, the decision stored on it if any)."""
        req = sub.request
        if sub.plan is None:
            if sub.status == "replayed":
                return _message(
                    req, _render(req.method, sub.result) + " (replayed: this exact request already ran)"
                )
            return _message(req, f"{req.method} was not run: {sub.error or sub.status}", error=True)
        plan = sub.plan
        row = self.engine.plans.row(plan.plan_id) or {}
        status = row.get("status", plan.status)
        stored = self.engine.plans.load_decision(plan.plan_id) if status != "pending" else None
        if status in FINAL:  # ended before (a re-run after a crash, a late resume) or rejected elsewhere
            current = self.engine.plans.get(plan.plan_id)
            if current.decision is not None or stored is None or status not in ("rejected", "expired"):
                return self._final(req, current)
        return plan, stored

    def _decide(self, req: CallRequest, plan: Plan, decision: dict[str, Any]) -> ToolMessage | str:
        """Record + apply the decision, execute what was approved. A string = ask the reviewer again (why)."""
        ref = f"agent:{plan.thread_id}:{req.call_id}"
        out = self.engine.apply_decision(plan, decision, task_ref=ref)
        if out["status"] == "conflict":  # someone decided first (a reviewer elsewhere): their decision stands
            stored = self.engine.plans.load_decision(plan.plan_id)
            if stored is None:
                return _message(req, f"{req.method} was not run: {out.get('error')}", error=True)
            out = self.engine.apply_decision(plan, stored, task_ref=ref)
        status = out["status"]
        if status == "review_again":
            return str(out.get("note") or "the decision could not be applied; decide again")
        if status == "approved":
            done = self.engine.execute(Plan.from_dict(out["plan"]))
            return self._final(req, Plan.from_dict(done.get("plan") or out["plan"]), done)
        return self._final(req, Plan.from_dict(out["plan"]) if out.get("plan") else plan, out)

    def _final(self, req: CallRequest, plan: Plan, out: dict[str, Any] | None = None) -> ToolMessage:
        out = out or {}
        status = out.get("status") or plan.status
        result = out.get("result", plan.result)
        error = out.get("error") or plan.error
        who = plan.decided_by or "a reviewer"
        artifact = {"plan_id": plan.plan_id, "status": status, "method": plan.method, "result": result}
        if status == "executed":
            note = f" (plan {plan.plan_id}, approved by {who}"
            note += ", edited by the reviewer before it ran)" if plan.original_params is not None else ")"
            return _message(req, _render(plan.method, result) + note, artifact=artifact)
        if status == "rejected":
            if plan.decision == "respond" or (isinstance(result, dict) and "message" in result and not error):
                text = str((result or {}).get("message") or "")
                return _message(
                    req,
                    f"Reviewer {who} answered instead of running {plan.method}: {text}",
                    artifact=artifact,
                )
            reason = plan.reason or (error or "no reason given")
            return _message(
                req,
                f"Reviewer {who} rejected {plan.method} (plan {plan.plan_id}): {reason}. "
                "It was not run; do not retry it unchanged.",
                error=True,
                artifact=artifact,
            )
        if status == "unknown_outcome":
            return _message(
                req,
                f"{plan.method} (plan {plan.plan_id}): the outcome is unknown and was parked for a human "
                f"({error}). Do NOT retry it.",
                error=True,
                artifact=artifact,
            )
        return _message(
            req,
            f"{plan.method} (plan {plan.plan_id}) was not run: {status}: {error}",
            error=True,
            artifact=artifact,
        )

    # ---------------------------------------------------------------------------------------- the hook
    def wrap_tool_call(self, request: Any, handler: Handler) -> Any:
        """Reads run (+ audit line); writes become plans, interrupt for review, and run through the engine."""
        classified = self._call(request)
        if classified is None:
            return handler(request)
        call, risk = classified
        if risk == "read":
            message = handler(request)
            self._audit_read(request, call, message)
            return message
        ready = self._before_review(self._submit(request, call))
        if isinstance(ready, ToolMessage):
            return ready
        plan, decision = ready
        note: str | None = None
        while True:
            if decision is None:
                asked = _ask(plan, call, note)
                if isinstance(asked, str):
                    note = asked
                    continue
                decision = asked
            answer = self._decide(call, plan, decision)
            if isinstance(answer, ToolMessage):
                return answer
            note, decision = answer, None
            plan = self.engine.plans.get(plan.plan_id)

    async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        """Async twin: store and portal work runs in worker threads; the interrupt stays in the graph's task."""
        classified = await asyncio.to_thread(self._call, request)
        if classified is None:
            return await handler(request)
        call, risk = classified
        if risk == "read":
            message = await handler(request)
            await asyncio.to_thread(self._audit_read, request, call, message)
            return message
        sub = await asyncio.to_thread(self._submit, request, call)
        ready = await asyncio.to_thread(self._before_review, sub)
        if isinstance(ready, ToolMessage):
            return ready
        plan, decision = ready
        note: str | None = None
        while True:
            if decision is None:
                asked = _ask(plan, call, note)
                if isinstance(asked, str):
                    note = asked
                    continue
                decision = asked
            answer = await asyncio.to_thread(self._decide, call, plan, decision)
            if isinstance(answer, ToolMessage):
                return answer
            note, decision = answer, None
            plan = await asyncio.to_thread(self.engine.plans.get, plan.plan_id)


def _ask(plan: Plan, call: CallRequest, note: str | None) -> dict[str, Any] | str:
    """Interrupt with the plan's `HITLRequest` (tool name, plan id); the decision, or why it was unusable."""
    payload = hitl_request(plan, note=note)
    for action in payload["action_requests"]:
        action["name"] = call.tool or plan.method
        action["plan_id"] = plan.plan_id
        action["method"] = plan.method
    for config in payload["review_configs"]:
        config["action_name"] = call.tool or plan.method
    answer = interrupt(payload)
    try:
        return parse_decision(answer)
    except ValueError as exc:
        return f"invalid decision: {exc}"


def _render(method: str, result: Any) -> str:
    try:
        from ..toolkits._render import render_result

        return render_result(method, result)
    except Exception:  # noqa: BLE001 - plain JSON is fine too
        return f"{method}: {json.dumps(redact(result), ensure_ascii=False, default=str)[:2000]}"


def _message(
    req: CallRequest, content: str, *, error: bool = False, artifact: dict[str, Any] | None = None
) -> ToolMessage:
    try:
        content = str(redact(content))
    except B24Error:  # pragma: no cover - redaction never raises for strings
        pass
    return ToolMessage(
        content=content,
        tool_call_id=req.call_id or "",
        name=req.tool,
        status="error" if error else "success",
        artifact=artifact,
    )
