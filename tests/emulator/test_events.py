"""Events — api-reference/events/index.md (form-encoded POST, no retries), event-bind.md, event-get.md,
event-unbind.md, offline-events.md (coalesced per object and event, auth_connector), event-offline-*.md."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator


@pytest.fixture
def app(emu: Emulator) -> httpx.Client:
    client_id, _ = emu.oauth.register_app()
    token = emu.oauth.issue_tokens(client_id)["access_token"]
    client = httpx.Client(transport=emu.transport(), base_url=f"{emu.base_url}/rest/", params={"auth": token})
    client.client_id = client_id  # type: ignore[attr-defined]
    return client


def test_bound_handler_gets_a_form_encoded_post_on_lead_add(
    emu: Emulator, app: httpx.Client, http: httpx.Client, receiver
) -> None:
    assert (
        app.post("event.bind", json={"event": "onCrmLeadAdd", "handler": receiver.url}).json()["result"]
        is True
    )
    lead_id = http.post("crm.lead.add", json={"fields": {"TITLE": "e"}}).json()["result"]
    assert emu.events.wait_idle()
    (payload,) = receiver.payloads()
    assert receiver.received[0][2] == "application/x-www-form-urlencoded"
    assert payload["event"] == "ONCRMLEADADD" and payload["data"]["FIELDS"]["ID"] == str(lead_id)
    assert payload["auth"]["application_token"] == emu.oauth.application_token(app.client_id)  # type: ignore[attr-defined]
    assert payload["auth"]["member_id"] and payload["ts"].isdigit() and payload["event_handler_id"]


def test_task_events_carry_fields_after(
    emu: Emulator, app: httpx.Client, http: httpx.Client, receiver
) -> None:
    app.post("event.bind", json={"event": "ONTASKADD", "handler": receiver.url})
    http.post("tasks.task.add", json={"fields": {"TITLE": "t", "RESPONSIBLE_ID": 1}})
    emu.events.wait_idle()
    payload = receiver.payloads()[0]
    assert payload["data"]["FIELDS_AFTER"]["ID"] == "1" and payload["data"]["FIELDS_BEFORE"] == "undefined"


def test_a_failing_handler_is_not_retried(
    emu: Emulator, app: httpx.Client, http: httpx.Client, failing_receiver
) -> None:
    app.post("event.bind", json={"event": "ONCRMDEALUPDATE", "handler": failing_receiver.url})
    deal = http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}).json()["result"]
    http.post("crm.deal.update", json={"id": deal, "fields": {"TITLE": "e"}})
    emu.events.wait_idle()
    assert len(failing_receiver.received) == 1
    assert emu.events.delivered[-1]["status"] == 500


def test_non_loopback_handlers_are_refused(app: httpx.Client) -> None:
    r = app.post("event.bind", json={"event": "ONCRMLEADADD", "handler": "https://example.com/hook"})
    assert r.status_code == 400


def test_event_get_unbind_duplicate_and_unknown_event(app: httpx.Client, receiver) -> None:
    app.post("event.bind", json={"event": "ONCRMLEADADD", "handler": receiver.url})
    dup = app.post("event.bind", json={"event": "ONCRMLEADADD", "handler": receiver.url})
    assert dup.json()["error"] == "ERROR_HANDLER_ALREADY_EXIST"
    assert (
        app.post("event.bind", json={"event": "ONNOTHING", "handler": receiver.url}).json()["error"]
        == "ERROR_EVENT_NOT_FOUND"
    )
    assert app.post("event.get").json()["result"] == [
        {"event": "ONCRMLEADADD", "handler": receiver.url, "auth_type": "0", "offline": 0}]  # fmt: skip
    assert app.post("event.unbind", json={"event": "ONCRMLEADADD", "handler": receiver.url}).json()[
        "result"
    ] == {"count": 1}
    assert app.post("event.get").json()["result"] == []


def test_outgoing_webhook_payload_has_only_portal_auth_fields(
    emu: Emulator, http: httpx.Client, receiver
) -> None:
    emu.events.bind("ONCRMCONTACTADD", receiver.url)  # configured in the portal UI, not by an app
    http.post("crm.contact.add", json={"fields": {"NAME": "x"}})
    emu.events.wait_idle()
    auth = receiver.payloads()[0]["auth"]
    assert set(auth) == {"domain", "client_endpoint", "server_endpoint", "member_id", "application_token"}
    assert auth["application_token"] == emu.events.outgoing_application_token


def test_in_process_delivery_through_a_transport(
    emu: Emulator, app: httpx.Client, http: httpx.Client
) -> None:
    seen: list[bytes] = []
    emu.events.transport = httpx.MockTransport(lambda req: (seen.append(req.content), httpx.Response(200))[1])
    app.post("event.bind", json={"event": "ONCRMLEADDELETE", "handler": "http://127.0.0.1:9/in-process"})
    lead = http.post("crm.lead.add", json={"fields": {"TITLE": "x"}}).json()["result"]
    http.post("crm.lead.delete", json={"id": lead})
    emu.events.wait_idle()
    assert len(seen) == 1 and b"ONCRMLEADDELETE" in seen[0]


# -- offline ---------------------------------------------------------------------------------------------------


def test_offline_queue_coalesces_per_object_and_event(
    emu: Emulator, app: httpx.Client, http: httpx.Client
) -> None:
    app.post("event.bind", json={"event": "ONCRMDEALUPDATE", "event_type": "offline"})
    deal = http.post("crm.deal.add", json={"fields": {"TITLE": "d"}}).json()["result"]
    for i in range(5):
        http.post("crm.deal.update", json={"id": deal, "fields": {"TITLE": f"v{i}"}})
    other = http.post("crm.deal.add", json={"fields": {"TITLE": "o"}}).json()["result"]
    http.post("crm.deal.update", json={"id": other, "fields": {"TITLE": "o2"}})
    events = app.post("event.offline.get").json()["result"]
    assert events["process_id"] is None
    assert [(e["EVENT_NAME"], e["EVENT_DATA"]["FIELDS"]["ID"]) for e in events["events"]] == [
        ("ONCRMDEALUPDATE", deal), ("ONCRMDEALUPDATE", other)]  # fmt: skip
    assert app.post("event.offline.get").json()["result"]["events"] == []  # clear=1 deleted them


def test_auth_connector_keeps_the_writers_own_changes_out(app: httpx.Client, http: httpx.Client) -> None:
    app.post("event.bind", json={"event": "ONCRMDEALADD", "event_type": "offline", "auth_connector": "sync"})
    http.post("crm.deal.add", json={"fields": {"TITLE": "mine"}, "auth_connector": "sync"})
    theirs = http.post("crm.deal.add", json={"fields": {"TITLE": "theirs"}}).json()["result"]
    assert (
        app.post("event.offline.get").json()["result"]["events"] == []
    )  # no connector: only sourceless events
    got = app.post("event.offline.get", json={"auth_connector": "sync"}).json()["result"]["events"]
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in got] == [theirs]


def test_reservation_with_process_id_then_clear_and_error(app: httpx.Client, http: httpx.Client) -> None:
    app.post("event.bind", json={"event": "ONCRMLEADADD", "event_type": "offline"})
    for i in range(3):
        http.post("crm.lead.add", json={"fields": {"TITLE": str(i)}})
    first = app.post("event.offline.get", json={"clear": 0, "limit": 2}).json()["result"]
    pid = first["process_id"]
    assert pid and len(first["events"]) == 2
    rest = app.post("event.offline.get", json={"clear": 0}).json()["result"]
    assert len(rest["events"]) == 1 and rest["process_id"] != pid  # reserved records are hidden from others
    again = app.post("event.offline.get", json={"clear": 0, "process_id": pid}).json()["result"]
    assert [e["ID"] for e in again["events"]] == [e["ID"] for e in first["events"]]
    listed = app.post("event.offline.list").json()
    assert listed["total"] == 3 and {r["PROCESS_ID"] for r in listed["result"]} == {pid, rest["process_id"]}
    msg = first["events"][0]["MESSAGE_ID"]
    assert (
        app.post("event.offline.error", json={"process_id": pid, "message_id": [msg]}).json()["result"]
        is True
    )
    assert app.post("event.offline.clear", json={"process_id": pid}).json()["result"] is True
    errored = app.post("event.offline.get", json={"error": 1}).json()["result"]["events"]
    assert [e["MESSAGE_ID"] for e in errored] == [msg]
    assert app.post("event.offline.list").json()["total"] == 1


def test_onofflineevent_handler_is_notified(
    emu: Emulator, app: httpx.Client, http: httpx.Client, receiver
) -> None:
    app.post("event.bind", json={"event": "ONCRMLEADADD", "event_type": "offline"})
    app.post(
        "event.bind", json={"event": "ONOFFLINEEVENT", "handler": receiver.url, "options": {"minTimeout": 60}}
    )
    http.post("crm.lead.add", json={"fields": {"TITLE": "a"}})
    http.post("crm.lead.add", json={"fields": {"TITLE": "b"}})
    emu.events.wait_idle()
    payloads = receiver.payloads()
    assert len(payloads) == 1 and payloads[0]["event"] == "ONOFFLINEEVENT"  # minTimeout throttles
    assert (
        payloads[0]["auth"]["refresh_token"] and payloads[0]["data"] == ""
    )  # data: [] form-encodes to empty


def test_offline_methods_need_an_administrator(emu: Emulator) -> None:
    client_id, _ = emu.oauth.register_app()
    token = emu.oauth.issue_tokens(client_id, user_id=2)["access_token"]
    emu.seed(users=2)
    with emu.http() as h:
        r = h.post("/rest/event.offline.get", json={"auth": token})
    assert r.status_code == 403 and r.json()["error"] == "ACCESS_DENIED"


def test_app_event_tokens_belong_to_the_user_who_made_the_change(
    emu: Emulator, app: httpx.Client, receiver
) -> None:
    emu.seed(users=3)
    app.post("event.bind", json={"event": "ONCRMLEADADD", "handler": receiver.url})
    other = emu.add_webhook("user-three", user_id=3)
    with httpx.Client(transport=emu.transport(), base_url=other) as h:
        h.post("crm.lead.add", json={"fields": {"TITLE": "by user 3"}})
    emu.events.wait_idle()
    token = receiver.payloads()[0]["auth"]["access_token"]
    assert emu.oauth.find_access(token)["user_id"] == 3
