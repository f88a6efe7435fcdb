"""`b24 call`: the reference's flags, order of checks and the documented exit codes (0/2/3/4/5/6)."""

from __future__ import annotations

import json

import pytest

LEAD = '{"fields": {"TITLE": "CLI lead", "ORIGIN_ID": "cli-1", "ORIGINATOR_ID": "tests"}}'


def _nothing_written(b24, before_leads: int) -> None:
    assert b24.emu.count("lead") == before_leads
    assert not (b24.state / "b24.sqlite").exists()


# -- exit 2: bad input, one clear line, nothing written -------------------------------------------------------


def test_invalid_json_params_exit_2_with_one_line_and_write_nothing(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", "{not json", "--confirm-write")
    assert r.code == 2
    assert r.stderr.strip().count("\n") == 0
    assert "Invalid JSON in --params" in r.stderr
    _nothing_written(b24, before)


def test_params_that_are_not_an_object_are_refused(b24):
    r = b24("call", "crm.lead.list", "--params", "[1, 2]")
    assert r.code == 2
    assert "JSON object" in r.stderr


def test_params_can_come_from_a_file(b24, tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"id": 1}')
    r = b24("call", "crm.lead.get", "--params", "@" + str(f))
    assert r.code == 0
    assert r.json["result"]["ID"] == "1"


def test_a_missing_params_file_is_one_clear_line(b24):
    r = b24("call", "crm.lead.get", "--params", "@/nonexistent/p.json")
    assert r.code == 2 and "cannot read --params file" in r.stderr


def test_unknown_flags_are_usage_errors(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--confirm-wrte")
    assert r.code == 2
    assert r.stderr.strip().count("\n") == 0 and "No such option: --confirm-wrte" in r.stderr
    _nothing_written(b24, before)


def test_unknown_pack_is_refused_naming_the_available_packs(b24):
    r = b24("call", "user.current", "--packs", "core,spaceship")
    assert r.code == 2
    assert "unknown pack 'spaceship'" in r.stderr and "diagnostics" in r.stderr


@pytest.mark.parametrize("name", ["crm.lead.add;", "crm..lead", "CRM LEAD", "a", "crm.lead.add?x=1"])
def test_malformed_method_names_are_refused_before_any_call(b24, name):
    before = b24.emu.count("lead")
    r = b24("call", name, "--confirm-write")
    assert r.code == 2
    assert "malformed method name" in r.stderr
    _nothing_written(b24, before)


def test_a_method_is_required(b24):
    r = b24("call")
    assert r.code == 2 and "METHOD is required" in r.stderr


def test_params_failing_catalog_validation_exit_2(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", '{"fields": "not an object"}', "--confirm-write")
    assert r.code == 2
    _nothing_written(b24, before)


# -- reads ---------------------------------------------------------------------------------------------------


def test_a_read_runs_directly_and_prints_json_when_piped(b24):
    r = b24("call", "crm.lead.list", "--params", '{"select": ["ID", "TITLE"], "start": 0}')
    assert r.code == 0
    body = r.json
    assert body["status"] == "ok" and body["risk"] == "read"
    assert isinstance(body["result"], list) and body["total"] == b24.emu.count("lead")


def test_list_packs_prints_default_available_and_selected(b24):
    r = b24("call", "--list-packs", "--packs", "core,comms")
    assert r.code == 0
    body = r.json
    assert body["default_packs"] == ["core"]
    assert body["selected_packs"] == ["core", "comms"]
    assert "diagnostics" in body["available_packs"]


def test_packs_none_with_an_allowlist_allows_only_the_allowlist(b24):
    assert b24("call", "user.current", "--packs", "none", "--method-allowlist", "user.*").code == 0
    r = b24("call", "crm.lead.list", "--packs", "none", "--method-allowlist", "user.*")
    assert r.code == 3 and "outside the enabled packs" in r.stderr


def test_a_method_outside_the_packs_is_refused_with_exit_3(b24):
    r = b24(
        "call", "im.message.add", "--params", '{"DIALOG_ID": "chat1", "MESSAGE": "hi"}', "--confirm-write"
    )
    assert r.code == 3
    assert "comms" in r.stderr or "allow" in r.stderr


def test_a_bitrix24_error_exits_4_with_the_code(b24):
    r = b24("call", "crm.lead.get", "--params", '{"id": 987654}')
    assert r.code == 4
    assert "Bitrix24 error" in r.stderr


# -- writes: risk gate, plans, idempotency ------------------------------------------------------------------


def test_a_write_without_confirm_write_is_refused_with_exit_3(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", LEAD)
    assert r.code == 3
    assert "--confirm-write" in r.stderr
    assert b24.emu.count("lead") == before


def test_a_confirmed_write_executes_once_through_the_graph_with_audit(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", LEAD, "--confirm-write")
    assert r.code == 0, r.stderr
    assert r.json["status"] == "executed"
    assert b24.emu.count("lead") == before + 1
    with b24.approvals() as approvals:
        events = approvals.audit.events()
    assert any(e.get("method") == "crm.lead.add" for e in events)


def test_the_same_idempotency_key_never_writes_twice(b24):
    before = b24.emu.count("lead")
    args = (
        "call",
        "crm.lead.add",
        "--params",
        LEAD,
        "--confirm-write",
        "--idempotency-key",
        "lead-source-123",
    )
    assert b24(*args).code == 0
    second = b24(*args)
    assert second.code == 0
    assert second.json["status"] == "replayed"
    assert b24.emu.count("lead") == before + 1


def test_a_destructive_call_needs_confirm_destructive(b24):
    r = b24("call", "crm.lead.delete", "--params", '{"id": 1}', "--confirm-write")
    assert r.code == 3 and "--confirm-destructive" in r.stderr
    r = b24("call", "crm.lead.delete", "--params", '{"id": 1}', "--confirm-destructive")
    assert r.code == 0, r.stderr
    assert b24("call", "crm.lead.get", "--params", '{"id": 1}').code == 4


def test_plan_only_creates_a_pending_plan_visible_to_reviewers_and_writes_nothing(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only")
    assert r.code == 0, r.stderr
    plan_id = r.json["plan_id"]
    assert r.json["status"] == "pending"
    assert plan_id in r.json["next"]["execute_command"]
    assert b24.emu.count("lead") == before
    with b24.approvals() as approvals:
        assert plan_id in [p.plan_id for p in approvals.list_pending()]


def test_plan_only_refuses_reads(b24):
    r = b24("call", "crm.lead.list", "--plan-only")
    assert r.code == 2 and "read" in r.stderr


def test_execute_plan_waits_for_review_without_the_confirm_flag(b24):
    plan_id = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only").json["plan_id"]
    r = b24("call", "--execute-plan", plan_id)
    assert r.code == 5
    assert "pending review" in r.stderr


def test_execute_plan_with_confirm_approves_and_runs_it_exactly_once(b24):
    before = b24.emu.count("lead")
    plan_id = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only").json["plan_id"]
    r = b24("call", "--execute-plan", plan_id, "--confirm-write")
    assert r.code == 0, r.stderr
    assert r.json["status"] == "executed"
    again = b24("call", "--execute-plan", plan_id, "--confirm-write")
    assert again.code == 0
    assert again.json["status"] == "replayed"
    assert b24.emu.count("lead") == before + 1


def test_execute_plan_refuses_a_different_method(b24):
    plan_id = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only").json["plan_id"]
    r = b24("call", "crm.deal.add", "--execute-plan", plan_id, "--confirm-write")
    assert r.code == 2 and "does not match planned method" in r.stderr


def test_execute_plan_of_an_unknown_plan_is_refused(b24):
    r = b24("call", "--execute-plan", "pl_doesnotexist", "--confirm-write")
    assert r.code == 3


def test_execute_plan_of_a_rejected_plan_is_refused(b24):
    plan_id = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only").json["plan_id"]
    with b24.approvals() as approvals:
        approvals.reject(plan_id, "not today", reviewer="tester")
    r = b24("call", "--execute-plan", plan_id, "--confirm-write")
    assert r.code == 3


def test_require_plan_turns_a_confirmed_write_into_a_pending_plan(b24):
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", LEAD, "--confirm-write", env={"B24_REQUIRE_PLAN": "1"})
    assert r.code == 5
    assert r.json["status"] == "pending" and r.json["plan_id"]
    assert b24.emu.count("lead") == before


def test_a_dropped_create_is_reconciled_by_its_origin_marker_not_resent(b24):
    b24.emu.faults.add(method="crm.lead.add", kind="drop_after_commit", times=1)
    before = b24.emu.count("lead")
    r = b24("call", "crm.lead.add", "--params", LEAD, "--confirm-write")
    assert r.code == 0, (r.stdout, r.stderr)
    assert b24.emu.count("lead") == before + 1  # it landed once; found again by ORIGIN_ID, never resent


def test_an_unknown_outcome_exits_6_and_is_not_resent(b24):
    b24.emu.faults.add(method="crm.lead.update", kind="drop_after_commit", times=1)
    r = b24(
        "call", "crm.lead.update", "--params", '{"id": 2, "fields": {"COMMENTS": "x"}}', "--confirm-write"
    )
    assert r.code == 6, (r.stdout, r.stderr)
    assert r.json["status"] == "unknown_outcome"


def test_secrets_never_reach_the_output(b24):
    r = b24("call", "user.current")
    assert "emulator-secret-code" not in r.stdout + r.stderr


def test_help_documents_the_exit_codes(b24):
    r = b24("call", "--help")
    assert r.code == 0
    text = " ".join(r.stdout.split())
    for fragment in (
        "0 ok",
        "2 usage",
        "3 refused",
        "4 Bitrix24 error",
        "5 pending review",
        "6 unknown outcome",
    ):
        assert fragment in text
    assert json  # keep the import used for readers adding JSON checks


def test_reads_leave_an_audit_line_too(b24):
    assert b24("call", "user.current").code == 0
    assert b24("call", "crm.lead.get", "--params", '{"id": 987654}').code == 4
    with b24.approvals() as approvals:
        events = [(e["event"], e["method"], e["outcome"]) for e in approvals.audit.events()]
    assert ("read", "user.current", "ok") in events
    assert ("error", "crm.lead.get", "error") in events


def test_a_plan_only_plan_is_listed_by_b24_review_list(b24):
    plan_id = b24("call", "crm.lead.add", "--params", LEAD, "--plan-only").json["plan_id"]
    r = b24("review", "list", "--json")
    assert r.code == 0, r.stderr
    assert plan_id in r.stdout


def test_batch_risk_follows_its_inner_commands(b24):
    reads = '{"halt": 0, "cmd": {"lead_list": "crm.lead.list?select[0]=ID", "user": "user.current"}}'
    r = b24("call", "batch", "--params", reads)
    assert r.code == 0, r.stderr
    hidden_delete = '{"halt": 0, "cmd": {"a": "crm.lead.list", "b": "crm.lead.delete?id=3"}}'
    r = b24("call", "batch", "--params", hidden_delete, "--confirm-write")
    assert r.code == 3 and "--confirm-destructive" in r.stderr
    assert b24.emu.count("lead", ID=3) == 1
    r = b24(
        "call",
        "batch",
        "--params",
        '{"cmd": {"x": "im.message.add?DIALOG_ID=1&MESSAGE=hi"}}',
        "--confirm-write",
    )
    assert r.code == 3 and "outside the enabled packs" in r.stderr
