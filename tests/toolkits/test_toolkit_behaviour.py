"""Toolkits and tools: construction, policy before I/O, review via approvals, sync/async clients, errors as text."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import pytest
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.messages import ToolMessage

from b24_tools import (
    B24Toolkit,
    B24UnknownOutcome,
    CommsToolkit,
    CoreToolkit,
    DiagnosticsToolkit,
    interrupt_on_config,
    make_api_error,
)
from b24_tools._redact import register_secret
from b24_tools.catalog import PACKS, get_catalog
from b24_tools.client._response import B24Response
from b24_tools.toolkits import TOOLKITS, B24MethodTool


class RecordingClient:
    def __init__(self, result: Any = None, *, error: Exception | None = None, total=None, next_=None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.result = [{"ID": "1"}] if result is None else result
        self.error, self.total, self.next = error, total, next_

    def call(self, method: str, params: dict | None = None, **_: Any) -> B24Response:
        self.calls.append((method, dict(params or {})))
        if self.error is not None:
            raise self.error
        return B24Response(result=self.result, total=self.total, next=self.next)


class AsyncRecordingClient(RecordingClient):
    async def call(self, method: str, params: dict | None = None, **_: Any) -> B24Response:  # type: ignore[override]
        await asyncio.sleep(0)
        return RecordingClient.call(self, method, params)


@dataclass
class Submitted:
    status: str
    plan_id: str | None
    thread_id: str | None = None
    result: Any = None
    error: str | None = None


class FakeApprovals:
    def __init__(self) -> None:
        self.submitted: list[tuple[str, dict, str]] = []

    def submit(self, method: str, params: dict, *, requested_by: str = "agent", **_: Any) -> Submitted:
        self.submitted.append((method, params, requested_by))
        return Submitted("pending", f"plan-{len(self.submitted)}")


def _writes(client: RecordingClient) -> list[str]:
    """The methods called that write (reads such as the field-code check's crm.lead.fields left out)."""
    return [m for m, _ in client.calls if not m.endswith((".fields", ".get", ".list"))]


def _tools(toolkit) -> dict[str, Any]:
    return {t.name: t for t in toolkit.get_tools()}


# --------------------------------------------------------------------------------------------- construction


@pytest.mark.parametrize("pack", PACKS)
def test_every_toolkit_and_every_tool_can_be_built(pack):
    toolkit = TOOLKITS[pack](RecordingClient())
    tools = toolkit.get_tools()
    assert len(tools) >= 6 and len({t.name for t in tools}) == len(tools)
    for tool in tools:
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", tool.name)
        assert set(tool.metadata) == {"risk", "method", "pack"}
        assert tool.metadata["risk"] in ("read", "write", "destructive")
        assert tool.metadata["pack"] == pack
        assert tool.response_format == "content_and_artifact"
        assert tool.handle_tool_error is True
        if not isinstance(tool, B24MethodTool):  # hand-written (b24_upload_file): its own args model
            continue
        spec = get_catalog().get(tool.metadata["method"])
        assert tool.args_schema is spec.params_model and tool.description == spec.description


def test_b24toolkit_merges_packs_and_adds_discovery_tools():
    names = set(_tools(B24Toolkit(RecordingClient(), packs=("core", "comms"))))
    assert {
        "crm_lead_add",
        "im_message_add",
        "b24_find_methods",
        "b24_describe_method",
        "b24_call_method",
    } <= names
    assert "b24_call_method" not in _tools(CoreToolkit(RecordingClient()))
    assert set(_tools(B24Toolkit(RecordingClient(), packs="core,comms"))) == names
    assert "b24_call_method" not in _tools(B24Toolkit(RecordingClient(), discovery=False))


def test_public_names_resolve_lazily_from_the_package():
    import b24_tools

    for name in (
        "B24Toolkit",
        "CoreToolkit",
        "DiagnosticsToolkit",
        "interrupt_on_config",
        "Policy",
        "get_catalog",
    ):
        assert getattr(b24_tools, name) is not None


# --------------------------------------------------------------------------------------------- interrupt config


def test_interrupt_config_gates_writes_and_deletes_only():
    tools = B24Toolkit(RecordingClient(), packs=PACKS).get_tools()
    cfg = interrupt_on_config(tools)
    assert cfg["crm_lead_list"] is False and cfg["user_current"] is False
    assert cfg["crm_lead_add"]["allowed_decisions"] == ["approve", "edit", "reject"]
    assert cfg["crm_lead_delete"]["allowed_decisions"] == ["approve", "reject"]
    assert cfg["disk_file_moveto"]["allowed_decisions"] == ["approve", "edit", "reject"]
    assert callable(cfg["b24_call_method"]["when"])
    for tool in tools:
        risk = tool.metadata["risk"]
        by_args = tool.name in ("b24_call_method", "batch")  # gated per call by the risk of the arguments
        assert (cfg[tool.name] is False) == (risk == "read" and not by_args)
    HumanInTheLoopMiddleware(interrupt_on=cfg)  # accepted as is
    assert interrupt_on_config(tools, edit_writes=False)["crm_lead_add"]["allowed_decisions"] == [
        "approve",
        "reject",
    ]


def test_interrupt_description_shows_the_call_without_secrets():
    register_secret("s3cr3t-webhook-code")
    cfg = interrupt_on_config(CoreToolkit(None).get_tools())
    text = cfg["crm_lead_add"]["description"](
        {"name": "crm_lead_add", "args": {"fields": {"X": "s3cr3t-webhook-code"}}}
    )
    assert "crm_lead_add" in text and "s3cr3t-webhook-code" not in text


# --------------------------------------------------------------------------------------------- execution


def test_a_read_returns_compact_text_and_the_full_answer_as_artifact():
    rows = [{"ID": str(i), "TITLE": f"Lead {i}", "EMPTY": None, "NOTE": ""} for i in range(1, 51)]
    client = RecordingClient(rows, total=120, next_=50)
    tool = _tools(CoreToolkit(client))["crm_lead_list"]
    msg = tool.invoke(
        {"type": "tool_call", "name": tool.name, "id": "1", "args": {"select": ["ID", "TITLE"]}}
    )
    assert isinstance(msg, ToolMessage)
    head, *lines = msg.content.splitlines()
    assert "50 record(s) of 120" in head and "start=50" in head and "first 20" in head
    assert len(lines) == 20 and lines[0] == '{"ID":"1","TITLE":"Lead 1"}'
    assert len(msg.artifact["result"]) == 50 and msg.artifact["next"] == 50
    assert client.calls == [("crm.lead.list", {"select": ["ID", "TITLE"]})]


def test_without_approvals_a_write_becomes_a_plan_in_the_default_store_and_never_runs(tmp_path):
    from b24_tools import Approvals, B24Settings

    client = RecordingClient(42)
    settings = B24Settings(_env_file=None, sqlite_path=tmp_path / "b24.sqlite")
    tools = _tools(CoreToolkit(client, settings=settings))
    out = tools["crm_lead_add"].invoke({"fields": {"TITLE": "x"}})
    deleted = tools["crm_lead_delete"].invoke({"id": 2})
    assert out.startswith("Pending human review: plan_id=pl_") and "a human must approve" in out
    # the field-code check may read the portal's lead fields; nothing is written
    assert "NOT run" in deleted and _writes(client) == []
    with Approvals.open(settings, client=client) as approvals:  # a reviewer sees both
        pending = {p.method: p for p in approvals.list_pending()}
        assert set(pending) == {"crm.lead.add", "crm.lead.delete"}
        assert pending["crm.lead.delete"].plan_id in deleted
        assert approvals.approve(pending["crm.lead.add"].plan_id, reviewer="rev").status == "executed"
    assert _writes(client) == ["crm.lead.add"]  # executed by the engine, once, after review


def test_confirm_write_opt_in_executes_through_the_engine_and_confirm_destructive_for_deletes(tmp_path):
    from b24_tools import Approvals, B24Settings

    client = RecordingClient(42)
    settings = B24Settings(_env_file=None, sqlite_path=tmp_path / "b24.sqlite")
    tools = _tools(CoreToolkit(client, settings=settings, confirm_write=True))
    assert tools["crm_lead_add"].invoke({"fields": {"TITLE": "x"}}) == "crm.lead.add: 42"
    assert "NOT run" in tools["crm_lead_delete"].invoke({"id": 2})  # a delete needs its own opt-in
    assert _writes(client) == ["crm.lead.add"]
    [added] = [p for m, p in client.calls if m == "crm.lead.add"]
    assert added["fields"]["TITLE"] == "x" and added["fields"]["ORIGIN_ID"]
    everything = _tools(CoreToolkit(client, settings=settings, confirm_destructive=True))
    assert everything["crm_lead_delete"].invoke({"id": 3}) == "crm.lead.delete: 42"
    assert client.calls[-1] == ("crm.lead.delete", {"id": 3})
    with Approvals.open(settings, client=client) as approvals:  # audited, with who confirmed
        events = [(e["event"], e["method"]) for e in approvals.audit.events() if e["event"] == "result"]
        assert events == [("result", "crm.lead.add"), ("result", "crm.lead.delete")]


def test_params_use_the_docs_spelling_of_aliased_fields():
    client = RecordingClient(7)
    tool = _tools(B24Toolkit(client, packs=("services",), confirm_write=True))["calendar_event_add"]
    tool.invoke(
        {"type": "user", "ownerId": 1, "name": "Review", "from": "2026-01-31 10:00", "to": "2026-01-31 11:00"}
    )
    method, params = client.calls[0]
    assert method == "calendar.event.add" and params["from"] == "2026-01-31 10:00" and "from_" not in params


def test_with_approvals_writes_become_plans_and_reads_still_run():
    client, approvals = RecordingClient(5), FakeApprovals()
    tools = _tools(B24Toolkit(client, approvals=approvals))
    text = tools["crm_lead_add"].invoke({"fields": {"TITLE": "x"}})
    assert "Pending human review: plan_id=plan-1" in text and "Do not retry" in text
    assert approvals.submitted == [("crm.lead.add", {"fields": {"TITLE": "x"}}, "agent")]
    assert client.calls == [("crm.lead.fields", {})]  # only the field-code check's read
    client.calls.clear()
    tools["crm_lead_delete"].invoke({"id": 3})
    tools["b24_call_method"].invoke({"method": "crm.deal.delete", "params": {"id": 4}})
    assert [m for m, _, _ in approvals.submitted] == ["crm.lead.add", "crm.lead.delete", "crm.deal.delete"]
    tools["crm_lead_get"].invoke({"id": 1})
    assert client.calls == [("crm.lead.get", {"id": 1})]


def test_with_approvals_a_batch_hiding_a_delete_goes_to_review():
    client, approvals = RecordingClient(), FakeApprovals()
    tool = _tools(B24Toolkit(client, approvals=approvals))["batch"]
    msg = tool.invoke(
        {"type": "tool_call", "name": "batch", "id": "b", "args": {"cmd": {"a": "crm.lead.delete?id=1"}}}
    )
    assert "Pending human review" in msg.content and msg.artifact["risk"] == "destructive"
    assert client.calls == []


def test_policy_refuses_before_any_io():
    client = RecordingClient()
    tools = _tools(B24Toolkit(client, packs=("core",)))
    text = tools["b24_call_method"].invoke(
        {"method": "im.message.add", "params": {"DIALOG_ID": "1", "MESSAGE": "x"}}
    )
    assert "Refused by policy (unlisted)" in text and "comms" in text
    text = tools["batch"].invoke({"cmd": {"a": "user.current", "b": "im.message.add?MESSAGE=x"}})
    assert "Refused by policy (unlisted)" in text
    text = tools["batch"].invoke({"cmd": {"a": "crm.lead.delete;rm?id=1"}})
    assert text.startswith("Invalid input")
    assert client.calls == []


def test_require_plan_keeps_even_confirmed_writes_waiting_for_a_reviewer():
    client = RecordingClient()
    tools = _tools(B24Toolkit(client, require_plan=True, confirm_write=True))
    assert "Pending human review" in tools["crm_lead_add"].invoke({"fields": {"TITLE": "x"}})
    tools["crm_lead_get"].invoke({"id": 1})
    assert _writes(client) == [] and ("crm.lead.get", {"id": 1}) in client.calls


def test_allow_unlisted_never_bypasses_the_risk_gates():
    client = RecordingClient()
    call = _tools(B24Toolkit(client, allow_unlisted=True, confirm_write=True))["b24_call_method"]
    # unknown to the catalog = destructive: confirm_write does not cover it, so it waits for a reviewer
    assert "The destructive call no.such.thing was NOT run" in call.invoke(
        {"method": "no.such.thing", "params": {}}
    )
    unconfirmed = _tools(B24Toolkit(client, allow_unlisted=True))["b24_call_method"]
    assert "The write call im.message.add was NOT run" in unconfirmed.invoke(
        {"method": "im.message.add", "params": {"DIALOG_ID": "1", "MESSAGE": "x"}}
    )
    assert client.calls == []


@pytest.mark.parametrize(
    ("error", "expect"),
    [
        (make_api_error("", "Not found", status=400, method="crm.lead.get"), "Bitrix24 error: Not found"),
        (make_api_error("insufficient_scope", "", status=403), "insufficient_scope"),
        (make_api_error("QUERY_LIMIT_EXCEEDED", "Too many requests", status=503), "slow down"),
        (B24UnknownOutcome("crm.lead.add: connection dropped after sending"), "Do NOT retry"),
    ],
)
def test_bitrix24_errors_come_back_as_text_with_code_and_hint(error, expect):
    tool = _tools(CoreToolkit(RecordingClient(error=error)))["crm_lead_get"]
    msg = tool.invoke({"type": "tool_call", "name": tool.name, "id": "e", "args": {"id": 1}})
    assert msg.status == "error" and expect in msg.content and "Traceback" not in msg.content


def test_bad_arguments_come_back_as_text():
    tool = _tools(CoreToolkit(RecordingClient()))["crm_lead_get"]
    msg = tool.invoke({"type": "tool_call", "name": tool.name, "id": "v", "args": {"id": "not-a-number"}})
    assert "Invalid arguments" in msg.content and "'id'" in msg.content


def test_tool_output_never_shows_registered_secrets():
    register_secret("hunter2-token-value")
    tool = _tools(CoreToolkit(RecordingClient({"NOTE": "token hunter2-token-value"})))["crm_lead_get"]
    assert "hunter2-token-value" not in tool.invoke({"id": 1})


# --------------------------------------------------------------------------------------------- discovery


def test_find_and_describe_methods():
    tools = _tools(B24Toolkit(RecordingClient()))
    found = tools["b24_find_methods"].invoke({"query": "deal product rows"})
    assert "crm.deal.productrows.set [destructive]" in found
    assert "(not enabled" in tools["b24_find_methods"].invoke({"query": "chat message", "pack": "comms"})
    info = tools["b24_describe_method"].invoke({"name": "disk.file.moveTo"})
    assert '"risk": "write"' in info and "targetFolderId" in info and '"enabled": false' in info
    assert "not a documented method" in tools["b24_describe_method"].invoke({"name": "crm.lead.explode"})


def test_call_method_validates_known_methods_after_the_policy_allows_them():
    client = RecordingClient()
    call = _tools(B24Toolkit(client))["b24_call_method"]
    text = call.invoke({"method": "crm.deal.productrows.get", "params": {}})
    assert "required parameter 'id'" in text and client.calls == []
    call.invoke({"method": "CRM.Deal.ProductRows.Get.json", "params": {"ID": 5}})
    assert client.calls == [("crm.deal.productrows.get", {"id": 5})]


# --------------------------------------------------------------------------------------------- sync / async


def test_async_tools_use_the_async_client():
    client = AsyncRecordingClient()
    tool = _tools(CoreToolkit(client))["crm_lead_get"]
    out = asyncio.run(tool.ainvoke({"id": 1}))
    assert out.startswith("crm.lead.get:") and client.calls == [("crm.lead.get", {"id": 1})]


def test_sync_invoke_works_with_only_an_async_client():
    client = AsyncRecordingClient()
    tools = _tools(CoreToolkit(client))
    assert tools["crm_lead_get"].invoke({"id": 1}).startswith("crm.lead.get:")
    assert tools["user_current"].invoke({}).startswith("user.current:")
    assert len(client.calls) == 2


def test_async_invoke_works_with_a_sync_client():
    client = RecordingClient()
    out = asyncio.run(_tools(CoreToolkit(client))["crm_lead_get"].ainvoke({"id": 2}))
    assert out.startswith("crm.lead.get:") and client.calls == [("crm.lead.get", {"id": 2})]


async def test_toolkit_over_the_emulator_with_the_async_client(emulator, b24_aclient):
    tools = _tools(CoreToolkit(b24_aclient, confirm_write=True))
    out = await tools["crm_lead_list"].ainvoke({"select": ["ID"], "filter": {"<=ID": 3}})
    assert out.startswith("crm.lead.list: 3 record(s)")
    new_id = await tools["crm_contact_add"].ainvoke({"fields": {"NAME": "Ann", "ORIGIN_ID": "x-1"}})
    assert new_id.startswith("crm.contact.add: ")


def test_toolkit_over_the_emulator_with_the_sync_client(emulator, b24_client):
    tools = _tools(B24Toolkit(b24_client, packs=("core", "diagnostics"), confirm_write=True))
    assert '"isExisting":true' in tools["method_get"].invoke({"name": "crm.lead.add"})
    before = emulator.count("lead")
    out = tools["batch"].invoke({"cmd": {"me": "user.current", "add": "crm.lead.add?fields[TITLE]=Batch"}})
    assert out.startswith("batch:") and "me:" in out
    assert emulator.count("lead") == before + 1
    deal = tools["crm_deal_list"].invoke({"select": ["ID", "STAGE_ID"], "start": -1})
    assert deal.startswith("crm.deal.list:")


def test_diagnostics_toolkit_needs_no_write_review():
    cfg = interrupt_on_config(DiagnosticsToolkit(None).get_tools())
    assert all(v is False for v in cfg.values())
    assert any(v is not False for v in interrupt_on_config(CommsToolkit(None).get_tools()).values())


def test_method_tool_is_one_class_for_every_method():
    tools = B24Toolkit(None, packs=PACKS, discovery=False).get_tools()
    assert [t.name for t in tools if not isinstance(t, B24MethodTool)] == ["b24_upload_file"]  # hand-written
    tools = [t for t in tools if isinstance(t, B24MethodTool)]
    assert len(tools) == len(get_catalog().curated())
