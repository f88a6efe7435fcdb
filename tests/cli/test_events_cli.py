"""`b24 events worker --once` and `b24 events serve` argument handling."""

from __future__ import annotations

from b24_tools import B24Client, OAuthAuth, _cli_common


def _app_client_factory(emu):
    client_id, _ = emu.oauth.register_app(scopes={"crm", "task", "user"})

    def make(settings, use_emulator):
        token = emu.oauth.issue_tokens(client_id)["access_token"]
        return B24Client(emu.base_url, auth=OAuthAuth(token), transport=emu.transport())

    return make


def test_worker_once_handles_offline_events_and_plans_follow_ups(b24, monkeypatch):
    factory = _app_client_factory(b24.emu)
    monkeypatch.setattr(_cli_common, "client_factory", factory)
    with factory(None, False) as app:
        app.call("event.bind", {"event": "ONCRMLEADADD", "event_type": "offline"})
    hook = b24.emu.client()
    ids = [hook.call("crm.lead.add", {"fields": {"TITLE": f"Offline {i}"}}).result for i in range(2)]
    r = b24("events", "worker", "--once", "--json")
    assert r.code == 0, r.stderr
    assert r.json["fetched"] == 2 and len(r.json["cleared"]) == 2 and r.json["errored"] == []
    with b24.approvals() as approvals:
        pending = approvals.list_pending(method="tasks.task.add")
    assert sorted(p.params["fields"]["UF_CRM_TASK"][0] for p in pending) == sorted(f"L_{i}" for i in ids)
    again = b24("events", "worker", "--once", "--json")
    assert again.json["fetched"] == 0


def test_worker_with_a_webhook_reports_the_auth_error_with_exit_4(b24):
    r = b24("events", "worker", "--once")
    assert r.code == 4
    assert "WRONG_AUTH_TYPE" in r.stderr or "ACCESS_DENIED" in r.stderr


def test_worker_refuses_an_unknown_handler_module(b24):
    r = b24("events", "worker", "--once", "--handlers", "no_such_module_xyz")
    assert r.code == 2 and "cannot import handler module" in r.stderr


def test_serve_refuses_to_start_without_an_application_token(b24, monkeypatch):
    monkeypatch.delenv("B24_APPLICATION_TOKEN", raising=False)
    r = b24("events", "serve", "--no-client")
    assert r.code == 2 and "B24_APPLICATION_TOKEN" in r.stderr
