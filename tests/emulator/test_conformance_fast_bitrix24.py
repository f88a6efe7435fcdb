"""Conformance: the peer client fast_bitrix24 (test dependency only) against the emulator over a real loopback
socket gets the same records our client gets — get_all, get_by_ID, call (single and list), call_batch.

fast_bitrix24 takes plain http webhook URLs as they are (peer-clients.md §6); no coaxing needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b24_tools.emulator import Emulator

fast_bitrix24 = pytest.importorskip("fast_bitrix24")


@pytest.fixture
def served() -> Iterator[Emulator]:
    emu = Emulator()
    emu.seed(leads=230, deals=120, contacts=15, companies=5, users=3)
    with emu.serve():
        yield emu
    emu.close()


@pytest.fixture
def fb(served: Emulator):
    return fast_bitrix24.Bitrix(served.webhook_url, verbose=False)


def test_get_all_matches_our_client(served: Emulator, fb) -> None:
    theirs = fb.get_all("crm.deal.list", {"select": ["ID", "TITLE", "STAGE_ID"]})
    with served.client() as ours:
        mine = list(ours.iter_list("crm.deal.list", {"select": ["ID", "TITLE", "STAGE_ID"]}))
    assert len(theirs) == 120
    assert sorted(theirs, key=lambda r: int(r["ID"])) == mine


def test_get_all_with_a_filter_over_several_pages(served: Emulator, fb) -> None:
    theirs = fb.get_all("crm.lead.list", {"select": ["ID", "STATUS_ID"], "filter": {"STATUS_ID": "NEW"}})
    with served.client() as ours:
        mine = list(
            ours.iter_list("crm.lead.list", {"select": ["ID", "STATUS_ID"], "filter": {"STATUS_ID": "NEW"}})
        )
    assert len(theirs) == len(mine) > 50
    assert sorted(theirs, key=lambda r: int(r["ID"])) == mine


def test_get_by_id_matches_our_client(served: Emulator, fb) -> None:
    theirs = fb.get_by_ID("crm.lead.get", [3, 7, 200])
    with served.client() as ours:
        mine = {i: ours.call("crm.lead.get", {"id": i}).result for i in (3, 7, 200)}
    assert {int(k): v for k, v in theirs.items()} == mine


def test_call_single_and_list(served: Emulator, fb) -> None:
    single = fb.call("crm.contact.get", {"ID": 2})
    if set(single) == {"order0000000000"}:  # fast_bitrix24 1.8 keys even a single call by its __order tag
        single = single["order0000000000"]
    with served.client() as ours:
        assert single == ours.call("crm.contact.get", {"id": 2}).result
    added = fb.call("crm.lead.add", [{"fields": {"TITLE": f"peer {i}"}} for i in range(3)])
    assert len(added) == 3 and all(isinstance(x, int) for x in added)
    assert [served.records("lead", ID=i)[0]["TITLE"] for i in added] == ["peer 0", "peer 1", "peer 2"]


def test_call_batch(served: Emulator, fb) -> None:
    result = fb.call_batch({"halt": 0, "cmd": {"deal": "crm.deal.get?id=5", "user": "user.current"}})
    with served.client() as ours:
        mine = ours.batch({"deal": ("crm.deal.get", {"id": 5}), "user": ("user.current", {})})
    assert result["deal"] == mine.results["deal"] and result["user"]["ID"] == "1"
