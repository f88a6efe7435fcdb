"""The application lifecycle end to end, offline: three emulated portals install the application through the
emulator's install flow, an agent and the approval engine work on each, one portal uninstalls and its calls are
refused with a clear error while the others carry on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from b24_tools import Approvals, B24ApprovalMiddleware, B24PortalNotInstalled, CoreToolkit, Policy

from .conftest import World


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> ScriptedModel:
        return self


def _add_lead(title: str, call_id: str) -> AIMessage:
    return AIMessage(
        "",
        tool_calls=[
            {"name": "crm_lead_add", "args": {"fields": {"TITLE": title}}, "id": call_id, "type": "tool_call"}
        ],  # fmt: skip
    )


def test_three_portals_install_through_the_emulator_flow(world: World) -> None:
    answers = world.farm.install_all()
    for n, answer in enumerate(answers, start=1):
        assert answer["install"].status_code == 200, answer["install"].text
        assert answer["install"].json()["member_id"] == world.member(n)
        assert answer["event"].status_code == 200  # ONAPPINSTALL stored the application_token
    listed = {r.member_id: r for r in world.portals.list()}
    assert set(listed) == {world.member(n) for n in (1, 2, 3)}
    for n in (1, 2, 3):
        record = listed[world.member(n)]
        assert record.domain == world.farm[n].config.portal_domain and record.installed
        token = world.portals.store.application_token(record.member_id)
        assert token == world.farm[n].oauth.application_token(world.farm.client_id)
        # by member_id or by domain, each name reaches its own portal
        assert world.portals.client(record.domain) is world.portals.client(record.member_id)
    kinds = [row["kind"] for row in world.audit]
    assert kinds.count("portal_installed") == 3 and kinds.count("application_token_stored") == 3


def test_tokens_are_sealed_at_rest_and_never_in_audit(world: World) -> None:
    world.farm.install_all()
    secrets = []
    for n in (1, 2, 3):
        for _, rec in world.farm[n].store.select("oauth_token"):
            secrets += [rec["access_token"], rec["refresh_token"]]
        secrets.append(world.farm[n].oauth.application_token(world.farm.client_id))
    on_disk = repr(world.portals.store.raw_rows())
    audit = repr(world.audit)
    assert secrets and not [s for s in secrets if s in on_disk or s in audit]
    assert on_disk.count("v1:") >= 9  # access, refresh and application token of each portal, sealed


def test_an_agent_and_approvals_work_on_each_portal(world: World, tmp_path: Path) -> None:
    world.farm.install_all()
    for n in (1, 2, 3):
        client = world.portals.client(world.member(n))
        before = [world.farm[k].count("lead") for k in (1, 2, 3)]
        with Approvals.open(client=client, policy=Policy(packs=["core"]),
                            sqlite_path=tmp_path / f"approvals-{n}.sqlite") as approvals:  # fmt: skip
            tools = CoreToolkit(client).get_tools()
            agent = create_agent(
                ScriptedModel(messages=iter([_add_lead(f"agent lead {n}", f"w{n}"), AIMessage("Done.")])),
                tools=tools,
                middleware=[B24ApprovalMiddleware(approvals)],
                checkpointer=InMemorySaver(),
            )
            cfg = {"configurable": {"thread_id": f"agent-{n}"}}
            out = agent.invoke({"messages": [{"role": "user", "content": "add a lead"}]}, cfg, version="v2")
            assert out.interrupts, "the write waits for a human"
            agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), cfg, version="v2")

            submitted = approvals.submit("crm.lead.add", {"fields": {"TITLE": f"approved lead {n}"}})
            assert submitted.status == "pending"
            done = approvals.approve(submitted.plan_id, reviewer="alice")
            assert done.status == "executed" and approvals.show(submitted.plan_id).plan.status == "executed"
        after = [world.farm[k].count("lead") for k in (1, 2, 3)]
        assert after[n - 1] == before[n - 1] + 2
        assert [a for i, a in enumerate(after) if i != n - 1] == [
            b for i, b in enumerate(before) if i != n - 1
        ]
        titles = {r["TITLE"] for r in world.farm[n].records("lead")}
        assert {f"agent lead {n}", f"approved lead {n}"} <= titles


def test_an_uninstalled_portal_is_refused_with_a_clear_error(world: World) -> None:
    world.farm.install_all()
    kept, gone = world.portals.client(world.member(1)), world.portals.client(world.member(2))
    assert gone.call("user.current").result["ID"]
    answer = world.farm.uninstall(2)
    assert answer is not None and answer.json() == {"status": "uninstalled", "member_id": world.member(2)}

    record = world.portals.store.get(world.member(2))
    assert record is not None and record.status == "uninstalled" and record.uninstalled_at
    assert world.portals.store.load_tokens(world.member(2)) is None  # every token erased
    requests_before = world.farm[2].stats.requests
    with pytest.raises(B24PortalNotInstalled) as caught:
        gone.call("user.current")  # the client made before the uninstall
    assert caught.value.status == "uninstalled" and world.member(2) in str(caught.value)
    assert "install the application again" in str(caught.value)
    with pytest.raises(B24PortalNotInstalled):
        world.portals.client(world.member(2))
    assert world.farm[2].stats.requests <= requests_before + 1  # nothing more reached the portal
    assert kept.call("user.current").result["ID"]  # the others carry on
    assert world.portals.client(world.member(3)).call("user.current").result["ID"]
    assert [r.member_id for r in world.portals.list()] == sorted(
        [world.member(1), world.member(3)], key=lambda m: world.portals.store.get(m).domain
    )


def test_a_portal_that_installs_again_gets_fresh_tokens(world: World) -> None:
    world.farm.install_all()
    world.farm.uninstall(3)
    world.farm.install(3)
    assert world.portals.client(world.member(3)).call("user.current").result["ID"]


def test_the_install_event_with_tokens_installs_too(world: World) -> None:
    answer = world.farm.install(1, via="event")
    assert answer["install"].status_code == 200
    assert world.portals.store.application_token(world.member(1)) == world.farm[1].oauth.application_token(
        world.farm.client_id
    )
    assert world.portals.client(world.member(1)).call("user.current").result["ID"]
