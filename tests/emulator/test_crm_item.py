"""crm.item.* over the same rows as the legacy methods — api-reference/crm/universal/crm-item-*.md."""

from __future__ import annotations

import httpx


def test_item_add_answers_camelcase_typed_item(http: httpx.Client) -> None:
    r = http.post("crm.item.add", json={"entityTypeId": 2, "fields": {"title": "D", "opportunity": 999.99,
                                                                          "assignedById": 1, "originId": "x-1"}})  # fmt: skip
    item = r.json()["result"]["item"]
    assert item["id"] == 1 and item["title"] == "D" and item["opportunity"] == 999.99
    assert item["assignedById"] == 1 and item["originId"] == "x-1" and item["entityTypeId"] == 2
    assert "createdTime" in item and "createdBy" in item


def test_item_and_legacy_methods_share_rows(http: httpx.Client) -> None:
    new_id = http.post("crm.lead.add", json={"fields": {"TITLE": "shared", "OPPORTUNITY": 10}}).json()[
        "result"
    ]
    item = http.post("crm.item.get", json={"entityTypeId": 1, "id": new_id}).json()["result"]["item"]
    assert item["title"] == "shared" and item["opportunity"] == 10.0
    http.post("crm.item.update", json={"entityTypeId": 1, "id": new_id, "fields": {"title": "renamed"}})
    assert http.post("crm.lead.get", json={"id": new_id}).json()["result"]["TITLE"] == "renamed"


def test_item_get_missing_answers_not_found(http: httpx.Client) -> None:
    r = http.post("crm.item.get", json={"entityTypeId": 2, "id": 5})
    assert r.status_code == 400 and r.json() == {
        "error": "NOT_FOUND",
        "error_description": "Element not found",
    }


def test_unknown_entity_type_answers_smart_process_not_found(http: httpx.Client) -> None:
    r = http.post("crm.item.list", json={"entityTypeId": 999})
    assert r.status_code == 400 and r.json()["error"] == "NOT_FOUND"


def test_item_delete_answers_empty_array(http: httpx.Client) -> None:
    new_id = http.post("crm.item.add", json={"entityTypeId": 3, "fields": {"name": "C"}}).json()["result"][
        "item"
    ]["id"]
    assert http.post("crm.item.delete", json={"entityTypeId": 3, "id": new_id}).json()["result"] == []


def test_item_list_uses_camelcase_filter_and_fast_paging(emulator, seeded_http: httpx.Client) -> None:
    # huge-data.md example: order {id: ASC}, filter {>id: lastId}, start=-1
    body = seeded_http.post("crm.item.list", json={"entityTypeId": 1, "order": {"id": "ASC"}, "filter": {">id": 25},
                                                   "select": ["id", "title"], "start": -1}).json()  # fmt: skip
    assert [x["id"] for x in body["result"]["items"]] == [26, 27, 28, 29, 30]
    assert body["total"] == 0 and "next" not in body
    assert set(body["result"]["items"][0]) == {"id", "title"}


def test_item_list_refuses_bad_order_direction_and_unknown_filter_field(http: httpx.Client) -> None:
    r = http.post("crm.item.list", json={"entityTypeId": 2, "order": {"id": "UP"}})
    assert r.status_code == 400 and r.json()["error"] == "INVALID_ARG_VALUE"
    r = http.post("crm.item.list", json={"entityTypeId": 2, "filter": {"noSuchField": 1}})
    assert r.status_code == 400 and "not allowed in filter" in r.json()["error_description"]


def test_item_fields_lists_camelcase_names(http: httpx.Client) -> None:
    fields = http.post("crm.item.fields", json={"entityTypeId": 2}).json()["result"]["fields"]
    assert (
        fields["stageId"]["upperName"] == "STAGE_ID" and fields["createdTime"]["upperName"] == "DATE_CREATE"
    )


def test_smart_process_128_is_available(http: httpx.Client) -> None:
    item = http.post("crm.item.add", json={"entityTypeId": 128, "fields": {"title": "spa"}}).json()["result"][
        "item"
    ]
    assert item["entityTypeId"] == 128 and item["title"] == "spa"


def test_uf_fields_are_camelcase_unless_original_names_are_asked_for(http: httpx.Client) -> None:
    new_id = http.post("crm.deal.add", json={"fields": {"TITLE": "u", "UF_CRM_1687188367": "x"}}).json()[
        "result"
    ]
    item = http.post("crm.item.get", json={"entityTypeId": 2, "id": new_id}).json()["result"]["item"]
    assert item["ufCrm_1687188367"] == "x"
    item = http.post(
        "crm.item.get", json={"entityTypeId": 2, "id": new_id, "useOriginalUfNames": "Y"}
    ).json()["result"]["item"]
    assert item["UF_CRM_1687188367"] == "x"
    http.post("crm.item.update", json={"entityTypeId": 2, "id": new_id, "fields": {"ufCrm_1687188367": "y"}})
    assert http.post("crm.deal.get", json={"id": new_id}).json()["result"]["UF_CRM_1687188367"] == "y"
