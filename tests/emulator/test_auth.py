"""Authentication — settings/how-to-call-rest-api/authorization.md, settings/oauth/auto-renewal.md,
settings/oauth/error-codes.md, _includes/system-errors.md, api-reference/events/index.md (application context)."""

from __future__ import annotations

import httpx
import pytest

from b24_tools.emulator import Emulator, EmulatorConfig


@pytest.fixture
def app_tokens(emu: Emulator) -> tuple[str, str, dict]:
    client_id, secret = emu.oauth.register_app(scopes={"crm", "user"})
    return client_id, secret, emu.oauth.issue_tokens(client_id)


def test_token_answer_has_the_documented_fields(app_tokens: tuple[str, str, dict]) -> None:
    tokens = app_tokens[2]
    assert {"access_token", "refresh_token", "expires", "expires_in", "member_id", "client_endpoint",
            "server_endpoint", "scope", "status", "user_id", "domain"} <= set(tokens)  # fmt: skip
    assert tokens["expires_in"] == 3600 and tokens["scope"] == "crm,user"


def test_oauth_call_with_auth_in_query_or_body(emu: Emulator, app_tokens: tuple[str, str, dict]) -> None:
    token = app_tokens[2]["access_token"]
    with emu.http() as h:
        assert h.get("/rest/user.current.json", params={"auth": token}).json()["result"]["ID"] == "1"
        assert h.post("/rest/crm.lead.list", json={"auth": token}).status_code == 200
        r = h.post("/rest/tasks.task.list", json={"auth": token})
    assert r.status_code == 403 and r.json()["error"] == "insufficient_scope"


def test_unknown_token_answers_no_auth_found(emu: Emulator) -> None:
    with emu.http() as h:
        r = h.post("/rest/user.current", json={"auth": "not-a-token"})
    assert r.status_code == 401 and r.json()["error"] == "NO_AUTH_FOUND"


def test_access_token_expires_after_the_ttl(emu: Emulator, app_tokens: tuple[str, str, dict]) -> None:
    token = app_tokens[2]["access_token"]
    emu.clock.advance(3601)
    with emu.http() as h:
        r = h.post("/rest/user.current", json={"auth": token})
    assert r.status_code == 401 and r.json() == {
        "error": "expired_token", "error_description": "The access token provided has expired"}  # fmt: skip


def test_refresh_rotates_and_a_reused_refresh_token_is_refused(
    emu: Emulator, app_tokens: tuple[str, str, dict]
) -> None:
    client_id, secret, tokens = app_tokens
    params = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret,
              "refresh_token": tokens["refresh_token"]}  # fmt: skip
    with emu.http() as h:
        fresh = h.get("/oauth/token/", params=params)
        assert fresh.status_code == 200
        new = fresh.json()
        assert (
            new["refresh_token"] != tokens["refresh_token"] and new["access_token"] != tokens["access_token"]
        )
        assert h.post("/rest/user.current", json={"auth": new["access_token"]}).status_code == 200
        assert h.post("/rest/user.current", json={"auth": tokens["access_token"]}).status_code == 401
        reused = h.get("/oauth/token/", params=params)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_token_endpoint_refuses_a_wrong_client_secret(
    emu: Emulator, app_tokens: tuple[str, str, dict]
) -> None:
    client_id, _, tokens = app_tokens
    with emu.http() as h:
        r = h.post("/oauth/token/", data={"grant_type": "refresh_token", "client_id": client_id,
                                          "client_secret": "wrong", "refresh_token": tokens["refresh_token"]})  # fmt: skip
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_authorization_code_grant(emu: Emulator) -> None:
    client_id, secret = emu.oauth.register_app()
    code = emu.oauth.authorize_code(client_id)
    with emu.http() as h:
        params = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": secret,
            "code": code,
        }
        assert h.get("/oauth/token/", params=params).status_code == 200
        assert (
            h.get("/oauth/token/", params=params).json()["error"] == "invalid_grant"
        )  # codes are single-use


def test_app_context_methods_refuse_webhooks(http: httpx.Client) -> None:
    for method, params in (("event.bind", {"event": "ONCRMLEADADD", "handler": "http://127.0.0.1:1/h"}),
                           ("event.offline.get", {}), ("app.info", {})):  # fmt: skip
        r = http.post(method, json=params)
        assert r.status_code == 403 and r.json()["error"] == "WRONG_AUTH_TYPE", method


def test_app_info_in_application_context(emu: Emulator, app_tokens: tuple[str, str, dict]) -> None:
    with emu.http() as h:
        info = h.post("/rest/app.info", json={"auth": app_tokens[2]["access_token"]}).json()["result"]
    assert info["INSTALLED"] is True and info["STATUS"] == "L"


def test_webhook_scopes_limit_methods(emu: Emulator) -> None:
    url = emu.add_webhook("crm-only-code", scopes={"crm"})
    with emu.http(base_url=url) as h:
        r = h.post("tasks.task.list")
        assert r.status_code == 403 and r.json()["error"] == "insufficient_scope"
        assert h.post("crm.deal.list").status_code == 200
        assert h.post("method.get", json={"name": "tasks.task.list"}).json()["result"] == {
            "isExisting": True, "isAvailable": False}  # fmt: skip
        assert h.post("scope").json()["result"] == ["crm"]


def test_configured_scopes_apply_to_the_default_webhook() -> None:
    with Emulator(config=EmulatorConfig(scopes={"task"})) as emu, emu.http(base_url=emu.webhook_url) as h:
        assert h.post("crm.lead.list").json()["error"] == "insufficient_scope"
        assert h.post("tasks.task.list").status_code == 200
