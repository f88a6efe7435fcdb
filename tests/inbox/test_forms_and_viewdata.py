from __future__ import annotations

import json

from b24_tools.inbox._fields import describe_fields, fields_method_for
from b24_tools.inbox._forms import diff_params, form_fields, parse_form
from b24_tools.inbox._viewdata import audit_rows, flatten, param_rows, plan_row, to_datetime

ENTITY = describe_fields(
    {
        "TITLE": {"type": "string", "title": "Lead Title"},
        "OPPORTUNITY": {"type": "double", "title": "Amount"},
        "ASSIGNED_BY_ID": {"type": "user", "title": "Responsible"},
        "OPENED": {"type": "char", "title": "Available to All"},
        "SOURCE_ID": {"type": "crm_status", "title": "Source", "items": None},
        "UF_CRM_COLOR": {
            "type": "enumeration",
            "title": "UF_CRM_COLOR",
            "listLabel": "Favourite colour",
            "items": [{"ID": "41", "VALUE": "Red"}, {"ID": "42", "VALUE": "Blue"}],
        },
        "PHONE": {"type": "crm_multifield", "title": "Phone", "isMultiple": True},
        "ID": {"type": "integer", "title": "ID", "isReadOnly": True},
    }
)


def _name(*path):
    return "p:" + json.dumps(list(path))


def test_fields_method_comes_from_the_catalog_reads():
    assert fields_method_for("crm.lead.add") == "crm.lead.fields"
    assert fields_method_for("crm.deal.update") == "crm.deal.fields"
    assert fields_method_for("tasks.task.add") == "tasks.task.getfields"
    assert fields_method_for("crm.item.add") is None
    assert fields_method_for("batch") is None


def test_portal_labels_win_over_codes_and_user_fields_use_their_list_label():
    rows = param_rows("crm.lead.add", {"fields": {"TITLE": "x", "UF_CRM_COLOR": "41", "NEW_CODE": 1}}, ENTITY)
    labels = {r["path"]: r["label"] for r in rows}
    assert labels == {
        "fields.TITLE": "Lead Title",
        "fields.UF_CRM_COLOR": "Favourite colour",
        "fields.NEW_CODE": "NEW_CODE",
    }


def test_form_inputs_follow_the_portal_types():
    fields = {
        f.code: f
        for f in form_fields("crm.lead.add", {"fields": {"TITLE": "x", "OPENED": "Y"}}, entity=ENTITY)
    }
    assert fields["fields.TITLE"].kind == "string" and fields["fields.TITLE"].present
    assert fields["fields.OPENED"].kind == "enum" and fields["fields.OPENED"].choices == ["Y", "N"]
    assert fields["fields.OPPORTUNITY"].kind == "number" and not fields["fields.OPPORTUNITY"].present
    assert fields["fields.UF_CRM_COLOR"].choices == ["41", "42"]
    assert fields["fields.PHONE"].kind == "json"
    assert "fields.ID" not in fields  # read-only fields are not offered


def test_parsing_converts_types_and_leaves_out_empty_inputs():
    fields = form_fields("crm.lead.add", {"fields": {"TITLE": "x", "OPPORTUNITY": 10}}, entity=ENTITY)
    form = {f.name: "" for f in fields}
    form[_name("fields", "TITLE")] = "New"
    form[_name("fields", "OPPORTUNITY")] = "12.5"
    form[_name("fields", "PHONE")] = '[{"VALUE": "+1 555", "VALUE_TYPE": "WORK"}]'
    params, rendered = parse_form(fields, form)
    assert params == {
        "fields": {"TITLE": "New", "OPPORTUNITY": 12.5, "PHONE": [{"VALUE": "+1 555", "VALUE_TYPE": "WORK"}]}
    }
    assert not [f for f in rendered if f.error]


def test_parsing_reports_bad_values_per_field():
    fields = form_fields("crm.lead.add", {"fields": {"OPPORTUNITY": 10, "UF_CRM_COLOR": "41"}}, entity=ENTITY)
    form = {f.name: "" for f in fields}
    form[_name("fields", "OPPORTUNITY")] = "ten"
    form[_name("fields", "UF_CRM_COLOR")] = "99"
    form[_name("fields", "PHONE")] = "[not json"
    _, rendered = parse_form(fields, form)
    errors = {f.code: f.error for f in rendered if f.error}
    assert errors["fields.OPPORTUNITY"] == "fields.OPPORTUNITY must be a number"
    assert errors["fields.UF_CRM_COLOR"].startswith("fields.UF_CRM_COLOR must be one of: 41, 42")
    assert "is not valid JSON" in errors["fields.PHONE"]


def test_numbers_stay_numbers_without_a_schema():
    fields = form_fields("vendor.unknown.method", {"id": 5, "flag": True, "note": "a"})
    form = {f.name: f.value for f in fields}
    params, _ = parse_form(fields, form)
    assert params == {"id": 5, "flag": True, "note": "a"}


def test_diff_lists_changed_added_and_removed_leaves():
    old = {"fields": {"TITLE": "a", "NAME": "n"}, "id": 1}
    new = {"fields": {"TITLE": "b", "PHONE": [1]}, "id": 1}
    diff = {d["path"]: d["change"] for d in diff_params(old, new)}
    assert diff == {"fields.TITLE": "changed", "fields.NAME": "removed", "fields.PHONE": "added"}


def test_flatten_keeps_lists_whole_and_stops_at_depth():
    assert flatten({"a": {"b": {"c": {"d": 1}}}, "l": [1, 2]}, depth=2) == [
        (("a", "b"), {"c": {"d": 1}}),
        (("l",), [1, 2]),
    ]


def test_timestamps_in_any_shape_become_utc():
    assert to_datetime(0).year == 1970
    assert to_datetime("2026-01-02T03:04:05Z").hour == 3
    assert to_datetime("nonsense") is None


def test_plan_rows_and_audit_rows_are_redacted():
    row = plan_row(
        {
            "plan_id": "p1",
            "method": "crm.lead.add",
            "summary": "see access_token=abcdef123",
            "scopes": {"crm"},
        }
    )
    assert "abcdef123" not in row["summary"] and row["scopes"] == ["crm"]
    events = audit_rows(
        [
            {"ts": 2, "event": "call", "actor": "a", "params": {"auth": "s3cret-tok"}},
            {"ts": 1, "event": "plan"},
        ]
    )
    assert [e["what"] for e in events] == ["plan", "call"]
    assert "s3cret-tok" not in events[1]["details"]
