"""List paging and filters — settings/how-to-call-rest-api/list-methods-pecularities.md,
settings/performance/huge-data.md, api-reference/crm/leads/crm-lead-list.md."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


@pytest.fixture
def leads(emu: Emulator, http: httpx.Client) -> httpx.Client:
    emu.seed(leads=120, users=3)
    return http


def test_pages_hold_50_with_next_and_total(leads: httpx.Client) -> None:
    first = leads.post("crm.lead.list", json={"select": ["ID"]}).json()
    assert len(first["result"]) == 50 and first["next"] == 50 and first["total"] == 120
    last = leads.post("crm.lead.list", json={"select": ["ID"], "start": 100}).json()
    assert len(last["result"]) == 20 and "next" not in last and last["total"] == 120


def test_start_minus_one_counts_nothing(leads: httpx.Client) -> None:
    body = leads.post(
        "crm.lead.list", json={"start": -1, "order": {"ID": "ASC"}, "filter": {">ID": 100}}
    ).json()
    assert body["total"] == 0 and "next" not in body  # huge-data.md
    assert [int(x["ID"]) for x in body["result"]] == list(range(101, 121))


def test_fast_id_cursor_walks_every_row_once(leads: httpx.Client) -> None:
    seen: list[int] = []
    last = 0
    while True:
        page = leads.post(
            "crm.lead.list",
            json={"start": -1, "order": {"ID": "ASC"}, "filter": {">ID": last}, "select": ["ID"]},
        ).json()["result"]
        seen.extend(int(x["ID"]) for x in page)
        if len(page) < 50:
            break
        last = int(page[-1]["ID"])
    assert seen == list(range(1, 121))


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"ID": 5}, [5]),
        ({"=ID": "5"}, [5]),
        ({"!ID": 5, "<=ID": 6}, [1, 2, 3, 4, 6]),
        ({">=ID": 118}, [118, 119, 120]),
        ({"<ID": 3}, [1, 2]),
        ({"@ID": [7, 9, 11]}, [7, 9, 11]),
        ({"!@ID": list(range(1, 118))}, [118, 119, 120]),
        ({"%TITLE": "Lead #11"}, [11, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]),
    ],
)
def test_filter_operators(leads: httpx.Client, flt: dict, expected: list[int]) -> None:
    body = leads.post("crm.lead.list", json={"filter": flt, "select": ["ID"]}).json()
    assert [int(x["ID"]) for x in body["result"]] == expected


def test_filter_on_any_field_and_order_desc(leads: httpx.Client) -> None:
    rows = leads.post(
        "crm.lead.list", json={"filter": {"STATUS_ID": "JUNK", ">OPPORTUNITY": 100}, "order": {"OPPORTUNITY": "DESC"},
                               "select": ["ID", "STATUS_ID", "OPPORTUNITY"]}).json()["result"]  # fmt: skip
    assert rows and all(r["STATUS_ID"] == "JUNK" and float(r["OPPORTUNITY"]) > 100 for r in rows)
    amounts = [float(r["OPPORTUNITY"]) for r in rows]
    assert amounts == sorted(amounts, reverse=True)


def test_filter_by_phone_value_matches_multifields(emu: Emulator, http: httpx.Client) -> None:
    http.post(
        "crm.lead.add", json={"fields": {"TITLE": "p", "PHONE": [{"VALUE": "+49123", "VALUE_TYPE": "WORK"}]}}
    )
    http.post("crm.lead.add", json={"fields": {"TITLE": "q"}})
    rows = http.post("crm.lead.list", json={"filter": {"PHONE": "+49123"}}).json()["result"]
    assert [r["TITLE"] for r in rows] == ["p"]


def test_select_star_omits_multifields_and_uf_star_adds_custom_fields(http: httpx.Client) -> None:
    http.post("crm.lead.add", json={"fields": {"TITLE": "u", "UF_CRM_X": "1", "PHONE": [{"VALUE": "1"}]}})
    star = http.post("crm.lead.list", json={"select": ["*"]}).json()["result"][0]
    assert "PHONE" not in star and "UF_CRM_X" not in star and "TITLE" in star
    both = http.post("crm.lead.list", json={"select": ["*", "UF_*", "PHONE"]}).json()["result"][0]
    assert both["UF_CRM_X"] == "1" and both["PHONE"][0]["VALUE"] == "1"


def test_form_encoded_list_query_like_the_seed_sends(leads: httpx.Client) -> None:
    r = leads.get("crm.lead.list", params={"filter[>ID]": "118", "select[]": "ID", "order[ID]": "DESC"})
    assert [x["ID"] for x in r.json()["result"]] == ["120", "119"]
