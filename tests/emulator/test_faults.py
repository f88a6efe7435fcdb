"""Faults switchable at run time: errors, 500s, rate-limit storms, slow answers, dropped connections."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


def test_error_fault_answers_the_given_code_once(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("crm.lead.add", "error", code="ERROR_CORE", description="boom", status=400)
    r = http.post("crm.lead.add", json={"fields": {"TITLE": "x"}})
    assert r.status_code == 400 and r.json() == {"error": "ERROR_CORE", "error_description": "boom"}
    assert emu.count("lead") == 0  # the method did not run
    assert http.post("crm.lead.add", json={"fields": {"TITLE": "x"}}).status_code == 200
    assert len(emu.faults) == 0


def test_500_fault_and_method_patterns(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("crm.deal.*", "500", times=2)
    assert http.post("crm.deal.list").status_code == 500
    assert http.post("crm.lead.list").status_code == 200
    assert http.post("crm.deal.get", json={"id": 1}).json()["error"] == "INTERNAL_SERVER_ERROR"
    assert http.post("crm.deal.list").status_code == 200


def test_rate_limit_storm_then_recovery(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.storm(times=3)
    assert [http.post("server.time").status_code for _ in range(4)] == [503, 503, 503, 200]
    assert emu.stats.throttled == 3


def test_error_rate_is_deterministic_per_seed(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.error_rate("server.time", 0.5, code="OVERLOAD_LIMIT", status=503)
    outcomes = [http.post("server.time").status_code for _ in range(40)]
    assert 0 < outcomes.count(503) < 40
    emu.faults.clear()
    assert http.post("server.time").status_code == 200


def test_slow_fault_still_answers(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("server.time", "slow", delay_ms=1)
    assert http.post("server.time").status_code == 200 and len(emu.faults) == 0


def test_drop_after_commit_writes_but_the_sync_client_sees_a_dropped_connection(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.faults.add("crm.lead.add", "drop_after_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("crm.lead.add", json={"fields": {"TITLE": "committed"}})
    assert emu.count("lead") == 1 and emu.records("lead")[0]["TITLE"] == "committed"
    assert emu.stats.dropped == 1


async def test_drop_after_commit_with_the_async_transport(emu: Emulator) -> None:
    emu.faults.add("crm.deal.add", "drop_after_commit")
    async with httpx.AsyncClient(transport=emu.async_transport(), base_url=emu.webhook_url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("crm.deal.add", json={"fields": {"TITLE": "a"}})
    assert emu.count("deal") == 1


def test_drop_without_commit(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("crm.lead.add", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("crm.lead.add", json={"fields": {"TITLE": "lost"}})
    assert emu.count("lead") == 0


def test_drop_after_commit_inside_a_batch_drops_the_whole_answer(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("crm.lead.add", "drop_after_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(
            "batch", json={"cmd": {"a": "crm.lead.add?fields[TITLE]=1", "b": "crm.lead.add?fields[TITLE]=2"}}
        )
    assert emu.count("lead") == 2


def test_error_fault_inside_a_batch_lands_in_result_error(emu: Emulator, http: httpx.Client) -> None:
    emu.faults.add("crm.lead.get", "error", code="ACCESS_DENIED", status=403)
    body = http.post("batch", json={"cmd": {"a": "crm.lead.get?id=1", "b": "server.time"}}).json()["result"]
    assert body["result_error"]["a"]["error"] == "ACCESS_DENIED" and "b" in body["result"]


def test_admin_endpoint_adds_lists_and_clears_faults(emu: Emulator) -> None:
    with emu.http() as admin, emu.http(base_url=emu.webhook_url) as h:
        added = admin.post(
            "/_emulator/faults", json={"method": "server.time", "kind": "500", "times": 1}
        ).json()
        assert added["kind"] == "500"
        assert [f["method"] for f in admin.get("/_emulator/faults").json()] == ["server.time"]
        assert h.post("server.time").status_code == 500
        admin.post("/_emulator/faults", json={"method": "*", "kind": "rate_limit", "times": None})
        assert h.post("user.current").status_code == 503
        assert admin.delete("/_emulator/faults").json() == {"result": True}
        assert h.post("user.current").status_code == 200
        stats = admin.get("/_emulator/stats").json()
        assert stats["requests"] == 3 and stats["throttled"] == 1
        bad = admin.post("/_emulator/faults", json={"kind": "meteor"})
        assert bad.status_code == 400


def test_admin_endpoint_moves_the_portal_and_advances_the_clock(emu: Emulator) -> None:
    with emu.http() as admin, emu.http(base_url=emu.webhook_url) as h:
        admin.post("/_emulator/moved", json={"location": "http://127.0.0.1:1"})
        assert h.post("server.time").status_code == 302
        admin.post("/_emulator/moved", json={"location": ""})
        before = emu.clock.now()
        admin.post("/_emulator/clock/advance", json={"seconds": 100})
        assert emu.clock.now() - before >= 100
        limits = admin.post("/_emulator/limits", json={"rate": 1e-9, "burst": 1}).json()
        assert limits["burst"] == 1
        assert [h.post("server.time").status_code for _ in range(2)] == [200, 503]


def test_unknown_fault_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.faults.add("x", "meteor")


def test_admin_endpoint_seeds_registers_apps_and_outgoing_hooks(emu: Emulator, receiver) -> None:
    with emu.http() as admin:
        assert admin.post("/_emulator/seed", json={"leads": 7, "users": 2}).json()["leads"] == 7
        app = admin.post("/_emulator/oauth/apps", json={"scopes": ["crm"]}).json()
        r = admin.post("/rest/crm.lead.list", json={"auth": app["tokens"]["access_token"]})
        assert r.json()["total"] == 7
        hook = admin.post(
            "/_emulator/events/outgoing", json={"event": "ONCRMLEADADD", "handler": receiver.url}
        ).json()
        admin.post(f"/rest/1/{emu.config.webhook_code}/crm.lead.add", json={"fields": {"TITLE": "x"}})
        assert (
            admin.post(
                "/_emulator/events/outgoing", json={"event": "X", "handler": "https://example.com"}
            ).status_code
            == 400
        )
    emu.events.wait_idle()
    assert receiver.payloads()[0]["auth"]["application_token"] == hook["application_token"]
