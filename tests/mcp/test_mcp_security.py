"""HTTP transport security: bearer token (401), Origin against DNS rebinding (403), Host on loopback (421),
no non-loopback bind without a token, and a private token file."""

from __future__ import annotations

import stat

import httpx
import pytest
from typer.testing import CliRunner

from b24_tools import B24ConfigError
from b24_tools.cli import app
from b24_tools.mcp import SecurityMiddleware, check_bind
from b24_tools.mcp._security import loopback_origins, write_token_file

TOKEN = "s3cret-token-for-tests-0123456789"


async def _ok_app(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"reached"})


def _client(*, check_host: bool = True, extra: tuple[str, ...] = ()) -> httpx.AsyncClient:
    app_ = SecurityMiddleware(
        _ok_app, token=TOKEN, allowed_origins=loopback_origins(extra), check_host=check_host
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app_), base_url="http://127.0.0.1:8791")


async def test_missing_token_is_401_with_a_bearer_challenge() -> None:
    async with _client() as c:
        r = await c.post("/mcp", json={})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"] == "invalid_token"


async def test_wrong_token_is_401_and_the_answer_holds_no_token() -> None:
    async with _client() as c:
        r = await c.post("/mcp", json={}, headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
        basic = await c.post("/mcp", json={}, headers={"Authorization": "Basic " + TOKEN})
    assert r.status_code == 401 and basic.status_code == 401
    assert TOKEN not in r.text and TOKEN[:-1] not in r.text


async def test_right_token_reaches_the_app() -> None:
    async with _client() as c:
        r = await c.post("/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.text == "reached"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null"])
async def test_a_foreign_origin_is_403_even_with_the_token(origin: str) -> None:
    async with _client() as c:
        r = await c.post("/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}", "Origin": origin})
    assert r.status_code == 403 and r.json()["error"] == "forbidden_origin"


@pytest.mark.parametrize("origin", ["http://localhost:6274", "http://127.0.0.1", "http://[::1]:3000"])
async def test_loopback_origins_pass(origin: str) -> None:
    async with _client() as c:
        r = await c.post("/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}", "Origin": origin})
    assert r.status_code == 200


async def test_a_configured_origin_passes_and_only_that_one() -> None:
    async with _client(extra=("https://console.example.com",)) as c:
        ok = await c.get(
            "/mcp", headers={"Authorization": f"Bearer {TOKEN}", "Origin": "https://console.example.com"}
        )
        bad = await c.get(
            "/mcp", headers={"Authorization": f"Bearer {TOKEN}", "Origin": "https://console.example.co"}
        )
    assert ok.status_code == 200 and bad.status_code == 403


async def test_a_rebound_host_name_is_refused_on_loopback() -> None:
    async with _client() as c:
        r = await c.post(
            "/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}", "Host": "attacker.example:8791"}
        )
    assert r.status_code == 421


def test_non_loopback_bind_without_a_token_is_refused() -> None:
    with pytest.raises(B24ConfigError, match="B24_MCP_TOKEN|bearer token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", TOKEN)
    check_bind("127.0.0.1", None)
    check_bind("::1", "")


def test_cli_refuses_a_non_loopback_bind_without_a_token(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("B24_MCP_TOKEN", raising=False)
    r = CliRunner().invoke(app, ["mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--emulator"])
    assert r.exit_code == 2
    assert "B24_MCP_TOKEN" in r.stderr
    assert not (tmp_path / ".runtime").exists()  # refused before anything was opened


def test_cli_refuses_an_unknown_transport(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["mcp", "serve", "--transport", "sse", "--emulator"])
    assert r.exit_code == 2 and "stdio or http" in r.stderr


def test_the_one_time_token_file_is_private(tmp_path) -> None:
    path = tmp_path / "rt" / "mcp_token"
    token = write_token_file(path)
    assert path.read_text().strip() == token and len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
