"""One write path: every entry point reaches a write method of the client only through the approval engine.

A recording client wraps the emulator's. Each call it receives is assessed by the policy (by its arguments: a batch is
as risky as its riskiest command) and, when it writes or deletes, the call stack is checked for the engine's
execution module (ledger claim → call → completion). The walk covers every tool of every pack (default toolkit and
the documented opt-in), the discovery tool, the agent middleware, the CLI (`call`, `bulk`, `review approve`), the
offline-event worker with its shipped handler, and bulk jobs.

The offline worker's own queue protocol (`event.offline.get` with clear=0, `event.offline.clear`,
`event.offline.error`) acknowledges events rather than changing portal data; it is listed in `QUEUE_PROTOCOL`.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from b24_tools import Approvals, B24Settings, B24Toolkit, Policy, open_agent, resume_decided
from b24_tools.catalog import PACKS
from b24_tools.cli.demo import ScriptedChatModel
from b24_tools.emulator import Emulator

ENGINE = str(Path("approval") / "_execute.py")
QUEUE_PROTOCOL = {"event.offline.get", "event.offline.clear", "event.offline.error"}
_POLICY = Policy(packs=PACKS, allow_unlisted=True)
UPDATE = '{"id": 5, "fields": {"TITLE": "later"}}'


class RecordingClient:
    """The emulator's client, recording every write with whether the engine's execution made it."""

    def __init__(self, inner: Any, offline: list[Any] | None = None) -> None:
        self.inner = inner
        self.offline = list(offline or [])
        self.inside: list[str] = []
        self.outside: list[str] = []

    def _record(self, method: str, params: Any) -> None:
        risk = _POLICY.assess(method, params if isinstance(params, dict) else {}).risk
        if risk == "read":
            return
        via_engine = any(frame.filename.endswith(ENGINE) for frame in inspect.stack(0))
        (self.inside if via_engine else self.outside).append(method)

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        self._record(method, dict(params or {}))
        if method == "event.offline.get":
            from b24_tools.client._response import B24Response

            batch = self.offline.pop(0) if self.offline else {"process_id": None, "events": []}
            return B24Response(result=batch)
        if method in ("event.offline.clear", "event.offline.error"):
            from b24_tools.client._response import B24Response

            return B24Response(result=True)
        return self.inner.call(method, params, **kw)

    def batch(self, commands: dict[str, Any], **kw: Any) -> Any:
        for value in commands.values():
            method, params = value if isinstance(value, tuple | list) else (value, {})
            self._record(str(method).partition("?")[0], params)
        return self.inner.batch(commands, **kw)

    def call_many(self, method: str, params_list: list[dict[str, Any]], **kw: Any) -> Any:
        for params in params_list:
            self._record(method, params)
        return self.inner.call_many(method, params_list, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> RecordingClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


@pytest.fixture
def emu() -> Emulator:
    emu = Emulator()
    emu.seed(leads=10, deals=5, contacts=5, companies=2, tasks=3)
    return emu


@pytest.fixture
def settings(tmp_path: Path) -> B24Settings:
    return B24Settings(
        _env_file=None, sqlite_path=tmp_path / "b24.sqlite", runtime_dir=tmp_path, rate_limiter="off"
    )


def _invoke_every_tool(tools: list[Any]) -> None:
    for tool in tools:
        example = dict(getattr(getattr(tool, "spec", None), "example", None) or {})
        tool.invoke({"type": "tool_call", "name": tool.name, "id": "x", "args": example})


def test_every_tool_of_every_pack_writes_only_through_the_engine(emu, settings) -> None:
    client = RecordingClient(emu.client())
    default = B24Toolkit(client, packs=PACKS, settings=settings).get_tools()
    _invoke_every_tool(default)
    assert client.outside == [] and client.inside == []  # the default toolkit never writes at all
    with Approvals.open(settings, client=client, policy=Policy(packs=PACKS)) as approvals:
        planned = len(approvals.list_pending())
    assert planned > 50  # every write/delete example became a pending plan instead

    fresh = settings.model_copy(update={"sqlite_path": settings.runtime_dir / "opted.sqlite"})
    opted = B24Toolkit(
        client, packs=PACKS, settings=fresh, confirm_write=True, confirm_destructive=True
    ).get_tools()
    _invoke_every_tool(opted)
    call = next(t for t in opted if t.name == "b24_call_method")
    call.invoke({"method": "crm.lead.update", "params": {"id": 1, "fields": {"TITLE": "via generic"}}})
    assert client.outside == []
    assert len(client.inside) > 20 and "crm.lead.update" in client.inside


def test_the_agent_middleware_writes_only_through_the_engine(emu, settings) -> None:
    client = RecordingClient(emu.client())
    model = ScriptedChatModel(
        tool_calls=[
            {"name": "crm_lead_add", "args": {"fields": {"TITLE": "walk"}}, "id": "w1"},
            {"name": "batch", "args": {"cmd": {"d": "crm.lead.delete?id=2"}}, "id": "w2"},
            {"name": "crm_lead_list", "args": {"select": ["ID"]}, "id": "r1"},
        ]
    )
    with open_agent(settings, model=model, client=client) as agent:
        cfg = {"configurable": {"thread_id": "walk"}}
        out = agent.invoke({"messages": [{"role": "user", "content": "go"}]}, cfg, version="v2")
        assert len(out.interrupts) == 2 and client.inside == client.outside == []
        with Approvals.open(settings, client=client, policy=Policy()) as approvals:
            for plan in approvals.list_pending():
                approvals.approve(plan.plan_id, reviewer="walker")
        resume_decided(agent, "walk", settings=settings)
    assert client.outside == [] and sorted(client.inside) == ["crm.lead.add", "crm.lead.delete"]


def test_the_cli_writes_only_through_the_engine(b24, tmp_path, monkeypatch) -> None:
    from b24_tools.cli import _common

    client = RecordingClient(b24.emu.client())
    monkeypatch.setattr(_common, "client_factory", lambda settings, use_emulator: client)
    assert (
        b24("call", "crm.lead.add", "--params", '{"fields": {"TITLE": "cli"}}', "--confirm-write").code == 0
    )
    assert b24("call", "crm.lead.delete", "--params", '{"id": 3}', "--confirm-destructive").code == 0
    batch = json.dumps({"cmd": {"u": "crm.lead.update?id=4&fields[TITLE]=b"}})
    assert b24("call", "batch", "--params", batch, "--confirm-write").code == 0
    records = tmp_path / "leads.jsonl"
    records.write_text("\n".join(json.dumps({"TITLE": f"bulk {i}"}) for i in range(3)))
    assert b24("bulk", "add", "lead", "--from", str(records), "--confirm-write", "--json").code == 0
    pending = b24("call", "crm.lead.update", "--params", UPDATE, "--plan-only", "--json")
    plan_id = pending.json["plan_id"]
    assert b24("review", "approve", plan_id, "--json").code == 0
    assert client.outside == []
    assert sorted(set(client.inside)) == ["crm.lead.add", "crm.lead.delete", "crm.lead.update"]


def test_event_handlers_and_bulk_jobs_write_only_through_the_engine(emu, settings) -> None:
    from b24_tools.events import EventQueue, HandlerContext, OfflineWorker
    from b24_tools.events._handlers import register_default_handlers
    from b24_tools.events._registry import HandlerRegistry

    item = {
        "ID": "1",
        "TIMESTAMP_X": "2026-11-25T10:00:00+00:00",
        "EVENT_NAME": "ONCRMLEADADD",
        "EVENT_DATA": {"FIELDS": {"ID": "1"}},
        "EVENT_ADDITIONAL": False,
        "MESSAGE_ID": "m1",
    }
    client = RecordingClient(emu.client(), offline=[{"process_id": "p1", "events": [item]}])
    with Approvals.open(settings, client=client, policy=Policy()) as approvals:
        worker = OfflineWorker(
            client,
            queue=EventQueue(),
            registry=register_default_handlers(HandlerRegistry()),
            context=HandlerContext(client=client, approvals=approvals),
        )
        worker.run_once()
        [plan] = approvals.list_pending(method="tasks.task.add")
        assert client.inside == [] and set(client.outside) <= QUEUE_PROTOCOL
        approvals.approve(plan.plan_id, reviewer="walker")
        bulk = approvals.submit_bulk(
            "crm.lead.add", [{"fields": {"TITLE": f"b{i}"}} for i in range(4)], confirm_write=True
        )
        assert bulk.status == "executed"
    assert [m for m in client.outside if m not in QUEUE_PROTOCOL] == []
    assert client.inside.count("tasks.task.add") == 1 and client.inside.count("crm.lead.add") == 4
