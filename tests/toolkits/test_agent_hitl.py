"""An agent built with langchain's create_agent, a scripted model, the core toolkit and the emulator:
reads run straight through, writes pause at HumanInTheLoopMiddleware until a human decides."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from b24_tools import CoreToolkit, interrupt_on_config
from b24_tools.prompts import system_prompt


class ScriptedModel(GenericFakeChatModel):
    """Replies from a script; `bind_tools` returns itself (the script already carries the tool calls)."""

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> ScriptedModel:
        return self


def _call(name: str, args: dict, call_id: str) -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def _agent(client, script: list[AIMessage]):
    tools = CoreToolkit(client).get_tools()
    agent = create_agent(
        ScriptedModel(messages=iter(script)),
        tools=tools,
        system_prompt=system_prompt(("core",)),
        middleware=[HumanInTheLoopMiddleware(interrupt_on=interrupt_on_config(tools))],
        checkpointer=InMemorySaver(),
    )
    return agent


def _tool_messages(state) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_reads_run_and_a_write_pauses_for_review_then_runs_once_approved(emulator, b24_client):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_list", {"select": ["ID", "TITLE"], "start": -1}, "r1")]),
        AIMessage("", tool_calls=[_call("crm_lead_add", {"fields": {"TITLE": "From the agent"}}, "w1")]),
        AIMessage("Created the lead."),
    ]
    agent = _agent(b24_client, script)
    cfg = {"configurable": {"thread_id": "agent-1"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Add a lead"}]}, cfg, version="v2")

    # the read ran, the write is waiting
    msgs = _tool_messages(out.value)
    assert len(msgs) == 1 and msgs[0].name == "crm_lead_list" and msgs[0].status != "error"
    assert msgs[0].content.startswith("crm.lead.list:") and msgs[0].artifact["result"]
    assert len(out.interrupts) == 1
    request = out.interrupts[0].value
    assert [a["name"] for a in request["action_requests"]] == ["crm_lead_add"]
    assert request["review_configs"][0]["allowed_decisions"] == ["approve", "edit", "reject"]
    assert emulator.count("lead") == leads_before  # nothing written yet

    done = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), cfg, version="v2")
    assert not done.interrupts
    added = [m for m in _tool_messages(done.value) if m.name == "crm_lead_add"]
    assert len(added) == 1 and added[0].content.startswith("crm.lead.add: ")
    assert emulator.count("lead") == leads_before + 1
    assert done.value["messages"][-1].content == "Created the lead."


def test_a_rejected_delete_never_reaches_the_portal(emulator, b24_client):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_delete", {"id": 1}, "d1")]),
        AIMessage("Left it alone."),
    ]
    agent = _agent(b24_client, script)
    cfg = {"configurable": {"thread_id": "agent-2"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Delete lead 1"}]}, cfg, version="v2")
    assert out.interrupts[0].value["review_configs"][0]["allowed_decisions"] == ["approve", "reject"]
    done = agent.invoke(
        Command(resume={"decisions": [{"type": "reject", "message": "keep it"}]}), cfg, version="v2"
    )
    rejected = _tool_messages(done.value)[0]
    assert rejected.status == "error" and "keep it" in rejected.content
    assert emulator.count("lead") == leads_before


def test_tool_errors_reach_the_model_as_text_not_a_crash(emulator, b24_client):
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_get", {"id": 987654}, "g1")]),
        AIMessage(
            "", tool_calls=[_call("b24_call_method", {"method": "im.message.add", "params": {}}, "c1")]
        ),
        AIMessage("Done."),
    ]
    tools = CoreToolkit(b24_client, discovery=True).get_tools()
    agent = create_agent(
        ScriptedModel(messages=iter(script)),
        tools=tools,
        middleware=[HumanInTheLoopMiddleware(interrupt_on=interrupt_on_config(tools))],
        checkpointer=InMemorySaver(),
    )
    cfg = {"configurable": {"thread_id": "agent-3"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Show lead 987654"}]}, cfg, version="v2")
    if out.interrupts:  # b24_call_method on a write is gated; approve so the policy gets to refuse it
        out = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), cfg, version="v2")
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


async def test_the_same_agent_runs_async_with_the_async_client(emulator, b24_aclient):
    leads_before = emulator.count("lead")
    script = [
        AIMessage("", tool_calls=[_call("crm_lead_get", {"id": 1}, "r1")]),
        AIMessage("", tool_calls=[_call("crm_lead_update", {"id": 1, "fields": {"TITLE": "Renamed"}}, "w1")]),
        AIMessage("Renamed."),
    ]
    agent = _agent(b24_aclient, script)
    cfg = {"configurable": {"thread_id": "agent-async"}}
    out = await agent.ainvoke({"messages": [{"role": "user", "content": "Rename lead 1"}]}, cfg, version="v2")
    assert [m.name for m in _tool_messages(out.value)] == ["crm_lead_get"]
    request = out.interrupts[0].value["action_requests"][0]
    assert request["name"] == "crm_lead_update" and request["description"].startswith(
        "Bitrix24 call needs approval"
    )
    edited = {
        "type": "edit",
        "edited_action": {"name": "crm_lead_update", "args": {"id": 1, "fields": {"TITLE": "Edited"}}},
    }
    done = await agent.ainvoke(Command(resume={"decisions": [edited]}), cfg, version="v2")
    assert not done.interrupts
    assert [r["TITLE"] for r in emulator.records("lead") if str(r["ID"]) == "1"] == ["Edited"]
    assert emulator.count("lead") == leads_before
