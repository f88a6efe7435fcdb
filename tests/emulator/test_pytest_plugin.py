"""The pytest plugin's fixtures, as other test suites use them."""

from __future__ import annotations

from b24_tools.emulator import Emulator


def test_emulator_fixture_is_seeded_and_has_no_bucket(emulator: Emulator) -> None:
    assert emulator.count("lead") == 30 and emulator.count("deal") == 12 and emulator.count("task") == 6
    assert emulator.config.rate is None


def test_each_test_gets_a_fresh_emulator(emulator: Emulator) -> None:
    with emulator.http(base_url=emulator.webhook_url) as h:
        h.post("crm.lead.add", json={"fields": {"TITLE": "only here"}})
    assert emulator.count("lead") == 31


def test_each_test_gets_a_fresh_emulator_again(emulator: Emulator) -> None:
    assert emulator.count("lead") == 30


def test_b24_client_fixture_talks_to_the_emulator(emulator: Emulator, b24_client) -> None:
    assert b24_client.call("user.current").result["ID"] == "1"
    assert emulator.stats.requests == 1


async def test_b24_aclient_fixture(b24_aclient) -> None:
    assert (await b24_aclient.call("crm.lead.list", {"select": ["ID"]})).total == 30
