"""B24Settings: the reference tool's env names, B24_WEBHOOK_URL, loopback-only http, one error for bad combos."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from b24_tools import B24Client, B24ConfigError, B24Settings
from b24_tools._settings import is_loopback_host, normalize_portal_url, split_webhook_url
from b24_tools.client._auth import OAuthAuth, WebhookAuth
from b24_tools.client.ratelimit import FileRateLimiter, MemoryRateLimiter, NoopRateLimiter

ROOT = Path(__file__).resolve().parents[1]
ENV_LINE = re.compile(r"^#?\s*(B24_[A-Z0-9_]+)=(.*)$")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("B24_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def _example() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        m = ENV_LINE.match(line.strip())
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(2)
    return out


def test_env_example_lists_exactly_the_settings_fields() -> None:
    fields = {f"B24_{name.upper()}" for name in B24Settings.model_fields}
    assert set(_example()) == fields


def test_env_example_defaults_are_the_real_defaults(tmp_path: Path) -> None:
    skip = {
        "B24_WEBHOOK_URL",
        "B24_DOMAIN",
        "B24_WEBHOOK_USER_ID",
        "B24_WEBHOOK_CODE",
        "B24_DATABASE_URL",
        "B24_MODEL",
    }  # examples, not defaults
    defaults = B24Settings(_env_file=None)
    for var, value in _example().items():
        if var in skip or value == "":
            continue
        field = var[4:].lower()
        loaded = B24Settings(_env_file=None, **{field: value})
        assert getattr(loaded, field) == getattr(defaults, field), var


def test_reference_env_names_configure_a_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24_DOMAIN", "acme.bitrix24.com")
    monkeypatch.setenv("B24_AUTH_MODE", "webhook")
    monkeypatch.setenv("B24_WEBHOOK_USER_ID", "12")
    monkeypatch.setenv("B24_WEBHOOK_CODE", "abcdef123456")
    monkeypatch.setenv("B24_PACKS", "core,comms")
    monkeypatch.setenv("B24_REQUIRE_PLAN", "1")
    monkeypatch.setenv("B24_RATE_LIMITER", "memory")
    monkeypatch.setenv("B24_RATE_LIMITER_RATE", "1.5")
    monkeypatch.setenv("B24_RATE_LIMITER_BURST", "20")
    s = B24Settings().require_portal()
    assert s.domain == "https://acme.bitrix24.com" and s.webhook_user_id == 12
    assert s.pack_list() == ["core", "comms"] and s.require_plan is True
    assert s.limiter_rate_burst() == (1.5, 20.0)
    c = B24Client.from_env()
    assert c.portal == "https://acme.bitrix24.com" and c.webhook_user_id == 12
    assert isinstance(c.auth, WebhookAuth) and isinstance(c.limiter, MemoryRateLimiter)
    assert (c.limiter.rate, c.limiter.burst) == (1.5, 20.0)
    c.close()


def test_reference_env_names_configure_oauth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("B24_DOMAIN", "acme.bitrix24.com")
    monkeypatch.setenv("B24_AUTH_MODE", "oauth")
    monkeypatch.setenv("B24_ACCESS_TOKEN", "access-123456")
    monkeypatch.setenv("B24_REFRESH_TOKEN", "refresh-123456")
    monkeypatch.setenv("B24_CLIENT_ID", "app.1")
    monkeypatch.setenv("B24_CLIENT_SECRET", "secret-123456")
    monkeypatch.setenv("B24_RATE_LIMITER", "off")
    monkeypatch.setenv("B24_TOKEN_FILE", str(tmp_path / "t.json"))
    c = B24Client.from_env()
    assert isinstance(c.auth, OAuthAuth) and c.auth.can_refresh and c.webhook_user_id is None
    assert isinstance(c.limiter, NoopRateLimiter)
    assert "secret-123456" not in repr(c) and "access-123456" not in repr(c)
    c.close()


def test_webhook_url_is_split_into_portal_user_and_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/7/k3yk3yk3y/")
    s = B24Settings().require_portal()
    assert (s.domain, s.webhook_user_id, s.webhook_code.get_secret_value()) == (
        "https://acme.bitrix24.com",
        7,
        "k3yk3yk3y",
    )
    assert "k3yk3yk3y" not in repr(s)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.bitrix24.com/rest/1/code/", ("https://acme.bitrix24.com", 1, "code")),
        ("https://acme.bitrix24.com/rest/1/code", ("https://acme.bitrix24.com", 1, "code")),
        ("https://acme.bitrix24.com/rest/1/code/profile.json", ("https://acme.bitrix24.com", 1, "code")),
        ("https://acme.bitrix24.com/rest/api/1/code/", ("https://acme.bitrix24.com", 1, "code")),
        (
            "http://127.0.0.1:8765/rest/1/emulator-secret-code/",
            ("http://127.0.0.1:8765", 1, "emulator-secret-code"),
        ),
    ],
)
def test_split_webhook_url(url: str, expected: tuple) -> None:
    assert split_webhook_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.bitrix24.com/",
        "https://acme.bitrix24.com/rest/x/code/",
        "https://acme.bitrix24.com/rest/1/",
        "ftp://acme/rest/1/c/",
    ],
)
def test_malformed_webhook_urls_say_what_shape_is_expected(url: str) -> None:
    with pytest.raises(B24ConfigError, match="B24_WEBHOOK_URL|http"):
        split_webhook_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3", "app.localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


def test_plain_http_only_for_loopback() -> None:
    assert normalize_portal_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert normalize_portal_url("http://localhost:9000") == "http://localhost:9000"
    assert normalize_portal_url("acme.bitrix24.com") == "https://acme.bitrix24.com"
    with pytest.raises(B24ConfigError, match="plain http"):
        normalize_portal_url("http://acme.bitrix24.com")
    with pytest.raises(B24ConfigError):
        B24Client.from_webhook("http://acme.bitrix24.com/rest/1/code123/")


def test_plain_http_webhook_url_for_a_remote_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("B24_WEBHOOK_URL", "http://acme.bitrix24.com/rest/1/code123/")
    with pytest.raises((B24ConfigError, ValidationError), match="plain http"):
        B24Settings()


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, ["B24_WEBHOOK_URL", "B24_DOMAIN", "B24_WEBHOOK_USER_ID", "B24_WEBHOOK_CODE"]),
        ({"B24_DOMAIN": "acme.bitrix24.com"}, ["B24_WEBHOOK_USER_ID", "B24_WEBHOOK_CODE"]),
        ({"B24_AUTH_MODE": "oauth", "B24_DOMAIN": "acme.bitrix24.com"}, ["B24_ACCESS_TOKEN"]),
        (
            {
                "B24_AUTH_MODE": "oauth",
                "B24_DOMAIN": "a.bitrix24.com",
                "B24_ACCESS_TOKEN": "x",
                "B24_REFRESH_TOKEN": "y",
            },
            ["B24_CLIENT_ID", "B24_CLIENT_SECRET"],
        ),
    ],
)
def test_wrong_combinations_fail_once_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch, env: dict, names: list[str]
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(B24ConfigError) as info:
        B24Client.from_env()
    for name in names:
        assert name in str(info.value)


def test_from_env_reads_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "B24_WEBHOOK_URL=http://127.0.0.1:8765/rest/3/dotenv-code-1/\nB24_RATE_LIMITER=off\n"
    )
    c = B24Client.from_env()
    assert c.portal == "http://127.0.0.1:8765" and c.webhook_user_id == 3
    c.close()


def test_default_limiter_from_settings_is_the_file_limiter_under_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/1/code123/")
    c = B24Client.from_env()
    assert isinstance(c.limiter, FileRateLimiter)
    assert c.limiter.path == Path(".runtime/bitrix24_rate_limiter.sqlite")
    assert (c.limiter.rate, c.limiter.burst) == B24Settings().limiter_rate_burst()
    c.close()


def test_explicit_keywords_override_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/1/code123/")
    limiter = NoopRateLimiter()
    c = B24Client.from_env(limiter=limiter, max_retries=0)
    assert c.limiter is limiter and c._cfg.max_retries == 0
    c.close()


def test_enterprise_preset() -> None:
    rate, burst = B24Settings(_env_file=None, rate_limiter_preset="enterprise").limiter_rate_burst()
    assert 4.5 <= rate < 5.0 and 240 <= burst < 250


def test_a_limiter_built_from_settings_is_closed_with_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/1/code123/")
    c = B24Client.from_env()
    c.limiter.acquire("acme.bitrix24.com")
    assert c.limiter._local.conn is not None  # type: ignore[attr-defined]
    c.close()
    assert c.limiter._local.conn is None  # type: ignore[attr-defined]
    shared = NoopRateLimiter()
    c2 = B24Client.from_env(limiter=shared)
    assert not c2._owns_limiter
    c2.close()


async def test_async_client_from_env_closes_its_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    from b24_tools import AsyncB24Client

    monkeypatch.setenv("B24_WEBHOOK_URL", "https://acme.bitrix24.com/rest/1/code123/")
    monkeypatch.setenv("B24_RATE_LIMITER", "memory")
    async with AsyncB24Client.from_env() as ac:
        assert isinstance(ac.limiter, MemoryRateLimiter) and ac._owns_limiter
