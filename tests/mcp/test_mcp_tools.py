"""The MCP server's tools, resources and prompts, through a real `mcp.ClientSession` (in-memory transport)."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool
from mcp.types import ElicitResult

from b24_tools import prompts
from b24_tools.toolkits import B24Toolkit


def _text(result: Any) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


async def test_tools_are_the_toolkits_with_catalog_schemas_and_risk_annotations(rig) -> None:
    toolkit = {t.name: t for t in B24Toolkit(rig.client, packs=("core",)).get_tools()}
    async with rig.session() as s:
        listed = {t.name: t for t in (await s.list_tools()).tools}
    assert set(listed) == set(toolkit) | {"b24_plan_status"}
    for name, tool in toolkit.items():
        mcp_tool = listed[name]
        params = convert_to_openai_tool(tool)["function"]["parameters"]
        assert mcp_tool.inputSchema["properties"] == params.get("properties", {}), name
        assert mcp_tool.inputSchema.get("required", []) == params.get("required", []), name
        assert mcp_tool.description == tool.description
        risk = tool.metadata["risk"]
        ann = mcp_tool.annotations
        assert ann.readOnlyHint is (risk == "read"), name
        assert ann.destructiveHint is (risk == "destructive"), name
        assert ann.idempotentHint is True
    assert listed["crm_lead_delete"].annotations.destructiveHint is True
    assert listed["crm_lead_add"].annotations.readOnlyHint is False
    assert listed["crm_lead_list"].annotations.openWorldHint is True
    assert listed["b24_find_methods"].annotations.openWorldHint is False
    assert listed["b24_plan_status"].annotations.readOnlyHint is True
    assert listed["b24_plan_status"].inputSchema["required"] == ["plan_id"]


async def test_a_read_answers_as_the_toolkit_does(rig) -> None:
    args = {"filter": {">ID": 3}, "select": ["ID", "TITLE", "STATUS_ID"], "order": {"ID": "ASC"}}
    tool = next(t for t in B24Toolkit(rig.client).get_tools() if t.name == "crm_lead_list")
    expected = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": args})
    async with rig.session() as s:
        got = await s.call_tool("crm_lead_list", args)
    assert got.isError is False
    assert _text(got) == expected.content
    assert got.structuredContent["result"] == expected.artifact["result"]
    assert got.structuredContent["total"] == expected.artifact["total"]


async def test_a_write_becomes_a_pending_plan_and_writes_nothing(rig) -> None:
    async with rig.session(name="claude-desktop") as s:
        got = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "From MCP"}})
    data = got.structuredContent
    assert got.isError is False and data["status"] == "pending"
    plan_id = data["plan_id"]
    assert data["approve"]["cli"] == f"b24 review approve {plan_id}"
    assert data["approve"]["inbox"] == f"http://127.0.0.1:8790/plans/{plan_id}"
    assert data["summary"] == "write: crm.lead.add with TITLE=From MCP"
    assert plan_id in _text(got) and "Nothing was written yet" in _text(got)
    assert rig.leads_titled("From MCP") == []
    plan = rig.approvals.get_plan(plan_id)
    assert (plan.status, plan.method) == ("pending", "crm.lead.add")
    assert plan.params["fields"]["TITLE"] == "From MCP"
    assert plan.requested_by == "mcp:claude-desktop/1.0"
    assert (
        plan.runner == "engine"
    )  # submitted with Approvals.submit_calls: decided and executed by the engine


async def test_repeating_the_same_write_returns_the_same_plan(rig) -> None:
    async with rig.session() as s:
        first = await s.call_tool("crm_deal_update", {"id": 1, "fields": {"STAGE_ID": "WON"}})
        second = await s.call_tool("crm_deal_update", {"id": 1, "fields": {"STAGE_ID": "WON"}})
    assert first.structuredContent["plan_id"] == second.structuredContent["plan_id"]
    assert len(rig.approvals.list_pending()) == 1


async def test_plan_status_returns_the_record_once_approved(rig) -> None:
    async with rig.session() as s:
        pending = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "Approve me"}})
        plan_id = pending.structuredContent["plan_id"]
        before = await s.call_tool("b24_plan_status", {"plan_id": plan_id})
        rig.approvals.approve(plan_id, reviewer="alice")
        after = await s.call_tool("b24_plan_status", {"plan_id": plan_id})
    assert before.structuredContent["status"] == "pending"
    assert after.structuredContent["status"] == "executed"
    assert after.structuredContent["decided_by"] == "alice"
    (lead,) = rig.leads_titled("Approve me")
    assert str(after.structuredContent["result"]) == str(lead["ID"])
    assert "approved by alice" in _text(after)


async def test_plan_status_of_a_rejected_plan_gives_the_reason(rig) -> None:
    async with rig.session() as s:
        pending = await s.call_tool("crm_lead_delete", {"id": 2})
        plan_id = pending.structuredContent["plan_id"]
        assert pending.structuredContent["risk"] == "destructive"
        rig.approvals.reject(plan_id, "not this one", reviewer="bob")
        got = await s.call_tool("b24_plan_status", {"plan_id": plan_id})
    assert got.structuredContent["status"] == "rejected"
    assert got.structuredContent["decided_by"] == "bob"
    assert rig.client.call("crm.lead.get", {"id": 2}).result["ID"] == "2"


async def test_plan_status_of_an_unknown_plan_is_a_tool_error(rig) -> None:
    async with rig.session() as s:
        got = await s.call_tool("b24_plan_status", {"plan_id": "pl_doesnotexist"})
        empty = await s.call_tool("b24_plan_status", {})
    assert got.isError is True and "not found" in _text(got) and "b24 review list" in _text(got)
    assert empty.isError is True and "plan_id is required" in _text(empty)


async def test_a_method_outside_the_packs_is_refused_before_any_plan(rig) -> None:
    async with rig.session() as s:
        got = await s.call_tool("b24_call_method", {"method": "im.message.add", "params": {"DIALOG_ID": 1}})
    assert got.isError is True
    assert "comms" in _text(got)
    assert rig.approvals.list_plans() == []


async def test_bad_arguments_are_a_tool_error_naming_the_field(rig) -> None:
    async with rig.session() as s:
        got = await s.call_tool("crm_lead_get", {"id": "not-a-number"})
    assert got.isError is True and "'id'" in _text(got)
    assert rig.approvals.list_plans() == []


async def test_call_method_write_becomes_a_plan_too(rig) -> None:
    async with rig.session() as s:
        got = await s.call_tool(
            "b24_call_method", {"method": "crm.contact.add", "params": {"fields": {"NAME": "Via discovery"}}}
        )
    assert got.structuredContent["status"] == "pending"
    assert rig.approvals.get_plan(got.structuredContent["plan_id"]).method == "crm.contact.add"


async def test_guides_are_resources_and_recipes_are_prompts(rig) -> None:
    async with rig.session() as s:
        resources = {str(r.uri): r for r in (await s.list_resources()).resources}
        core = await s.read_resource("b24://guides/packs/core")
        listed = (await s.list_prompts()).prompts
        recipe = await s.get_prompt("recipe-05-deal-stage-and-notify", {"details": "deal 42"})
    guides = [n for n in prompts.names() if n == "system" or n.startswith("packs/")]
    assert set(resources) == {f"b24://guides/{n}" for n in guides}
    assert resources["b24://guides/packs/core"].mimeType == "text/markdown"
    assert core.contents[0].text == prompts.load("packs/core")
    recipes = [n for n in prompts.names() if n.startswith("recipes/")]
    assert len(recipes) == 26
    assert sorted(p.name for p in listed) == sorted("recipe-" + n.split("/", 1)[1] for n in recipes)
    text = recipe.messages[0].content.text
    assert text.startswith(prompts.load("recipes/05-deal-stage-and-notify").strip())
    assert "deal 42" in text


def test_server_instructions_carry_the_pack_guides_and_the_plan_rule(rig) -> None:
    from b24_tools.prompts import system_prompt

    server = rig.server()
    assert server.instructions.startswith(system_prompt(("core",)))
    assert "b24_plan_status" in server.instructions and "pending plan id" in server.instructions


# ------------------------------------------------------------------------------------------ elicitation


def _answer(content: dict[str, Any] | None, action: str = "accept") -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


async def test_inline_approval_executes_once_and_records_the_client_as_reviewer(rig) -> None:
    answer = _answer({"approve": True})
    async with rig.session(rig.server(elicit=True), name="cursor", elicitation_callback=answer) as s:
        got = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "Inline yes"}})
        again = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "Inline yes"}})
    assert len(answer.asked) == 1 and "write: crm.lead.add with TITLE=Inline yes" in answer.asked[0]
    data = got.structuredContent
    assert data["status"] == "executed" and data["decided_by"] == "mcp:cursor/1.0 (inline approval)"
    assert len(rig.leads_titled("Inline yes")) == 1
    assert str(again.structuredContent["result"]) == str(data["result"])  # replayed, not written twice
    events = rig.approvals.audit.events(plan_id=data["plan_id"])
    decisions = [e for e in events if e.get("event") == "decision"]
    assert decisions and decisions[0]["actor"] == "mcp:cursor/1.0 (inline approval)"


async def test_inline_rejection_keeps_the_portal_unchanged(rig) -> None:
    answer = _answer({"approve": False, "reason": "wrong lead"})
    async with rig.session(rig.server(elicit=True), elicitation_callback=answer) as s:
        got = await s.call_tool("crm_lead_delete", {"id": 3})
    assert got.structuredContent["status"] == "rejected"
    assert "wrong lead" in json.dumps(
        rig.approvals.show(got.structuredContent["plan_id"]).to_dict(), default=str
    )
    assert rig.client.call("crm.lead.get", {"id": 3}).result["ID"] == "3"


async def test_a_declined_question_leaves_the_plan_pending(rig) -> None:
    answer = _answer(None, action="decline")
    async with rig.session(rig.server(elicit=True), elicitation_callback=answer) as s:
        got = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "Later"}})
    assert got.structuredContent["status"] == "pending"
    assert "did not decide inline" in _text(got)
    assert rig.leads_titled("Later") == []


async def test_without_the_elicit_option_the_server_never_asks(rig) -> None:
    answer = _answer({"approve": True})
    async with rig.session(rig.server(), elicitation_callback=answer) as s:
        got = await s.call_tool("crm_lead_add", {"fields": {"TITLE": "Not asked"}})
    assert answer.asked == []
    assert got.structuredContent["status"] == "pending"
    assert rig.leads_titled("Not asked") == []
