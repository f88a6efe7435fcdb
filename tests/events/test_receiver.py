from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from b24_tools import B24ConfigError
from b24_tools.events import EventQueue, HandlerContext, HandlerRegistry, JsonlAudit, create_receiver_app

TOKEN = "app-token-5185abcdef"
# Form body as Bitrix24 sends it (local-integrations/local-webhooks.md, api-reference/events/index.md)
FORM = (
    "event=ONCRMLEADADD&event_handler_id=185&data%5BFIELDS%5D%5BID%5D=7405&ts=1766047124"
    "&auth%5Bdomain%5D=portal.example&auth%5Bmember_id%5D=d897&auth%5Bapplication_token%5D={tok}"
)


def _app(tmp_path, registry=None, **kw):
    q = EventQueue(tmp_path / "events.sqlite")
    audit = JsonlAudit(tmp_path / "events_audit.jsonl")
    reg = registry or HandlerRegistry()
    app = create_receiver_app(application_token=TOKEN, queue=q, registry=reg, audit=audit, **kw)
    return TestClient(app), q, audit, reg


def _post(client, token=TOKEN, body=None):
    return client.post(
        "/events",
        content=body if body is not None else FORM.format(tok=token),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def test_a_form_encoded_event_with_the_right_token_is_queued_and_handled(tmp_path):
    reg = HandlerRegistry()
    seen = []
    reg.on("ONCRMLEADADD")(lambda ev, ctx: seen.append(ev.data["FIELDS"]["ID"]))
    client, q, audit, _ = _app(tmp_path, registry=reg)
    r = _post(client)
    assert r.status_code == 200
    assert r.json()["status"] == "queued"
    assert seen == ["7405"]
    assert q.counts()["done"] == 1


def test_a_wrong_application_token_gets_401_and_leaves_only_an_audit_line(tmp_path):
    client, q, audit, _ = _app(tmp_path)
    r = _post(client, token="forged-token-000")
    assert r.status_code == 401
    assert q.rows() == []
    [line] = audit.rows()
    assert line["kind"] == "event_rejected"
    assert "forged-token-000" not in (tmp_path / "events_audit.jsonl").read_text()
    assert TOKEN not in (tmp_path / "events_audit.jsonl").read_text()


def test_a_missing_token_is_refused_too(tmp_path):
    client, q, audit, _ = _app(tmp_path)
    r = _post(client, body="event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=1")
    assert r.status_code == 401
    assert q.rows() == []


def test_a_json_body_is_accepted(tmp_path):
    client, q, _, _ = _app(tmp_path, run_handlers=False)
    r = client.post(
        "/events",
        json={
            "event": "ONTASKADD",
            "data": {"FIELDS_AFTER": {"ID": 5}},
            "ts": "9",
            "auth": {"application_token": TOKEN},
        },
    )
    assert r.status_code == 200
    assert q.rows()[0]["event"] == "ONTASKADD"


def test_a_redelivered_event_is_recorded_once_and_handled_once(tmp_path):
    reg = HandlerRegistry()
    calls = []
    reg.on("*")(lambda ev, ctx: calls.append(ev.id))
    client, q, _, _ = _app(tmp_path, registry=reg)
    assert _post(client).json()["status"] == "queued"
    assert _post(client).json()["status"] == "duplicate"
    assert len(calls) == 1
    assert q.counts()["duplicates"] == 1


def test_a_failing_handler_keeps_the_event_for_a_retry(tmp_path):
    reg = HandlerRegistry()

    @reg.on("ONCRMLEADADD")
    def broken(ev, ctx):
        raise RuntimeError("downstream is down")

    client, q, audit, _ = _app(tmp_path, registry=reg)
    assert _post(client).status_code == 200
    [row] = q.rows()
    assert row["status"] == "pending"
    assert row["attempts"] == 1
    assert any(x["kind"] == "event_failed" for x in audit.rows())


def test_unparseable_bodies_are_refused_without_queueing(tmp_path):
    client, q, _, _ = _app(tmp_path)
    r = client.post("/events", content=b"[1,2]", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert q.rows() == []


def test_the_receiver_refuses_to_start_without_a_token(tmp_path):
    with pytest.raises(B24ConfigError, match="B24_APPLICATION_TOKEN"):
        create_receiver_app(application_token="", queue=EventQueue())


def test_health_reports_queue_counts(tmp_path):
    client, _, _, _ = _app(tmp_path)
    assert client.get("/healthz").json()["queue"]["pending"] == 0


def test_handler_context_reaches_handlers(tmp_path):
    reg = HandlerRegistry()
    got = []
    reg.on("ONCRMLEADADD")(lambda ev, ctx: got.append(ctx.auth_connector))
    q = EventQueue()
    app = create_receiver_app(
        application_token=TOKEN, queue=q, registry=reg, context=HandlerContext(auth_connector="b24tools")
    )
    _post(TestClient(app))
    assert got == ["b24tools"]


def test_events_left_pending_are_retried_when_the_receiver_starts(tmp_path):
    q = EventQueue(tmp_path / "events.sqlite")
    q.put("ONCRMLEADADD", {"FIELDS": {"ID": "9"}}, ts="1")
    reg = HandlerRegistry()
    seen = []
    reg.on("ONCRMLEADADD")(lambda ev, ctx: seen.append(ev.data["FIELDS"]["ID"]))
    app = create_receiver_app(application_token=TOKEN, queue=q, registry=reg)
    with TestClient(app):  # runs the lifespan
        pass
    assert seen == ["9"] and q.counts()["done"] == 1


def test_oversized_bodies_are_refused_unread(tmp_path):
    client, q, audit, _ = _app(tmp_path)
    r = client.post(
        "/events", content=b"x" * 1_000_001, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413
    assert q.rows() == [] and audit.rows()[0]["reason"] == "body too large"
