from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from b24_tools._redact import register_secret
from b24_tools.inbox import SESSION_COOKIE

from .conftest import PASSWORD, TOKEN, csrf_of, sign_in


def _post(client: TestClient, page_url: str, action: str, data: dict | None = None):
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf": csrf_of(page.text), **(data or {})})


# -- authentication --------------------------------------------------------------------------------------------


def test_pages_redirect_to_sign_in_without_a_session(make_client, approvals):
    plan = approvals.add_plan()
    c = make_client()
    for url in ("/", f"/plans/{plan.plan_id}", f"/plans/{plan.plan_id}/edit"):
        r = c.get(url)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")


def test_decisions_without_a_session_change_nothing(make_client, approvals):
    plan = approvals.add_plan()
    c = make_client()
    r = c.post(f"/plans/{plan.plan_id}/approve", data={"csrf": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert approvals.executed == [] and plan.status == "pending"


def test_wrong_token_is_refused(make_client):
    c = make_client()
    page = c.get("/login")
    r = c.post("/login", data={"csrf": csrf_of(page.text), "name": "alice", "token": "nope"})
    assert r.status_code == 401
    assert "Wrong name, token or password" in r.text
    assert c.get("/").status_code == 303


def test_password_sign_in_works(make_client):
    c = make_client()
    sign_in(c, "bob", token="", password=PASSWORD)
    assert 'data-testid="reviewer">bob<' in c.get("/").text


def test_repeated_failed_sign_ins_are_throttled(make_client):
    c = make_client(login_attempts=3)
    for _ in range(3):
        page = c.get("/login")
        assert (
            c.post("/login", data={"csrf": csrf_of(page.text), "name": "a", "token": "bad"}).status_code
            == 401
        )
    page = c.get("/login")
    r = c.post("/login", data={"csrf": csrf_of(page.text), "name": "a", "token": TOKEN})
    assert r.status_code == 429


def test_sign_in_never_redirects_off_site(make_client):
    c = make_client()
    page = c.get("/login?next=//evil.example/x")
    r = c.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": "a", "token": TOKEN, "next": "https://evil.example"},
    )
    assert r.headers["location"] == "/"


def test_sign_out_ends_the_session(client):
    r = _post(client, "/", "/logout")
    assert r.status_code == 303
    assert client.get("/").status_code == 303


def test_session_cookie_is_http_only_strict_and_secure_by_default(approvals, settings):
    from b24_tools.inbox import create_app

    c = TestClient(
        create_app(approvals, settings=settings), base_url="https://testserver", follow_redirects=False
    )
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE)
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie


def test_session_cookie_is_not_secure_for_loopback_http(make_client):
    r = make_client().get("/login")
    assert "secure" not in r.headers["set-cookie"].lower()


def test_tampered_session_cookie_is_ignored(make_client):
    c = make_client()
    sign_in(c)
    value = c.cookies.get(SESSION_COOKIE)
    c.cookies.clear()
    c.cookies.set(SESSION_COOKIE, value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb"))
    assert c.get("/").status_code == 303


# -- CSRF ------------------------------------------------------------------------------------------------------


def test_approve_without_csrf_token_is_refused(client, approvals):
    plan = approvals.add_plan()
    r = client.post(f"/plans/{plan.plan_id}/approve", data={})
    assert r.status_code == 403
    assert approvals.executed == [] and plan.status == "pending"


def test_approve_with_a_forged_csrf_token_is_refused(client, approvals):
    plan = approvals.add_plan()
    r = client.post(f"/plans/{plan.plan_id}/approve", data={"csrf": "forged-token"})
    assert r.status_code == 403 and plan.status == "pending"


def test_cross_origin_post_is_refused_even_with_the_token(client, approvals):
    plan = approvals.add_plan()
    token = csrf_of(client.get(f"/plans/{plan.plan_id}").text)
    r = client.post(
        f"/plans/{plan.plan_id}/approve", data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403 and plan.status == "pending"


def test_login_form_needs_the_csrf_token(make_client):
    r = make_client().post("/login", data={"name": "alice", "token": TOKEN})
    assert r.status_code == 403


@pytest.mark.parametrize("action", ["reject", "edit", "edit/confirm"])
def test_every_decision_form_checks_csrf(client, approvals, action):
    plan = approvals.add_plan()
    r = client.post(
        f"/plans/{plan.plan_id}/{action}", data={"csrf": "wrong", "reason": "x", "params_json": "{}"}
    )
    assert r.status_code == 403 and plan.status == "pending"


def test_csrf_token_changes_after_sign_in(make_client):
    c = make_client()
    before = csrf_of(c.get("/login").text)
    sign_in(c)
    assert csrf_of(c.get("/").text) != before


# -- inbox -----------------------------------------------------------------------------------------------------


def test_inbox_lists_pending_plans_newest_first_with_counts_by_risk(client, approvals):
    approvals.add_plan(summary="older plan", age=7200)
    approvals.add_plan(summary="newest plan", age=10)
    approvals.add_plan("crm.lead.delete", {"id": 5}, risk="destructive", summary="delete plan", age=60)
    html = client.get("/").text
    assert html.index("newest plan") < html.index("delete plan") < html.index("older plan")
    counts = re.search(r'data-testid="risk-counts">(.*?)</div>', html, re.S).group(1)
    assert re.search(r"<strong>2</strong> write", counts)
    assert re.search(r"<strong>1</strong> destructive", counts)


def test_inbox_filters_by_risk_method_requester_and_age(client, approvals):
    approvals.add_plan(summary="lead by bot-a", requested_by="bot-a", age=10)
    approvals.add_plan(
        "crm.deal.update",
        {"id": 3, "fields": {"TITLE": "x"}},
        summary="deal by bot-b",
        requested_by="bot-b",
        age=2 * 86400,
    )
    approvals.add_plan(
        "crm.lead.delete",
        {"id": 5},
        risk="destructive",
        summary="delete by bot-a",
        requested_by="bot-a",
        age=30,
    )
    body = client.get("/?risk=destructive").text
    assert "delete by bot-a" in body and "lead by bot-a" not in body and "deal by bot-b" not in body
    body = client.get("/?method=deal").text
    assert "deal by bot-b" in body and "lead by bot-a" not in body
    body = client.get("/?requested_by=bot-b").text
    assert "deal by bot-b" in body and "delete by bot-a" not in body
    body = client.get("/?age=gt1d").text
    assert "deal by bot-b" in body and "lead by bot-a" not in body
    body = client.get("/?age=lt1h").text
    assert "deal by bot-b" not in body and "lead by bot-a" in body
    assert (
        "list_pending",
        {"risk": "destructive", "pack": None, "method": None, "requested_by": None},
    ) in approvals.calls


def test_expired_and_unknown_outcome_plans_have_their_own_tabs(client, approvals):
    approvals.add_plan(summary="still pending")
    approvals.add_plan(summary="too late", status="expired")
    approvals.add_plan(summary="lost answer", status="unknown_outcome")
    pending = client.get("/").text
    assert "still pending" in pending and "too late" not in pending and "lost answer" not in pending
    expired = client.get("/?tab=expired").text
    assert "too late" in expired and "still pending" not in expired
    unknown = client.get("/?tab=unknown_outcome").text
    assert "lost answer" in unknown and "too late" not in unknown
    assert "may or may not have reached Bitrix24" in unknown


def test_decided_tab_shows_who_decided(client, approvals):
    plan = approvals.add_plan(summary="done already")
    approvals.approve(plan.plan_id, reviewer="carol")
    body = client.get("/?tab=decided").text
    assert "done already" in body and "by carol" in body


# -- plan page, escaping and secrets -----------------------------------------------------------------------------


XSS = "<script>alert(1)</script>"


def test_entity_data_is_escaped_everywhere(client, approvals):
    plan = approvals.add_plan(
        params={"fields": {"TITLE": XSS, XSS: "x"}}, summary=f"Create lead {XSS}", requested_by="bot"
    )
    for url in ("/", f"/plans/{plan.plan_id}", f"/plans/{plan.plan_id}/edit"):
        body = client.get(url).text
        assert "<script>" not in body, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/plans/{plan.plan_id}").text


def test_plan_page_shows_summary_method_risk_scopes_params_and_audit(client, approvals):
    plan = approvals.add_plan(
        params={"fields": {"TITLE": "Acme deal", "OPPORTUNITY": 5000}}, summary="Lead Acme"
    )
    body = client.get(f"/plans/{plan.plan_id}").text
    for text in (
        "Lead Acme",
        "crm.lead.add",
        "write",
        "crm",
        "fields.TITLE",
        "Acme deal",
        "5000",
        "Audit timeline",
    ):
        assert text in body
    assert re.search(r'data-testid="timeline">.*<strong>plan</strong>', body, re.S)


def test_secrets_are_never_rendered(client, approvals):
    secret = "webhook-code-abcdef123456"
    register_secret(secret)
    plan = approvals.add_plan(
        params={
            "fields": {"TITLE": f"see https://x.bitrix24.com/rest/1/{secret}/"},
            "auth": "token-zyx987654",
        },
        summary=f"uses {secret}",
    )
    approvals.audit.add(plan_id=plan.plan_id, actor="agent", event="note", access_token="tok-should-hide")
    body = (
        client.get(f"/plans/{plan.plan_id}").text
        + client.get("/").text
        + client.get(f"/plans/{plan.plan_id}/edit").text
    )
    for leaked in (secret, "token-zyx987654", "tok-should-hide", TOKEN):
        assert leaked not in body


def test_unknown_plan_is_a_404(client):
    assert client.get("/plans/p-nope").status_code == 404


def test_pages_send_security_headers(client):
    r = client.get("/")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"


def test_bulk_plan_shows_a_sample_counts_and_downloads_the_full_list(client, approvals):
    records = [{"TITLE": f"Lead {i}", "auth": "s3cr3t-value"} for i in range(25)]
    plan = approvals.add_plan("crm.lead.add", {"records": records}, kind="bulk", summary="25 leads")
    body = client.get(f"/plans/{plan.plan_id}").text
    assert "25 records" in body and "Sample (10 of 25)" in body
    assert "Lead 9" in body and "Lead 10" not in body
    data = client.get(f"/plans/{plan.plan_id}/records.json")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    assert [r["TITLE"] for r in data.json()] == [f"Lead {i}" for i in range(25)]
    assert "s3cr3t-value" not in data.text
    text = client.get(f"/plans/{plan.plan_id}/records.csv").text
    assert text.splitlines()[0] == "TITLE,auth" and len(text.strip().splitlines()) == 26
    assert 'href="/plans/' + plan.plan_id + '/edit"' not in body  # bulk jobs are approved or rejected whole


# -- decisions -------------------------------------------------------------------------------------------------


def test_approve_executes_once_and_shows_the_result(client, approvals):
    plan = approvals.add_plan()
    r = _post(client, f"/plans/{plan.plan_id}", f"/plans/{plan.plan_id}/approve")
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Approved: executed." in page
    assert "Execution result" in page and "&#34;ID&#34;: 1" in page
    assert approvals.executed == [("crm.lead.add", plan.params)]
    assert ("approve", {"plan_id": plan.plan_id, "reviewer": "alice"}) in approvals.calls
    assert any(e.get("actor") == "alice" and e.get("decision") == "approve" for e in approvals.audit.rows)


def test_reject_needs_a_reason_and_records_it(client, approvals):
    plan = approvals.add_plan()
    r = _post(client, f"/plans/{plan.plan_id}", f"/plans/{plan.plan_id}/reject", {"reason": "  "})
    assert plan.status == "pending"
    assert "Give a reason" in client.get(r.headers["location"].split("#")[0]).text
    _post(client, f"/plans/{plan.plan_id}", f"/plans/{plan.plan_id}/reject", {"reason": "wrong customer"})
    assert plan.status == "rejected" and approvals.executed == []
    assert (
        "reject",
        {"plan_id": plan.plan_id, "reason": "wrong customer", "reviewer": "alice"},
    ) in approvals.calls


def test_two_reviewers_one_wins_the_other_sees_who_decided(make_client, approvals):
    plan = approvals.add_plan()
    alice, bob = sign_in(make_client(), "alice"), sign_in(make_client(), "bob")
    alice_token = csrf_of(alice.get(f"/plans/{plan.plan_id}").text)
    bob_token = csrf_of(bob.get(f"/plans/{plan.plan_id}").text)
    alice.post(f"/plans/{plan.plan_id}/approve", data={"csrf": alice_token})
    r = bob.post(f"/plans/{plan.plan_id}/reject", data={"csrf": bob_token, "reason": "no"})
    page = bob.get(r.headers["location"]).text
    assert "already decided by alice" in page
    assert 'data-testid="decided-by">alice (approve)' in page
    assert len(approvals.executed) == 1 and plan.status == "executed"


# -- edit ------------------------------------------------------------------------------------------------------


def _edit_form(client, plan_id):
    page = client.get(f"/plans/{plan_id}/edit")
    assert page.status_code == 200
    return page.text, csrf_of(page.text)


def _field(*path):
    return "p:" + json.dumps(list(path))


def test_edit_form_is_generated_from_the_params(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "Old", "OPPORTUNITY": 100, "OPENED": True}})
    html, _ = _edit_form(client, plan.plan_id)
    assert 'name="p:[&#34;fields&#34;, &#34;TITLE&#34;]" value="Old"' in html
    assert "<select" in html  # the boolean becomes a choice


def test_edit_shows_a_diff_then_applies_it_through_the_api(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "Old title", "OPPORTUNITY": 100}})
    html, token = _edit_form(client, plan.plan_id)
    r = client.post(
        f"/plans/{plan.plan_id}/edit",
        data={
            "csrf": token,
            "mode": "form",
            _field("fields", "TITLE"): "New title",
            _field("fields", "OPPORTUNITY"): "100",
        },
    )
    assert r.status_code == 200
    diff = re.search(r'data-testid="diff">(.*?)</table>', r.text, re.S).group(1)
    assert (
        "fields.TITLE" in diff and "Old title" in diff and "New title" in diff and "OPPORTUNITY" not in diff
    )
    assert approvals.executed == []  # nothing runs before the confirm step
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={
            "csrf": csrf_of(r.text),
            "mode": "form",
            "params_json": re.search(r'name="params_json" value="([^"]*)"', r.text)
            .group(1)
            .replace("&#34;", '"'),
            "base_hash": plan.params_hash,
        },
    )
    assert r.status_code == 303
    assert approvals.executed == [("crm.lead.add", {"fields": {"TITLE": "New title", "OPPORTUNITY": 100}})]
    assert "Edited and approved: executed." in client.get(r.headers["location"]).text
    assert approvals.calls[-1][1]["reviewer"] == "alice"


def test_edit_type_errors_are_shown_inline_before_any_call(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "T", "OPPORTUNITY": 100}})
    _, token = _edit_form(client, plan.plan_id)
    r = client.post(
        f"/plans/{plan.plan_id}/edit",
        data={
            "csrf": token,
            "mode": "form",
            _field("fields", "TITLE"): "T",
            _field("fields", "OPPORTUNITY"): "lots",
        },
    )
    assert r.status_code == 422
    assert "fields.OPPORTUNITY must be a whole number" in r.text
    assert 'value="lots"' in r.text  # the reviewer's input is kept
    assert not [c for c in approvals.calls if c[0] == "edit"]


def test_api_validation_errors_are_rendered_inline_on_confirm(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "T"}})
    _, token = _edit_form(client, plan.plan_id)
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={
            "csrf": token,
            "mode": "form",
            "params_json": json.dumps({"fields": {"TITLE": ""}}),
            "base_hash": plan.params_hash,
        },
    )
    assert r.status_code == 422
    assert re.search(r'data-testid="errors">.*fields.TITLE is required', r.text, re.S)
    assert plan.status == "pending" and approvals.executed == []


def test_api_policy_errors_are_rendered_inline_with_the_rule(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "T"}})
    _, token = _edit_form(client, plan.plan_id)
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={
            "csrf": token,
            "mode": "json",
            "params_json": json.dumps({"fields": {"TITLE": "T", "ASSIGNED_BY_ID": 666}}),
            "base_hash": plan.params_hash,
        },
    )
    assert r.status_code == 422
    assert "assigning to user 666 is not allowed" in r.text and "policy rule: test-rule" in r.text
    assert approvals.executed == []


def test_json_mode_rejects_malformed_json(client, approvals):
    plan = approvals.add_plan()
    _, token = _edit_form(client, plan.plan_id)
    r = client.post(f"/plans/{plan.plan_id}/edit", data={"csrf": token, "mode": "json", "raw_json": "{nope"})
    assert r.status_code == 422 and "not a valid JSON object" in r.text
    assert "{nope" in r.text


def test_a_stale_preview_is_not_applied(client, approvals):
    plan = approvals.add_plan(params={"fields": {"TITLE": "T"}})
    _, token = _edit_form(client, plan.plan_id)
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={
            "csrf": token,
            "mode": "form",
            "params_json": json.dumps({"fields": {"TITLE": "U"}}),
            "base_hash": "old-hash",
        },
    )
    assert r.status_code == 409 and "changed since your preview" in r.text
    assert approvals.executed == []


def test_decided_plans_cannot_be_edited(client, approvals):
    plan = approvals.add_plan()
    approvals.approve(plan.plan_id, reviewer="carol")
    r = client.get(f"/plans/{plan.plan_id}/edit")
    assert r.status_code == 303
    page = client.get(f"/plans/{plan.plan_id}").text
    assert 'data-testid="approve"' not in page


def test_healthz_needs_no_session(make_client):
    assert make_client().get("/healthz").text == "ok"


def test_cross_site_fetch_metadata_is_refused_even_with_the_token(client, approvals):
    plan = approvals.add_plan()
    token = csrf_of(client.get(f"/plans/{plan.plan_id}").text)
    r = client.post(
        f"/plans/{plan.plan_id}/approve", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert r.status_code == 403 and plan.status == "pending"


def test_a_plan_being_executed_says_so_and_reloads_until_the_result_arrives(client, approvals):
    plan = approvals.add_plan(status="executing")
    plan.decided_by = "carol"
    page = client.get(f"/plans/{plan.plan_id}").text
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Approved by carol" in page and 'data-testid="approve"' not in page
    plan.status = "executed"
    assert "http-equiv" not in client.get(f"/plans/{plan.plan_id}").text
