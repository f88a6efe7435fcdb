"""Legacy CRM methods — api-reference/crm/leads/crm-lead-*.md, api-reference/crm/deals/crm-deal-*.md."""

from __future__ import annotations

import httpx

from b24_tools.emulator import Emulator


def test_lead_add_returns_an_integer_id_and_get_returns_strings(http: httpx.Client) -> None:
    r = http.post(
        "crm.lead.add", json={"fields": {"TITLE": "Lead", "OPPORTUNITY": 12.5, "ASSIGNED_BY_ID": 1}}
    )
    new_id = r.json()["result"]
    assert isinstance(new_id, int)
    lead = http.post("crm.lead.get", json={"id": new_id}).json()["result"]
    assert lead["ID"] == str(new_id)
    assert lead["OPPORTUNITY"] == "12.50" and lead["ASSIGNED_BY_ID"] == "1"
    assert lead["STATUS_ID"] == "NEW" and lead["OPENED"] == "Y"
    assert lead["ORIGINATOR_ID"] is None and lead["ORIGIN_ID"] is None


def test_get_of_a_missing_deal_answers_empty_code_not_found(http: httpx.Client) -> None:
    r = http.post("crm.deal.get", json={"id": 999})
    assert r.status_code == 400
    assert r.json() == {"error": "", "error_description": "Not found"}  # crm-deal-get.md


def test_get_without_id_answers_id_is_not_defined(http: httpx.Client) -> None:
    r = http.post("crm.deal.get", json={})
    assert r.status_code == 400 and r.json()["error"] == ""
    assert r.json()["error_description"].startswith("ID is not defined or invalid")


def test_update_merges_fields_and_delete_removes(http: httpx.Client, emu: Emulator) -> None:
    new_id = http.post("crm.deal.add", json={"fields": {"TITLE": "a", "STAGE_ID": "NEW"}}).json()["result"]
    assert (
        http.post("crm.deal.update", json={"id": new_id, "fields": {"STAGE_ID": "WON"}}).json()["result"]
        is True
    )
    deal = http.post("crm.deal.get", json={"id": new_id}).json()["result"]
    assert deal["TITLE"] == "a" and deal["STAGE_ID"] == "WON" and deal["CLOSED"] == "Y"
    assert http.post("crm.deal.delete", json={"id": new_id}).json()["result"] is True
    assert emu.count("deal") == 0
    assert http.post("crm.deal.delete", json={"id": new_id}).status_code == 400


def test_unknown_fields_are_ignored_and_uf_fields_kept(http: httpx.Client) -> None:
    new_id = http.post(
        "crm.contact.add", json={"fields": {"NAME": "N", "NOPE": 1, "UF_CRM_COLOR": "red"}}
    ).json()["result"]
    got = http.post("crm.contact.get", json={"id": new_id}).json()["result"]
    assert "NOPE" not in got and got["UF_CRM_COLOR"] == "red"


def test_origin_fields_are_filterable_for_dedupe(http: httpx.Client) -> None:
    http.post("crm.lead.add", json={"fields": {"TITLE": "x", "ORIGINATOR_ID": "shop", "ORIGIN_ID": "o-1"}})
    http.post("crm.lead.add", json={"fields": {"TITLE": "y", "ORIGINATOR_ID": "shop", "ORIGIN_ID": "o-2"}})
    r = http.post(
        "crm.lead.list",
        json={"filter": {"ORIGINATOR_ID": "shop", "ORIGIN_ID": "o-2"}, "select": ["ID", "TITLE"]},
    )
    assert [x["TITLE"] for x in r.json()["result"]] == ["y"]


def test_multifield_update_adds_changes_and_deletes_values(http: httpx.Client) -> None:
    new_id = http.post(
        "crm.contact.add", json={"fields": {"EMAIL": [{"VALUE": "a@x.test", "VALUE_TYPE": "WORK"}]}}
    ).json()["result"]
    email = http.post("crm.contact.get", json={"id": new_id}).json()["result"]["EMAIL"][0]
    http.post(
        "crm.contact.update",
        json={
            "id": new_id,
            "fields": {"EMAIL": [{"ID": email["ID"], "VALUE": "b@x.test"}, {"VALUE": "c@x.test"}]},
        },
    )
    values = [e["VALUE"] for e in http.post("crm.contact.get", json={"id": new_id}).json()["result"]["EMAIL"]]
    assert values == ["b@x.test", "c@x.test"]
    http.post(
        "crm.contact.update", json={"id": new_id, "fields": {"EMAIL": [{"ID": email["ID"], "DELETE": "Y"}]}}
    )
    values = [e["VALUE"] for e in http.post("crm.contact.get", json={"id": new_id}).json()["result"]["EMAIL"]]
    assert values == ["c@x.test"]


def test_fields_answer_has_the_official_shape(http: httpx.Client) -> None:
    fields = http.post("crm.lead.fields").json()["result"]
    assert fields["ORIGINATOR_ID"] == {
        "type": "string", "isRequired": False, "isReadOnly": False, "isImmutable": False, "isMultiple": False,
        "isDynamic": False, "title": "External Source",
    }  # fmt: skip  # crm-lead-fields.md
    assert fields["PHONE"]["type"] == "crm_multifield" and fields["PHONE"]["isMultiple"] is True
