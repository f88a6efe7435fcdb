"""Serving the emulator beyond loopback: a warning, a random webhook code, and a bearer token on `/_emulator/*`."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from b24_tools.emulator import Emulator, EmulatorConfig
from b24_tools.emulator._server import DEFAULT_WEBHOOK_CODE, prepare_remote


@pytest.fixture
def guarded():
    with Emulator(config=EmulatorConfig(admin_token="admin-token-xyz-123")) as emu:
        yield emu


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/_emulator/faults", None),
        ("POST", "/_emulator/faults", {"method": "*", "kind": "500", "times": 100}),
        ("DELETE", "/_emulator/faults", None),
        ("GET", "/_emulator/stats", None),
        ("POST", "/_emulator/clock/advance", {"seconds": 3600}),
        ("POST", "/_emulator/moved", {"location": "http://127.0.0.1:1"}),
        ("POST", "/_emulator/limits", {"rate": 0.001, "burst": 1}),
        ("POST", "/_emulator/tokens/expire", None),
        ("POST", "/_emulator/seed", {"leads": 5}),
        ("POST", "/_emulator/oauth/apps", {}),
    ],
)
def test_admin_endpoints_refuse_requests_without_the_token_and_change_nothing(guarded, method, path, body):
    with guarded.http() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "admin-token-xyz-123"}):
            r = http.request(method, path, json=body, headers=headers)
            assert r.status_code == 401 and r.json()["error"] == "ADMIN_TOKEN_REQUIRED"
        assert len(guarded.faults) == 0 and guarded.count("lead") == 0 and guarded.portal.moved_to is None
        with guarded.client() as client:
            assert client.call("crm.lead.list").result == []  # the portal itself still answers


def test_admin_endpoints_answer_with_the_bearer_token(guarded):
    with guarded.http() as http:
        r = http.post(
            "/_emulator/faults",
            json={"method": "crm.lead.add", "kind": "500"},
            headers={"Authorization": "Bearer admin-token-xyz-123"},
        )
        assert r.status_code == 200 and len(guarded.faults) == 1


def test_loopback_serving_needs_no_admin_token():
    with Emulator() as emu, emu.http() as http:
        assert http.get("/_emulator/stats").status_code == 200


def test_prepare_remote_changes_nothing_on_loopback_and_hardens_anything_else():
    cfg = EmulatorConfig()
    assert prepare_remote(cfg, "127.0.0.1") is None
    assert cfg.webhook_code == DEFAULT_WEBHOOK_CODE and cfg.admin_token is None
    warning = prepare_remote(cfg, "0.0.0.0")
    assert warning and "no real security" in warning
    assert cfg.webhook_code != DEFAULT_WEBHOOK_CODE and len(cfg.webhook_code) >= 20
    assert cfg.admin_token and len(cfg.admin_token) >= 24
    other = EmulatorConfig()
    prepare_remote(other, "192.168.1.5")
    assert other.webhook_code != cfg.webhook_code and other.admin_token != cfg.admin_token
    mine = EmulatorConfig(webhook_code="chosen-code", admin_token="chosen-admin")
    prepare_remote(mine, "0.0.0.0")
    assert mine.webhook_code == "chosen-code" and mine.admin_token == "chosen-admin"


@pytest.fixture
def captured(monkeypatch):
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.delenv("B24_EMULATOR_ADMIN_TOKEN", raising=False)
    return seen


def test_cli_allow_remote_warns_and_uses_a_random_code_and_an_admin_token(captured):
    from b24_tools.cli import app

    result = CliRunner().invoke(
        app, ["emulator", "serve", "--host", "0.0.0.0", "--allow-remote", "--port", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "warning: the emulator is listening on 0.0.0.0" in result.output
    assert DEFAULT_WEBHOOK_CODE not in result.output
    assert "Admin token (Authorization: Bearer …): " in result.output
    token = result.output.split("Admin token (Authorization: Bearer …): ")[1].split()[0]
    assert captured["host"] == "0.0.0.0" and captured["proxy_headers"] is False
    transport = httpx.ASGITransport(app=captured["app"])

    async def probe() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://emu") as http:
            anon = (await http.get("/_emulator/stats")).status_code
            auth = (
                await http.get("/_emulator/stats", headers={"Authorization": f"Bearer {token}"})
            ).status_code
            return anon, auth

    import asyncio

    assert asyncio.run(probe()) == (401, 200)


def test_cli_on_loopback_keeps_the_documented_code_and_no_warning(captured):
    from b24_tools.cli import app

    result = CliRunner().invoke(app, ["emulator", "serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert f"/rest/1/{DEFAULT_WEBHOOK_CODE}/" in result.output
    assert "warning" not in result.output and "Admin token" not in result.output


def test_python_serve_beyond_loopback_warns_and_hardens(monkeypatch):
    from contextlib import contextmanager

    from b24_tools.emulator import _server

    @contextmanager
    def fake_serve(app, **kw):  # no socket beyond loopback in tests: record what would be served
        yield f"http://{kw['host']}:1"

    monkeypatch.setattr(_server, "serve_in_thread", fake_serve)
    with Emulator() as emu:
        with (
            pytest.warns(UserWarning, match="no real security"),
            emu.serve(host="0.0.0.0", allow_remote=True),
        ):
            assert emu.config.admin_token and DEFAULT_WEBHOOK_CODE not in emu.webhook_url
