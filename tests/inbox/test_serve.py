from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from b24_tools.inbox import _serve, verify_password
from b24_tools.inbox.__main__ import app as inbox_cli


@pytest.fixture
def captured(monkeypatch, tmp_path):
    import uvicorn

    seen: dict = {}

    def fake_run(app, **kwargs):
        seen["app"] = app
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    for name in ("B24_REVIEWER_TOKEN", "B24_REVIEWER_PASSWORD_HASH", "B24_SESSION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return seen


def _serve_app() -> typer.Typer:
    cli = typer.Typer()
    cli.command()(_serve.serve_command)
    return cli


def test_serve_defaults_to_loopback_8790_and_prints_a_one_time_token(captured):
    result = CliRunner().invoke(_serve_app(), [])
    assert result.exit_code == 0, result.output
    assert captured["host"] == "127.0.0.1" and captured["port"] == 8790
    assert "one-time token" in result.output
    cookie = [m for m in captured["app"].user_middleware if m.cls.__name__ == "SchemeAwareSessions"][0]
    assert cookie.kwargs["https_only"] is False  # plain http on loopback


def test_serve_uses_the_configured_token_and_never_prints_it(captured, monkeypatch):
    monkeypatch.setenv("B24_REVIEWER_TOKEN", "configured-token-xyz")
    result = CliRunner().invoke(_serve_app(), ["--port", "9999", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "configured-token-xyz" not in result.output and "one-time token" not in result.output
    assert captured["port"] == 9999
    assert "warning: serving plain http on 0.0.0.0" in result.output
    cookie = [m for m in captured["app"].user_middleware if m.cls.__name__ == "SchemeAwareSessions"][0]
    assert cookie.kwargs["https_only"] is True


def test_serve_passes_tls_files_to_uvicorn(captured, tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    result = CliRunner().invoke(_serve_app(), ["--certfile", str(cert), "--keyfile", str(key)])
    assert result.exit_code == 0, result.output
    assert captured["ssl_certfile"] == str(cert) and captured["ssl_keyfile"] == str(key)


def test_hash_password_command_prints_a_verifiable_hash():
    result = CliRunner().invoke(
        inbox_cli, ["hash-password", "--iterations", "1000"], input="long enough pw\nlong enough pw\n"
    )
    assert result.exit_code == 0, result.output
    encoded = result.output.strip().splitlines()[-1]
    assert encoded.startswith("pbkdf2_sha256$1000$") and verify_password("long enough pw", encoded)


def test_hash_password_command_refuses_short_passwords():
    result = CliRunner().invoke(inbox_cli, ["hash-password"], input="short\nshort\n")
    assert result.exit_code == 2
