"""Deterministic seed data (no timing assertions; `bench/` measures speed)."""

from __future__ import annotations

import pytest

from b24_tools.emulator import Emulator


def test_same_seed_gives_the_same_rows() -> None:
    with Emulator() as a, Emulator() as b:
        a.seed(leads=40, deals=20, contacts=10, companies=5, tasks=10, seed=7)
        b.seed(leads=40, deals=20, contacts=10, companies=5, tasks=10, seed=7)
        for entity in ("lead", "deal", "contact", "company", "task", "user"):
            strip = lambda rows: [{k: v for k, v in r.items() if k not in ("DATE_CREATE", "DATE_MODIFY", "LAST_LOGIN",  # noqa: E731
                                                                          "DATE_REGISTER")} for r in rows]  # fmt: skip
            assert strip(a.records(entity)) == strip(b.records(entity)), entity


def test_another_seed_gives_other_rows() -> None:
    with Emulator() as a, Emulator() as b:
        a.seed(leads=20, seed=1)
        b.seed(leads=20, seed=2)
        assert [r["TITLE"] for r in a.records("lead")] != [r["TITLE"] for r in b.records("lead")]


def test_deals_spread_across_stages_and_link_existing_contacts(emu: Emulator) -> None:
    emu.seed(deals=200, contacts=10, companies=3)
    stages = {r["STAGE_ID"] for r in emu.records("deal")}
    assert {"NEW", "WON", "LOSE"} <= stages
    assert all(1 <= r["CONTACT_ID"] <= 10 and 1 <= r["COMPANY_ID"] <= 3 for r in emu.records("deal"))
    closed = emu.records("deal", STAGE_ID="WON")
    assert all(r["CLOSED"] == "Y" and r["STAGE_SEMANTIC_ID"] == "S" for r in closed)


def test_seeding_twice_appends(emu: Emulator) -> None:
    emu.seed(leads=5)
    emu.seed(leads=5)
    assert emu.count("leads") == 10 and emu.count("user") == 5


def test_seeded_rows_read_back_like_api_rows(emu: Emulator) -> None:
    emu.seed(leads=3, tasks=2)
    with emu.http(base_url=emu.webhook_url) as h:
        lead = h.post("crm.lead.get", json={"id": 1}).json()["result"]
        task = h.post("tasks.task.get", json={"taskId": 1}).json()["result"]["task"]
    assert lead["ID"] == "1" and lead["TITLE"].startswith("Lead #1") and lead["ORIGIN_ID"] is None
    assert task["id"] == "1" and task["status"] in {"2", "3", "4", "5", "6"}


@pytest.mark.slow
def test_one_hundred_thousand_leads(emu: Emulator) -> None:
    assert emu.seed(leads=100_000, users=5)["leads"] == 100_000
    with emu.http(base_url=emu.webhook_url) as h:
        body = h.post(
            "crm.lead.list", json={"start": -1, "order": {"ID": "ASC"}, "filter": {">ID": 99_990}}
        ).json()
        counted = h.post("crm.lead.list", json={"start": 0, "select": ["ID"]}).json()
    assert [int(r["ID"]) for r in body["result"]] == list(range(99_991, 100_001))
    assert counted["total"] == 100_000 and counted["next"] == 50
