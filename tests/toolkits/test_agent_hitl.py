"""An agent built with langchain's create_agent, a scripted model, the core toolkit and the emulator:
reads run straight through, writes pause at B24ApprovalMiddleware as plans until a human decides, then run
through the approval engine."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from b24_tools import Approvals, B24ApprovalMiddleware, CoreToolkit, Policy, interrupt_on_config
from b24_tools.prompts import system_prompt


class ScriptedModel(GenericFakeChatModel):
    """Replies from a script; `bind_tools` returns itself (the script already carries the tool calls)."""

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> ScriptedModel:
        return self


def _call(name: str, args: dict, call_id: str) -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


@pytest.fixture
def approvals(emulator, tmp_path):
    with Approvals.open(client=emulator.client(), policy=Policy(), sqlite_path=tmp_path / "b24.sqlite") as a:
        yield a


def _agent(client, script: list[AIMessage], approvals, *, discovery: bool = False):
    tools = CoreToolkit(client, discovery=discovery).get_tools()
    agent = create_agent(
        ScriptedModel(messages=iter(script)),
        tools=tools,
        system_prompt=system_prompt(("core",)),
        middleware=[B24ApprovalMiddleware(approvals)],
        checkpointer=InMemorySaver(),
    )
    return agent


def _tool_messages(state) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_reads_run_and_a_write_pauses_for_review_then_runs_once_approved(emulator, b24_client, approvals):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_list", {"select": ["ID", "TITLE"], "start": -1}, "r1")]),
        AIMessage("", tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": "From the agent"}}, "w1")]),
        AIMessage("Created the lead."),
    ]
    agent = _agent(b24_client, script, approvals)
    cfg = {"configurable": {"thread_id": "agent-1"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Add a lead"}]}, cfg, version="v2")

    # the read ran, the write is waiting
    msgs = _tool_messages(out.value)
    assert len(msgs) == 1 and msgs[0].name == "crm_lead_list" and msgs[0].status != "error"
    assert msgs[0].content.startswith("crm.lead.list:") and msgs[0].artifact["result"]
    assert len(out.interrupts) == 1
    request = out.interrupts[0].value
    assert [a["name"] for a in request["action_requests"]] == ["crm_lead_add"]
    assert request["review_configs"][0]["allowed_decisions"][:3] == ["approve", "edit", "reject"]
    assert emulator.count("lead") == leads_before  # nothing written yet
    [plan] = approvals.list_pending()  # the reviewer sees it like any other plan
    assert plan.plan_id == request["action_requests"][0]["plan_id"] and plan.method == "crm.lead.add"
    assert plan.requested_by == "b24-agent:agent-1" and plan.runner == "agent"

    done = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), cfg, version="v2")
    assert not done.interrupts
    added = [m for m in _tool_messages(done.value) if m.name == "crm_lead_add"]
    assert len(added) == 1 and added[0].content.startswith("crm.lead.add: ")
    assert emulator.count("lead") == leads_before + 1
    assert done.value["messages"][-1].content == "Created the lead."
    events = [(e["event"], e["outcome"]) for e in approvals.audit.events(plan_id=plan.plan_id)]
    assert events == [("plan", "pending"), ("decision", "approved"), ("call", "sent"), ("result", "ok")]
    assert approvals.get_plan(plan.plan_id).status == "executed"


def test_a_rejected_delete_never_reaches_the_portal(emulator, b24_client, approvals):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_delete", {"id": 1}, "d1")]),
        AIMessage("Left it alone."),
    ]
    agent = _agent(b24_client, script, approvals)
    cfg = {"configurable": {"thread_id": "agent-2"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Delete lead 1"}]}, cfg, version="v2")
    assert "reject" in out.interrupts[0].value["review_configs"][0]["allowed_decisions"]
    assert approvals.list_pending()[0].risk == "destructive"
    done = agent.invoke(
        Command(resume={"decisions": [{"type": "reject", "message": "keep it"}]}), cfg, version="v2"
    )
    rejected = _tool_messages(done.value)[0]
    assert rejected.status == "error" and "keep it" in rejected.content
    assert emulator.count("lead") == leads_before


def test_tool_errors_reach_the_model_as_text_not_a_crash(emulator, b24_client, approvals):
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_get", {"id": 987654}, "g1")]),
        AIMessage(
            "", tool_calls=[_call("b24_call_method", {"method": "im.message.add", "params": {}}, "c1")]
        ),
        AIMessage("Done."),
    ]
    agent = _agent(b24_client, script, approvals, discovery=True)
    cfg = {"configurable": {"thread_id": "agent-3"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Show lead 987654"}]}, cfg, version="v2")
    assert not out.interrupts  # the policy refuses the unlisted method before any plan or review
    assert approvals.list_plans() == []
    msgs = {m.tool_call_id: m for m in _tool_messages(out.value)}
    assert (
        msgs["g1"].status == "error"
        and "Not found" in msgs["g1"].content
        and "Traceback" not in msgs["g1"].content
    )
    assert msgs["c1"].status == "error" and "Refused by policy (unlisted)" in msgs["c1"].content
    assert "comms" in msgs["c1"].content


@pytest.mark.parametrize(
    "method,gated", [("crm.lead.list", False), ("crm.lead.delete", True), ("nope.x", True)]
)
def test_call_method_is_gated_by_the_risk_of_the_method_it_calls(method, gated):
    tools = CoreToolkit(None, discovery=True).get_tools()
    when = interrupt_on_config(tools)["b24_call_method"]["when"]

    class Req:
        tool_call = {"name": "b24_call_method", "args": {"method": method, "params": {}}, "id": "x"}

    assert when(Req()) is gated


async def test_the_same_agent_runs_async_with_the_async_client(emulator, b24_aclient, approvals):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_get", {"id": 1}, "r1")]),
        AIMessage("", tool_calls=[_call("crm_lead_update", {"id": 1, "fields": {"TITLE": "Renamed"}}, "w1")]),
        AIMessage("Renamed."),
    ]
    agent = _agent(b24_aclient, script, approvals)
    cfg = {"configurable": {"thread_id": "agent-async"}}
    out = await agent.ainvoke({"messages": [{"role": "user", "content": "Rename lead 1"}]}, cfg, version="v2")
    assert [m.name for m in _tool_messages(out.value)] == ["crm_lead_get"]
    request = out.interrupts[0].value["action_requests"][0]
    assert request["name"] == "crm_lead_update" and request["plan_id"] in request["description"]
    edited = {
        "type": "edit",
        "edited_action": {"name": "crm_lead_update", "args": {"id": 1, "fields": {"TITLE": "Edited"}}},
    }
    done = await agent.ainvoke(Command(resume={"decisions": [edited]}), cfg, version="v2")
    assert not done.interrupts
    assert [r["TITLE"] for r in emulator.records("lead") if str(r["ID"]) == "1"] == ["Edited"]
    assert emulator.count("lead") == leads_before
