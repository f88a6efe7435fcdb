"""Audit records carry the reference's sixteen fields; `b24 audit export` writes JSONL its readers read unchanged."""

from __future__ import annotations

import json

from reference_helpers import CLIENT, REFERENCE_AUDIT_FIELDS

from b24_tools.approval._audit import REFERENCE_FIELDS, _error_code


def _consume_like_the_reference(path):
    """What a reader of the reference's audit file does: one JSON object a line, its fields by name and type."""
    rows = []
    for line in path.read_text(encoding="ascii").splitlines():  # the reference writes ensure_ascii JSON
        row = json.loads(line)
        for name, kind in REFERENCE_AUDIT_FIELDS.items():
            assert isinstance(row[name], kind), (name, row)
        rows.append(row)
    return rows


def test_the_field_list_is_the_references():
    assert tuple(REFERENCE_AUDIT_FIELDS) == REFERENCE_FIELDS


def test_stored_events_carry_all_sixteen_fields(ref):
    assert ref(f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"A"}}}}' --confirm-write""").code == 0
    with ref.approvals() as approvals:
        events = approvals.audit.events()
    assert {e["event"] for e in events} >= {"plan", "call", "result"}
    for event in events:
        assert set(REFERENCE_FIELDS) <= set(event), event["event"]
    # one invocation, one request id, on every event it caused
    assert len({e["request_id"] for e in events}) == 1


def test_export_writes_every_event_in_the_reference_format(ref, tmp_path):
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert ref(f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"B"}}}}' --confirm-write""").code == 0
    bad = ref(
        f"""{CLIENT} crm.lead.update --params '{{"id":99999,"fields":{{"TITLE":"C"}}}}' --confirm-write"""
    )
    assert bad.code == 4
    target = tmp_path / "export.jsonl"
    r = ref(["audit", "export", str(target), "--json"])
    assert r.code == 0, r.stderr
    rows = _consume_like_the_reference(target)
    assert r.json["events"] == len(rows)
    statuses = [row["status"] for row in rows]
    assert "planned" in statuses and "sent" in statuses  # this package's lifecycle rows, same fields
    error = next(row for row in rows if row["status"] == "error")
    assert error["error_code"] == ""  # legacy CRM answers "Not found" with an empty code, logged as sent
    assert error["method"] == "crm.lead.update" and error["error_message"]
    assert error["param_keys"] == ["fields", "id"]
    assert all(row["event"] for row in rows)  # and this package's own fields beside them


def test_export_calls_only_is_the_references_row_set(ref, tmp_path):
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    line = f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"D"}}}}' --confirm-write --idempotency-key d-1"""
    assert ref(line).code == 0 and ref(line).code == 0
    target = tmp_path / "calls.jsonl"
    assert ref(["audit", "export", str(target), "--calls-only"]).code == 0
    rows = _consume_like_the_reference(target)
    assert [(r["method"], r["status"]) for r in rows] == [
        ("user.current", "ok"),
        ("crm.lead.add", "ok"),
        ("crm.lead.add", "idempotent_replay"),
    ]
    # the live file `b24 call` appended holds the same rows
    live = _consume_like_the_reference(ref.audit_file)
    assert [(r["request_id"], r["status"]) for r in live] == [(r["request_id"], r["status"]) for r in rows]


def test_export_default_target_is_the_audit_file_variable(ref, tmp_path):
    target = tmp_path / "by-env.jsonl"
    ref.env["B24_AUDIT_FILE"] = str(target)
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert ref(["audit", "export"]).code == 0
    assert len(_consume_like_the_reference(target)) == 1


def test_export_without_a_target_when_the_variable_is_empty_is_refused(ref):
    ref.env["B24_AUDIT_FILE"] = ""
    r = ref(["audit", "export"])
    assert r.code == 2 and "B24_AUDIT_FILE" in r.stderr


def test_no_secret_reaches_the_export(ref, tmp_path):
    code = ref.emu.config.webhook_code
    refused = ref(
        f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"hook {code}"}}}}' --confirm-write"""
    )
    assert refused.code == 3  # params carrying a secret are refused, and recorded without it
    ref.emu.client().call("crm.lead.update", {"id": 2, "fields": {"COMMENTS": f"hook {code}"}})
    assert ref(f"""{CLIENT} crm.lead.get --params '{{"id":2}}'""").code == 0
    target = tmp_path / "x.jsonl"
    assert ref(["audit", "export", str(target)]).code == 0
    assert "refused" in target.read_text()
    assert code not in target.read_text() and code not in ref.audit_file.read_text()


def test_error_codes_are_the_portals():
    assert _error_code(
        "B24RateLimited: QUERY_LIMIT_EXCEEDED in crm.lead.add: Too many requests [HTTP 503]"
    ) == ("QUERY_LIMIT_EXCEEDED")
    assert _error_code("B24ScopeError: insufficient_scope in user.get — add the missing scope") == (
        "insufficient_scope"
    )
    assert _error_code("B24Timeout: read timed out") == "NETWORK_ERROR"
    assert _error_code("B24PolicyError: method x is outside the enabled packs") == "POLICY_REFUSED"
    assert _error_code(None) == ""
    assert _error_code("B24NotFound: (empty code) in crm.lead.update: Not found [HTTP 400]") == ""


def test_a_write_approved_in_review_lands_in_the_reference_file(ref):
    planned = ref(f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"Reviewed"}}}}' --plan-only""")
    plan_id = planned.json["plan"]["plan_id"]
    assert ref.audit_rows() == []  # a plan is not a call
    approved = ref(["review", "approve", plan_id, "--json"], env={})
    assert approved.code == 0, approved.stderr
    [row] = _consume_like_the_reference(ref.audit_file)
    assert (row["method"], row["status"], row["plan_id"]) == ("crm.lead.add", "ok", plan_id)
