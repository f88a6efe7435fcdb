"""Our client against the emulator in process: paging modes, batch, errors, the lost-answer write."""

from __future__ import annotations

import pytest

from b24_tools import B24Client, B24NotFound, B24UnknownOutcome
from b24_tools.emulator import Emulator


def test_client_pages_fast_and_offset_modes_alike(emulator: Emulator, b24_client: B24Client) -> None:
    fast = [r["ID"] for r in b24_client.iter_list("crm.lead.list", {"select": ["ID"]})]
    offset = [r["ID"] for r in b24_client.iter_list("crm.lead.list", {"select": ["ID"]}, mode="offset")]
    assert fast == offset == [str(i) for i in range(1, 31)]


def test_client_batch_and_not_found(b24_client: B24Client) -> None:
    result = b24_client.batch({"a": ("crm.deal.get", {"id": 1}), "b": ("crm.deal.get", {"id": 999})})
    assert result.results["a"]["ID"] == "1" and "b" in result.errors
    with pytest.raises(B24NotFound):
        b24_client.call("crm.deal.get", {"id": 999})


def test_client_response_time_block(b24_client: B24Client) -> None:
    response = b24_client.call("crm.lead.list", {"select": ["ID"]})
    assert response.total == 30 and response.next is None and response.time.operating_reset_at


def test_lost_answer_on_a_write_is_an_unknown_outcome_and_the_write_happened(
    emulator: Emulator, b24_client: B24Client
) -> None:
    before = emulator.count("lead")
    emulator.faults.add("crm.lead.add", "drop_after_commit")
    with pytest.raises(B24UnknownOutcome):
        b24_client.call("crm.lead.add", {"fields": {"TITLE": "maybe", "ORIGIN_ID": "ext-1"}})
    assert emulator.count("lead", ORIGIN_ID="ext-1") == 1 and emulator.count("lead") == before + 1


async def test_async_client_reads(b24_aclient) -> None:
    rows = [r async for r in b24_aclient.iter_list("crm.deal.list", {"select": ["ID"]})]
    assert len(rows) == 12
    assert (await b24_aclient.call("user.current")).result["ID"] == "1"
