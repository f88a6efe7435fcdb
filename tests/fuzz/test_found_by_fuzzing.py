"""Inputs the fuzz targets found, kept as plain regression tests (each crashed a parser before the fix)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from b24_tools import B24ValidationError
from b24_tools.cli._common import CliFail, parse_json_option
from b24_tools.client._phpquery import MAX_NESTING, decode
from b24_tools.events._receiver import BodyError, parse_body
from b24_tools.policy import parse_batch_commands

DEEP_JSON = "[" * 2000 + "]" * 2000


def test_cli_params_nested_past_the_parser_is_a_usage_error() -> None:
    with pytest.raises(CliFail) as exc:
        parse_json_option(DEEP_JSON)
    assert exc.value.code == 2 and "nested too deeply" in exc.value.message


def test_cli_params_nested_deeper_than_parameters_go_is_a_usage_error() -> None:
    """Found by fuzzing `b24 call crm.lead.list --params` with 254 levels: the read ran, then its audit line
    failed to serialize (exit 1, "Internal error"). Now refused before any call, exit 2."""
    with pytest.raises(CliFail) as exc:
        parse_json_option('{"a":' * 254 + "1" + "}" * 254)
    assert exc.value.code == 2 and "nests deeper than 32 levels" in exc.value.message
    assert parse_json_option('{"a":' * 31 + "1" + "}" * 31)


def test_a_query_nested_thousands_deep_is_dropped_as_php_drops_it() -> None:
    assert decode("a" + "[x]" * 5000 + "=1&b=2") == {"b": "2"}
    assert decode("a" + "[x]" * (MAX_NESTING - 1) + "=1")["a"]  # within PHP's limit: kept


def test_a_batch_cmd_nested_thousands_deep_is_refused_not_a_crash() -> None:
    with pytest.raises(B24ValidationError):
        parse_batch_commands({"cmd": "a" + "[x]" * 3000 + "=1"})


def test_append_indexes_follow_explicit_ones_and_odd_digits_do_not_crash() -> None:
    assert decode("a[5]=x&a[]=y") == {"a": {"5": "x", "6": "y"}}
    assert decode("a[]=x&a[]=y") == {"a": ["x", "y"]}
    assert decode("a[²]=x&a[]=y") == {"a": {"²": "x", "0": "y"}}
    assert decode("a[01]=x&a[]=y") == {"a": {"01": "x", "0": "y"}}


def test_a_form_body_of_positional_fields_is_refused_by_the_receiver() -> None:
    with pytest.raises(BodyError, match="named fields"):
        parse_body(b"0", "application/x-www-form-urlencoded")


def test_the_emulator_answers_a_body_nested_past_the_parser_without_a_500(emulator) -> None:
    with emulator.http() as http:
        r = http.post(
            emulator.webhook_url + "crm.lead.add.json",
            content='{"fields":' * 2000 + "1" + "}" * 2000,
            headers={"content-type": "application/json"},
        )
    assert r.status_code != 500, r.text  # the body is unreadable: treated as no params, as before


def test_the_inbox_edit_confirm_refuses_params_nested_past_the_parser(make_inbox) -> None:
    client, approvals, token, plan = make_inbox()
    r = client.post(
        f"/plans/{plan.plan_id}/edit/confirm",
        data={"csrf": token, "mode": "json", "params_json": DEEP_JSON, "base_hash": plan.params_hash},
    )
    assert r.status_code == 400 and approvals.executed == [] and plan.status == "pending"
    r = client.post(
        f"/plans/{plan.plan_id}/edit", data={"csrf": token, "mode": "json", "raw_json": DEEP_JSON}
    )
    assert r.status_code == 422 and approvals.executed == []


@pytest.fixture
def make_inbox():
    from inbox.conftest import csrf_of
    from inbox.fake_approvals import FakeApprovals
    from pydantic import SecretStr

    from b24_tools import B24Settings
    from b24_tools.inbox import create_app

    def make():
        approvals = FakeApprovals()
        plan = approvals.add_plan(params=json.loads('{"fields": {"TITLE": "T"}}'))
        settings = B24Settings(_env_file=None, reviewer_token=SecretStr("tok-0123456789"))
        client = TestClient(
            create_app(approvals, settings=settings, cookie_secure=False), follow_redirects=False
        )
        page = client.get("/login")
        client.post("/login", data={"csrf": csrf_of(page.text), "name": "rev", "token": "tok-0123456789"})
        return client, approvals, csrf_of(client.get("/").text), plan

    return make
