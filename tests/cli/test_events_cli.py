"""`b24 events worker --once` and `b24 events serve` argument handling."""

from __future__ import annotations

from b24_tools import B24Client, OAuthAuth
from b24_tools.cli import _common as _cli_common


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


def test_events_serve_runs_the_receiver_on_a_port(tmp_path):
    """`b24 events serve` in a subprocess: a signed event is queued, a forged one gets 401."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx
    import pytest

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "B24_APPLICATION_TOKEN": "serve-token-123456",
        "B24_EVENTS_DB": str(tmp_path / "q.sqlite"),
        "B24_RUNTIME_DIR": str(tmp_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "b24_tools.cli", "events", "serve", "--no-client", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/healthz", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("receiver did not start: " + proc.stderr.read().decode()[-500:])
                time.sleep(0.1)
        ok = httpx.post(
            base + "/events",
            data={
                "event": "ONCRMDEALUPDATE",
                "data[FIELDS][ID]": "662",
                "ts": "1724140800",
                "auth[application_token]": "serve-token-123456",
            },
        )
        bad = httpx.post(
            base + "/events", data={"event": "ONCRMDEALUPDATE", "auth[application_token]": "nope"}
        )
        assert (ok.status_code, ok.json()["status"]) == (200, "queued")
        assert bad.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    from b24_tools.events import EventQueue

    [row] = EventQueue(tmp_path / "q.sqlite").rows()
    assert row["event"] == "ONCRMDEALUPDATE" and row["payload"]["data"] == {"FIELDS": {"ID": "662"}}


def test_worker_local_retries_receiver_events_whose_handler_failed(b24):
    from b24_tools.events import EventQueue

    queue = EventQueue(b24.state / "events.sqlite")
    lead_id = b24.emu.client().call("crm.lead.add", {"fields": {"TITLE": "Queued while down"}}).result
    queue.put("ONCRMLEADADD", {"FIELDS": {"ID": str(lead_id)}}, ts="1")
    r = b24("events", "worker", "--local", "--json")
    assert r.code == 0, r.stderr
    assert r.json["handled"] == 1 and r.json["queue"]["done"] == 1
    with b24.approvals() as approvals:
        [plan] = approvals.list_pending(method="tasks.task.add")
        assert plan.params["fields"]["UF_CRM_TASK"] == [f"L_{lead_id}"]
        kinds = [e["event"] for e in approvals.audit.events()]
    assert "plan" in kinds


def test_worker_once_on_the_emulator_runs_as_its_local_oauth_app(tmp_path, monkeypatch):
    """`b24 events worker --once --emulator` used the emulator's webhook and failed with WRONG_AUTH_TYPE;
    `--emulator` now calls as the emulator's local application, so offline events are fetched and cleared."""
    import json

    from typer.testing import CliRunner

    from b24_tools import Emulator
    from b24_tools.cli import app

    monkeypatch.setattr(_cli_common, "client_factory", None)
    monkeypatch.chdir(tmp_path)
    env = {"B24_RUNTIME_DIR": str(tmp_path / ".runtime"), "B24_RATE_LIMITER": "off"}
    args = ["events", "worker", "--once", "--emulator", "--json"]
    first = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["fetched"] == 0

    emu = Emulator(tmp_path / ".runtime" / "emulator.sqlite")
    token = emu.oauth.issue_tokens(_cli_common.EMULATOR_APP)["access_token"]
    with B24Client(emu.base_url, auth=OAuthAuth(token), transport=emu.transport()) as as_app:
        as_app.call("event.bind", {"event": "ONCRMLEADADD", "event_type": "offline"})
    with emu.client() as hook:
        hook.call("crm.lead.add", {"fields": {"TITLE": "Offline"}})

    second = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout.strip().splitlines()[-1])
    assert report["fetched"] == 1 and len(report["cleared"]) == 1 and report["errored"] == []
