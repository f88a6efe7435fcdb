"""Fuzz the inbox edit form: whatever a signed-in reviewer (or a forged request) posts to the edit preview and the
confirm step, the inbox answers without a 500, the preview never decides anything, a confirm without the plan's
current hash never writes, and a confirm that does go through hands the API exactly the params that were shown."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.testclient import TestClient

from b24_tools import B24Settings
from b24_tools.inbox import create_app

from .conftest import budget
from .strategies import json_values, nasty_text

TOKEN = "fuzz-reviewer-token-0123456789"
PARAMS = {"fields": {"TITLE": "Old", "OPPORTUNITY": 100, "OPENED": True, "COMMENTS": "line"}}
FIELD_NAMES = [
    "p:" + json.dumps(p) for p in (["fields", "TITLE"], ["fields", "OPPORTUNITY"], ["fields", "OPENED"], ["fields", "COMMENTS"])
]  # fmt: skip
ANSWERS = {200, 303, 400, 403, 404, 409, 422}


@pytest.fixture(scope="module")
def inbox() -> Any:
    from inbox.conftest import csrf_of  # the inbox tests' helpers (tests/inbox)
    from inbox.fake_approvals import FakeApprovals

    approvals = FakeApprovals()
    settings = B24Settings(
        _env_file=None, reviewer_token=SecretStr(TOKEN), session_secret=SecretStr("fuzz-session-secret")
    )
    client = TestClient(
        create_app(approvals, settings=settings, cookie_secure=False),
        follow_redirects=False,
        raise_server_exceptions=False,
    )
    page = client.get("/login")
    r = client.post(
        "/login", data={"csrf": csrf_of(page.text), "name": "fuzzer", "token": TOKEN, "next": "/"}
    )
    assert r.status_code == 303
    token = csrf_of(client.get("/").text)
    return client, approvals, token


form_values = st.dictionaries(
    st.sampled_from(
        [*FIELD_NAMES, "p:[]", 'p:["fields"]', "p:{", "p:" + json.dumps(["x"] * 40), "raw_json", "extra"]
    ),
    st.one_of(nasty_text, json_values(6).map(json.dumps)),
    max_size=6,
)


@budget(1.0)
@given(values=form_values, mode=st.sampled_from(["form", "json", "", "other"]))
def test_the_edit_preview_never_decides_and_never_fails(
    inbox: Any, values: dict[str, str], mode: str
) -> None:
    client, approvals, token = inbox
    plan = approvals.add_plan(params=json.loads(json.dumps(PARAMS)))
    before = len(approvals.calls), len(approvals.executed)
    r = client.post(f"/plans/{plan.plan_id}/edit", data={"csrf": token, "mode": mode, **values})
    assert r.status_code in ANSWERS, r.text[-2000:]
    assert (len(approvals.calls), len(approvals.executed)) == before
    assert plan.status == "pending"


@budget(1.0)
@given(
    params_json=st.one_of(nasty_text, json_values(8).map(json.dumps), st.dictionaries(st.just("fields"), json_values(6)).map(json.dumps)),
    hash_ok=st.booleans(),
    forged_hash=st.text(max_size=20),
    mode=st.sampled_from(["form", "json"]),
)  # fmt: skip
def test_a_confirm_writes_only_with_the_current_hash_and_only_what_was_shown(
    inbox: Any, params_json: str, hash_ok: bool, forged_hash: str, mode: str
) -> None:
    client, approvals, token = inbox
    plan = approvals.add_plan(params=json.loads(json.dumps(PARAMS)))
    base_hash = plan.params_hash if hash_ok else forged_hash
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={"csrf": token, "mode": mode, "params_json": params_json, "base_hash": base_hash},
    )
    assert r.status_code in ANSWERS, r.text[-2000:]
    edits = [c for c in approvals.calls if c[0] == "edit" and c[1]["plan_id"] == plan.plan_id]
    if base_hash != plan.params_hash and not edits:
        assert plan.status == "pending"
    for _, call in edits:
        assert hash_ok, "a confirm without the plan's current hash reached the API"
        assert call["params"] == json.loads(params_json) and isinstance(call["params"], dict)
        assert call["reviewer"] == "fuzzer"
    if plan.status == "executed":
        assert edits and approvals.executed[-1] == (plan.method, json.loads(params_json))


@budget(0.5)
@given(values=form_values)
def test_a_forged_post_without_the_csrf_token_changes_nothing(inbox: Any, values: dict[str, str]) -> None:
    client, approvals, _ = inbox
    plan = approvals.add_plan(params=json.loads(json.dumps(PARAMS)))
    before = len(approvals.calls)
    for path in ("edit", "edit/confirm", "approve", "reject"):
        r = client.post(
            f"/plans/{plan.plan_id}/{path}", data={"mode": "form", "base_hash": plan.params_hash, **values}
        )
        assert r.status_code in ANSWERS
    assert len(approvals.calls) == before and plan.status == "pending"
