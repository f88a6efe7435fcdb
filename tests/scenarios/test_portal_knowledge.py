"""An agent that knows the portal only by names: it learns custom field codes, list values and IDs from the
tools (never from the test), writes through human review, and the write lands with the right codes.

The model is scripted but reactive: each next tool call is computed from the text the previous tool results
showed it, as a real model would read them — no ID, field code or value ID is written into the script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from b24_tools import Approvals, B24ApprovalMiddleware, B24Toolkit, Emulator, Policy
from b24_tools.prompts import system_prompt
from b24_tools.toolkits._fields import clear_field_cache


class ReactiveModel(BaseChatModel):
    """Answers with `brain(messages)`; `bind_tools` returns itself."""

    brain: Callable[[list[BaseMessage]], AIMessage]

    @property
    def _llm_type(self) -> str:
        return "reactive-script"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ReactiveModel:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.brain(messages))])


def _call(name: str, args: dict[str, Any], n: int) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{n}", "type": "tool_call"}])


def _seen(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


@pytest.fixture
def world() -> Iterator[tuple[Emulator, Any]]:
    clear_field_cache()
    emu = Emulator()
    emu.seed(deals=5, contacts=3, users=5)
    client = emu.client()
    yield emu, client
    client.close()
    emu.close()


def _update_deal_brain(deal_title: str, person: str) -> Callable[[list[BaseMessage]], AIMessage]:
    """Set the deal's delivery date and priority (custom fields) and hand it to a person known by name."""

    def brain(messages: list[BaseMessage]) -> AIMessage:
        seen = _seen(messages)
        text = [m.content for m in seen]
        step = len(seen)
        if step == 0:
            return _call("b24_find_id", {"kind": "deal", "name": deal_title}, 1)
        if step == 1:
            return _call("b24_entity_fields", {"entity": "deal", "query": "delivery"}, 2)
        if step == 2:
            return _call("b24_entity_fields", {"entity": "deal", "query": "priority"}, 3)
        if step == 3:
            return _call("b24_find_id", {"kind": "user", "name": person}, 4)
        if step == 4:
            deal_id = int(re.search(r"→ ID (\d+)", text[0]).group(1))
            date_code = re.search(r"^(UF_CRM_\w+)\S* \"Delivery date\"", text[1], re.M).group(1)
            prio = re.search(r"^(UF_CRM_\w+)\S* \"Deal priority\" enumeration \[(.*)\]", text[2], re.M)
            high = re.search(r"(\d+)=High", prio.group(2)).group(1)
            user_id = int(re.search(r"→ ID (\d+)", text[3]).group(1))
            fields = {date_code: "2026-02-01", prio.group(1): high, "ASSIGNED_BY_ID": user_id}
            return _call("crm_deal_update", {"id": deal_id, "fields": fields}, 5)
        return AIMessage("Done: the deal is updated.")

    return brain


def test_an_agent_writes_custom_fields_and_a_person_it_knows_only_by_name(world, tmp_path):
    with ExitStack() as stack:
        _agent_writes_custom_fields(world, tmp_path, stack)


def _agent_writes_custom_fields(world, tmp_path, stack):
    emu, client = world
    [deal] = emu.records("deal", ID=3)
    person = next(u for u in emu.records("user") if u["ID"] == 4)
    full_name = f"{person['NAME']} {person['LAST_NAME']}"
    assert sum(f"{u['NAME']} {u['LAST_NAME']}" == full_name for u in emu.records("user")) == 1

    tools = B24Toolkit(client).get_tools()
    approvals = stack.enter_context(
        Approvals.open(client=client, policy=Policy(), sqlite_path=tmp_path / "b24.sqlite")
    )
    agent = create_agent(
        ReactiveModel(brain=_update_deal_brain(deal["TITLE"], full_name)),
        tools=tools,
        system_prompt=system_prompt(("core",)),
        middleware=[
            B24ApprovalMiddleware(approvals)
        ],  # the write becomes a plan; approved, the engine runs it
        checkpointer=InMemorySaver(),
    )
    cfg = {"configurable": {"thread_id": "portal-knowledge"}}
    out = agent.invoke({"messages": [{"role": "user", "content": "Update the deal"}]}, cfg, version="v2")

    # four reads ran; the write waits for a human with the discovered codes and IDs
    [request] = out.interrupts[0].value["action_requests"]
    assert request["name"] == "crm_deal_update"
    assert request["args"] == {
        "id": 3,
        "fields": {"UF_CRM_1700000001": "2026-02-01", "UF_CRM_1700000002": "41", "ASSIGNED_BY_ID": 4},
    }
    assert emu.records("deal", ID=3)[0].get("UF_CRM_1700000001") is None

    done = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), cfg, version="v2")
    assert done.value["messages"][-1].content == "Done: the deal is updated."
    [row] = emu.records("deal", ID=3)
    assert row["UF_CRM_1700000001"] == "2026-02-01" and str(row["UF_CRM_1700000002"]) == "41"
    assert row["ASSIGNED_BY_ID"] == 4


def test_a_wrong_custom_field_code_is_refused_with_the_closest_ones_before_review(world):
    emu, client = world
    tools = {t.name: t for t in B24Toolkit(client).get_tools()}
    msg = tools["crm_deal_update"].invoke(
        {"type": "tool_call", "id": "w", "name": "crm_deal_update",
         "args": {"id": 1, "fields": {"UF_CRM_170000001": "2026-02-01", "DELIVERY_DATE": "x"}}}
    )  # fmt: skip
    assert msg.status == "error"
    assert "no deal field 'UF_CRM_170000001' (closest: UF_CRM_1700000001 \"Delivery date\"" in msg.content
    assert "'DELIVERY_DATE' (closest: UF_CRM_1700000001 \"Delivery date\"" in msg.content
    assert emu.records("deal", ID=1)[0].get("UF_CRM_1700000001") is None


def test_an_ambiguous_name_comes_back_as_a_short_list_never_a_guess(world):
    emu, client = world
    tools = {t.name: t for t in B24Toolkit(client).get_tools()}
    msg = tools["b24_find_id"].invoke({"type": "tool_call", "id": "f", "name": "b24_find_id",
                                       "args": {"kind": "deal", "name": "Deal"}})  # fmt: skip
    assert msg.artifact["id"] is None and "ask the user which one" in msg.content
    assert len(msg.artifact["matches"]) == 5
    one = tools["b24_find_id"].invoke({"kind": "stage", "name": "won"})
    assert one.startswith("stage 'won' → ID WON")
    spa = tools["b24_find_id"].invoke({"kind": "stage", "name": "Done", "entityTypeId": 128, "categoryId": 2})
    assert "→ ID DT128_2:SUCCESS" in spa
    none = tools["b24_find_id"].invoke({"kind": "user", "name": "Nobody Atall"})
    assert none.startswith("No user matches")


def test_a_contact_is_found_by_phone_through_duplicate_search(world):
    emu, client = world
    contact = emu.records("contact", ID=2)[0]
    phone = contact["PHONE"][0]["VALUE"]
    tools = {t.name: t for t in B24Toolkit(client).get_tools()}
    spaced = f"{phone[:2]} {phone[2:5]} {phone[5:]}"
    assert (
        tools["b24_find_id"]
        .invoke({"kind": "contact", "name": spaced})
        .startswith(f"contact '{spaced}' → ID 2")
    )


def test_field_lists_are_read_once_per_portal_and_kept(world):
    emu, client = world
    calls: list[str] = []
    real = client.call

    def counting(method: str, params: Any = None, **kw: Any) -> Any:
        calls.append(method)
        return real(method, params, **kw)

    client.call = counting  # type: ignore[method-assign]
    tools = {t.name: t for t in B24Toolkit(client).get_tools()}
    first = tools["b24_entity_fields"].invoke({"entity": "deal", "custom_only": True})
    tools["b24_entity_fields"].invoke({"entity": "deal", "query": "stage"})
    assert calls.count("crm.deal.fields") == 1
    assert 'UF_CRM_1700000003* "Contract number" string' in first
    stage = tools["b24_entity_fields"].invoke({"entity": "deal", "query": "STAGE_ID"})
    assert "WON=Won" in stage or "WON=" in stage
    spa = tools["b24_entity_fields"].invoke({"entity": "item", "entityTypeId": 128, "custom_only": True})
    assert 'ufCrm5_1700000401 "Budget" money' in spa or '"Budget" money' in spa


def test_every_fields_method_is_a_read_in_the_catalog():
    from b24_tools.catalog import get_catalog
    from b24_tools.policy._policy import Policy

    cat = get_catalog()
    names = [n for n in cat.names() if n.rsplit(".", 1)[-1] in ("fields", "getfields")]
    assert "crm.item.fields" in names and len(names) > 50
    assert {n: cat.get(n).risk for n in names if cat.get(n).risk != "read"} == {}
    # through the generic call tool it needs no destructive confirmation (it used to)
    assert Policy(packs=("core",)).check("crm.item.fields", {"entityTypeId": 2}, confirm_write=False,
                                          confirm_destructive=False).risk == "read"  # fmt: skip
