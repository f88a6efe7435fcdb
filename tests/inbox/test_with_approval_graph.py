"""The inbox over the real approval graph and the emulator: decisions resume the graph and write exactly once."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from b24_tools.inbox import create_app

from .conftest import TOKEN, csrf_of, sign_in
from .graph_support import graph_settings, open_approvals, with_reviewer_auth


@pytest.fixture
def graph(emulator, tmp_path):
    settings = with_reviewer_auth(graph_settings(tmp_path), TOKEN)
    with open_approvals(emulator, settings) as approvals:
        yield approvals, settings


def _client(approvals, settings) -> TestClient:
    return sign_in(
        TestClient(create_app(approvals, settings=settings, cookie_secure=False), follow_redirects=False)
    )


def _field(*path):
    return "p:" + json.dumps(list(path))


def test_edit_through_the_form_resumes_the_graph_and_writes_once(graph, emulator):
    approvals, settings = graph
    leads_before = emulator.count("lead")
    plan = approvals.submit("crm.lead.add", {"fields": {"TITLE": "Acme draft", "OPPORTUNITY": 100}}).plan_id
    c = _client(approvals, settings)
    page = c.get(f"/plans/{plan}/edit")
    assert "Lead Title" in page.text  # the portal's own field title (crm.lead.fields)
    form = dict(re.findall(r'name="(p:[^"]+)" value="([^"]*)"', page.text))
    form = {k.replace("&#34;", '"'): v for k, v in form.items()}
    form[_field("fields", "TITLE")] = "Acme Corp"
    r = c.post(f"/plans/{plan}/edit", data={"csrf": csrf_of(page.text), "mode": "form", **form})
    assert r.status_code == 200, r.text
    diff = re.search(r'data-testid="diff">(.*?)</table>', r.text, re.S).group(1)
    assert "Acme draft" in diff and "Acme Corp" in diff and "ORIGIN_ID" not in diff
    confirm = {
        "csrf": csrf_of(r.text),
        "mode": "form",
        "params_json": re.search(r'name="params_json" value="([^"]*)"', r.text)
        .group(1)
        .replace("&#34;", '"'),
        "base_hash": re.search(r'name="base_hash" value="([^"]*)"', r.text).group(1),
    }
    r = c.post(f"/plans/{plan}/edit/confirm", data=confirm)
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"]).text
    assert "Edited and approved: executed." in page
    assert emulator.count("lead") == leads_before + 1
    assert [x["TITLE"] for x in emulator.records("lead")].count("Acme Corp") == 1
    assert approvals.get_plan(plan).decided_by == "alice"
    assert any(
        e.get("actor") == "alice" and e.get("event") == "decision"
        for e in approvals.audit.events(plan_id=plan)
    )
    # the same confirm form sent again (back button, double click) changes nothing
    r = c.post(f"/plans/{plan}/edit/confirm", data=confirm)
    assert "already decided by alice" in c.get(r.headers["location"]).text
    assert emulator.count("lead") == leads_before + 1


def test_the_api_validation_is_shown_inline_before_confirming(graph):
    approvals, settings = graph
    plan = approvals.submit("crm.lead.add", {"fields": {"TITLE": "x"}}).plan_id
    c = _client(approvals, settings)
    page = c.get(f"/plans/{plan}/edit?mode=json")
    r = c.post(
        f"/plans/{plan}/edit",
        data={"csrf": csrf_of(page.text), "mode": "json", "raw_json": json.dumps({"filds": {"TITLE": "y"}})},
    )
    assert r.status_code == 422
    assert "required parameter" in r.text and "fields" in r.text
    assert approvals.get_plan(plan).status == "pending"


def test_two_reviewers_on_the_real_graph_one_wins(graph, emulator):
    approvals, settings = graph
    deals_before = emulator.count("deal")
    plan = approvals.submit("crm.deal.add", {"fields": {"TITLE": "Race"}}).plan_id
    alice, bob = (
        _client(approvals, settings),
        sign_in(
            TestClient(create_app(approvals, settings=settings, cookie_secure=False), follow_redirects=False),
            "bob",
        ),
    )
    a_token = csrf_of(alice.get(f"/plans/{plan}").text)
    b_token = csrf_of(bob.get(f"/plans/{plan}").text)
    assert alice.post(f"/plans/{plan}/approve", data={"csrf": a_token}).status_code == 303
    r = bob.post(f"/plans/{plan}/approve", data={"csrf": b_token})
    page = bob.get(r.headers["location"]).text
    assert "already decided by alice" in page
    assert emulator.count("deal") == deals_before + 1


def test_bulk_plan_sample_counts_and_full_download_from_the_graph(graph):
    approvals, settings = graph
    records = [{"fields": {"TITLE": f"Imported {i}"}} for i in range(60)]
    plan = approvals.submit_bulk("crm.lead.add", records).plan_id
    c = _client(approvals, settings)
    page = c.get(f"/plans/{plan}").text
    assert "60 records" in page and "chunks" in page
    full = c.get(f"/plans/{plan}/records.json").json()
    assert [r["fields"]["TITLE"] for r in full] == [f"Imported {i}" for i in range(60)]


def test_rejecting_on_the_real_graph_never_writes(graph, emulator):
    approvals, settings = graph
    before = emulator.count("lead")
    plan = approvals.submit("crm.lead.add", {"fields": {"TITLE": "no thanks"}}).plan_id
    c = _client(approvals, settings)
    token = csrf_of(c.get(f"/plans/{plan}").text)
    r = c.post(f"/plans/{plan}/reject", data={"csrf": token, "reason": "duplicate"})
    page = c.get(r.headers["location"]).text
    assert "Rejected: rejected." in page and "duplicate" in page
    assert emulator.count("lead") == before
    assert approvals.get_plan(plan).status == "rejected"


def test_unknown_outcome_plans_show_evidence_and_can_be_settled(graph, emulator):
    approvals, settings = graph
    plan = approvals.submit("crm.deal.update", {"id": 2, "fields": {"TITLE": "Lost answer"}}).plan_id
    emulator.faults.add(method="crm.deal.update", kind="drop_after_commit")
    assert approvals.approve(plan, reviewer="carol").status == "unknown_outcome"
    c = _client(approvals, settings)
    tab = c.get("/?tab=unknown_outcome").text
    assert f"/plans/{plan}" in tab and f"/plans/{plan}" not in c.get("/").text
    page = c.get(f"/plans/{plan}").text
    assert "Evidence" in page and "no origin marker" in page and 'data-testid="approve"' not in page
    r = c.post(f"/plans/{plan}/resolve", data={"csrf": csrf_of(page), "happened": "yes"})
    assert "Resolved: executed." in c.get(r.headers["location"]).text
    plan_now = approvals.get_plan(plan)
    assert plan_now.status == "executed" and plan_now.decided_by == "alice"


def test_expired_plans_are_listed_apart_and_cannot_be_approved(graph, emulator):
    approvals, settings = graph
    before = emulator.count("lead")
    plan = approvals.submit("crm.lead.add", {"fields": {"TITLE": "too late"}}, ttl_sec=0.001).plan_id
    c = _client(approvals, settings)
    assert f"/plans/{plan}" in c.get("/?tab=expired").text
    assert f"/plans/{plan}" not in c.get("/").text
    page = c.get(f"/plans/{plan}").text
    assert "expired" in page and 'data-testid="approve"' not in page
    r = c.post(f"/plans/{plan}/approve", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    assert emulator.count("lead") == before


def test_the_inbox_stays_usable_while_a_decision_executes(emulator, tmp_path):
    import threading

    started, release = threading.Event(), threading.Event()
    stuck: list[str] = []

    def hold_after_claim(stage: str, plan_id: str) -> None:
        if stage == "claimed":
            started.set()
            if not release.wait(60):  # the inbox waited for the execution: that is the bug this test catches
                stuck.append(plan_id)

    settings = with_reviewer_auth(graph_settings(tmp_path), TOKEN)
    with open_approvals(emulator, settings, on_stage=hold_after_claim) as approvals:
        slow = approvals.submit("crm.lead.add", {"fields": {"TITLE": "slow one"}}).plan_id
        other = approvals.submit("crm.deal.add", {"fields": {"TITLE": "waiting"}}).plan_id
        app = create_app(approvals, settings=settings, cookie_secure=False)
        alice = sign_in(TestClient(app, follow_redirects=False), "alice")
        bob = sign_in(TestClient(app, follow_redirects=False), "bob")
        token = csrf_of(alice.get(f"/plans/{slow}").text)
        worker = threading.Thread(
            target=alice.post, args=(f"/plans/{slow}/approve",), kwargs={"data": {"csrf": token}}
        )
        worker.start()
        try:
            assert started.wait(60), "the approval never reached execution"
            listing = bob.get("/")  # served while alice's approval is mid-execution
            assert listing.status_code == 200 and f"/plans/{other}" in listing.text
            assert bob.get(f"/plans/{other}").status_code == 200
        finally:
            release.set()
            worker.join(60)
        assert stuck == []
        assert approvals.get_plan(slow).status == "executed"
        assert [r["TITLE"] for r in emulator.records("lead")].count("slow one") == 1


def test_plans_from_another_agent_process_show_up_and_are_decided_once(emulator, tmp_path):
    """The agent and the inbox each open the store (as two processes would); the inbox sees and decides the plan."""
    settings = with_reviewer_auth(graph_settings(tmp_path), TOKEN)
    with open_approvals(emulator, settings) as agent_side:
        plan = agent_side.submit(
            "crm.lead.add", {"fields": {"TITLE": "from the agent"}}, requested_by="bot-7"
        ).plan_id
    before = emulator.count("lead")
    with open_approvals(emulator, settings) as inbox_side:
        c = _client(inbox_side, settings)
        listing = c.get("/?requested_by=bot-7").text
        assert f"/plans/{plan}" in listing
        token = csrf_of(c.get(f"/plans/{plan}").text)
        c.post(f"/plans/{plan}/approve", data={"csrf": token})
    assert emulator.count("lead") == before + 1
    with open_approvals(emulator, settings) as later:
        assert later.get_plan(plan).status == "executed" and later.get_plan(plan).decided_by == "alice"
