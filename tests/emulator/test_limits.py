"""Limits — settings/performance/limits.md (leaky bucket 503, operating time 429, outer batch not counted) and the
cost model from settings/performance/huge-data.md. Counts only; no timing thresholds."""

from __future__ import annotations

import httpx

from b24_tools.emulator import Emulator, EmulatorConfig


def _client(emu: Emulator) -> httpx.Client:
    return httpx.Client(transport=emu.transport(), base_url=emu.webhook_url)


def test_leaky_bucket_refuses_beyond_burst_with_503() -> None:
    with Emulator(config=EmulatorConfig(rate=1e-9, burst=5)) as emu, _client(emu) as h:
        statuses = [h.post("server.time").status_code for _ in range(8)]
        last = h.post("server.time").json()
    assert statuses == [200] * 5 + [503] * 3
    assert last == {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
    assert emu.stats.throttled == 4 and emu.stats.requests == 9


def test_bucket_drains_with_time() -> None:
    with Emulator(config=EmulatorConfig(rate=2, burst=2)) as emu, _client(emu) as h:
        assert [h.post("server.time").status_code for _ in range(3)][-1] == 503
        emu.clock.advance(1.0)  # two requests drained
        assert [h.post("server.time").status_code for _ in range(2)] == [200, 200]


def test_operating_limit_blocks_the_next_call_of_that_method_only() -> None:
    with Emulator(config=EmulatorConfig(operating_limit=0.0)) as emu, _client(emu) as h:
        first = h.post("crm.lead.list")
        assert first.status_code == 200 and first.json()["time"]["operating"] > 0
        blocked = h.post("crm.lead.list")
        assert blocked.status_code == 429 and blocked.json()["error"] == "OPERATION_TIME_LIMIT"
        assert h.post("crm.deal.list").status_code == 200  # other methods unaffected
        other = emu.add_webhook("second-hook")
        with httpx.Client(transport=emu.transport(), base_url=other) as h2:
            assert h2.post("crm.lead.list").status_code == 200  # other webhooks unaffected
        emu.clock.advance(601)  # the basket leaves the ten-minute window
        assert h.post("crm.lead.list").status_code == 200
    assert emu.stats.operating_blocked == 1


def test_operating_reset_at_is_ten_minutes_after_the_first_call_in_the_basket(emu: Emulator) -> None:
    with _client(emu) as h:
        t = h.post("server.time").json()["time"]
    # the basket opens when the call is counted, somewhere between the answer's start and finish
    assert int(t["start"] + 600) <= t["operating_reset_at"] <= int(t["finish"] + 600)


def test_outer_batch_is_not_counted_but_inner_commands_are() -> None:
    with Emulator(config=EmulatorConfig(operating_limit=0.0)) as emu, _client(emu) as h:
        first = h.post("batch", json={"cmd": {"a": "server.time"}}).json()
        assert first["time"]["operating"] == 0
        second = h.post("batch", json={"cmd": {"a": "server.time", "b": "user.current"}}).json()["result"]
    assert second["result_error"]["a"]["error"] == "OPERATION_TIME_LIMIT"
    assert "b" in second["result"]


def test_counted_list_costs_grow_with_table_size_and_offset_uncounted_stay_cheap() -> None:
    cfg = EmulatorConfig(
        cost_model=True, count_cost_per_row=1.0, offset_cost_per_row=1.0, cost_sleep_scale=0.0
    )
    with Emulator(config=cfg) as emu, _client(emu) as h:
        emu.seed(leads=120, users=1)
        counted = h.post("crm.lead.list", json={"start": 0}).json()["time"]["processing"]
        deeper = h.post("crm.lead.list", json={"start": 100}).json()["time"]["processing"]
        cheap = h.post("crm.lead.list", json={"start": -1, "filter": {">ID": 100}}).json()["time"][
            "processing"
        ]
    assert counted >= 120 and deeper >= 220 and cheap < 1


def test_cost_model_is_off_by_default(emu: Emulator) -> None:
    emu.seed(leads=60, users=1)
    with _client(emu) as h:
        assert h.post("crm.lead.list", json={"start": 0}).json()["time"]["processing"] < 1


def test_reset_limits_clears_operating_time() -> None:
    with Emulator(config=EmulatorConfig(operating_limit=0.0)) as emu, _client(emu) as h:
        h.post("server.time")
        assert h.post("server.time").status_code == 429
        emu.reset_limits()
        assert h.post("server.time").status_code == 200


def test_per_record_latency_counts_as_processing_and_request_latency_as_duration() -> None:
    # lower bounds only: modelled time is always added, never subtracted
    cfg = EmulatorConfig(per_record_latency_ms=1.0, latency_ms=20.0)
    with Emulator(config=cfg) as emu, _client(emu) as h:
        emu.seed(leads=60, users=1)
        t = h.post("crm.lead.list", json={"select": ["ID"]}).json()["time"]
    assert t["processing"] >= 0.05 and t["duration"] >= 0.07 and t["operating"] >= 0.05
