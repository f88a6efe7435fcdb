"""Every environment variable of the reference (its .env.example, scripts and README) is honoured or refused with
a message naming what to do — none is silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from reference_helpers import CLIENT

from b24_tools import B24Settings
from b24_tools._errors import B24ConfigError

# The reference's variables (env.example, bitrix24_client.py, README) → this package's setting.
REFERENCE_VARIABLES = {
    "B24_DOMAIN": "domain",
    "B24_AUTH_MODE": "auth_mode",
    "B24_WEBHOOK_USER_ID": "webhook_user_id",
    "B24_WEBHOOK_CODE": "webhook_code",
    "B24_ACCESS_TOKEN": "access_token",
    "B24_REFRESH_TOKEN": "refresh_token",
    "B24_CLIENT_ID": "client_id",
    "B24_CLIENT_SECRET": "client_secret",
    "B24_PACKS": "packs",
    "B24_METHOD_ALLOWLIST": "method_allowlist",
    "B24_AUDIT_FILE": "audit_file",
    "B24_REQUIRE_PLAN": "require_plan",
    "B24_PLAN_FILE": "plan_file",
    "B24_PLAN_TTL_SEC": "plan_ttl_sec",
    "B24_IDEMPOTENCY_FILE": "idempotency_file",
    "B24_IDEMPOTENCY_TTL_SEC": "idempotency_ttl_sec",
    "B24_RATE_LIMITER": "rate_limiter",
    "B24_RATE_LIMITER_FILE": "rate_limiter_file",
    "B24_RATE_LIMITER_RATE": "rate_limiter_rate",
    "B24_RATE_LIMITER_BURST": "rate_limiter_burst",
    "B24_RATE_LIMITER_TTL_SEC": "rate_limiter_ttl_sec",
}


@pytest.fixture(autouse=True)
def _no_ambient_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite points B24_SQLITE_PATH at a private default store; these settings must not see it."""
    monkeypatch.delenv("B24_SQLITE_PATH", raising=False)


def _settings(**env: str) -> B24Settings:
    return B24Settings(_env_file=None, **{k[4:].lower(): v for k, v in env.items()})


def test_every_reference_variable_is_a_setting():
    assert set(REFERENCE_VARIABLES.values()) <= set(B24Settings.model_fields)


@pytest.mark.parametrize("value", ["", "off", "none", "noop", "OFF"])
def test_rate_limiter_off_names_of_the_reference(value):
    assert _settings(B24_RATE_LIMITER=value).rate_limiter == "off"


def test_rate_limiter_rate_burst_and_ttl_reach_the_file_limiter(tmp_path):
    from b24_tools import B24Client

    s = _settings(
        B24_DOMAIN="https://acme.bitrix24.com",
        B24_WEBHOOK_USER_ID="1",
        B24_WEBHOOK_CODE="c0de",
        B24_RATE_LIMITER="file",
        B24_RATE_LIMITER_FILE=str(tmp_path / "limiter.sqlite"),
        B24_RATE_LIMITER_RATE="2.0",
        B24_RATE_LIMITER_BURST="10",
        B24_RATE_LIMITER_TTL_SEC="600",
    )
    with B24Client.from_settings(s) as client:
        limiter = client._limiter
        assert (limiter.rate, limiter.burst, limiter.ttl_sec) == (2.0, 10.0, 600)
        assert Path(limiter.path) == tmp_path / "limiter.sqlite"


def test_rate_limiter_ttl_below_a_minute_is_refused():
    with pytest.raises(ValueError, match="rate_limiter_ttl_sec"):
        _settings(B24_RATE_LIMITER_TTL_SEC="5")


def test_a_reference_json_limiter_file_is_refused(tmp_path):
    old = tmp_path / "bitrix24_rate_limiter.json"
    old.write_text('{"acme.bitrix24.com": {"last": 1, "tokens": 3}}')
    with pytest.raises(B24ConfigError, match="B24_RATE_LIMITER_FILE"):
        _settings(B24_RATE_LIMITER="file", B24_RATE_LIMITER_FILE=str(old))
    assert _settings(B24_RATE_LIMITER="off", B24_RATE_LIMITER_FILE=str(old)).rate_limiter == "off"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("on", True), ("0", False), ("", False)]
)
def test_require_plan_reads_the_reference_booleans(raw, expected):
    assert _settings(B24_REQUIRE_PLAN=raw).require_plan is expected


def test_plan_and_idempotency_file_select_the_store(tmp_path):
    store = tmp_path / "state.sqlite"
    assert _settings(B24_PLAN_FILE=str(store)).sqlite_path == store
    assert _settings(B24_IDEMPOTENCY_FILE=str(store)).sqlite_path == store
    assert _settings(B24_PLAN_FILE=str(store), B24_IDEMPOTENCY_FILE=str(store)).sqlite_path == store


def test_plan_file_beside_a_database_url_is_refused(tmp_path):
    with pytest.raises(B24ConfigError, match="B24_DATABASE_URL"):
        _settings(B24_PLAN_FILE=str(tmp_path / "p.sqlite"), B24_DATABASE_URL="postgresql://u@127.0.0.1/test")


def test_plan_file_against_another_sqlite_path_is_refused(tmp_path):
    with pytest.raises(B24ConfigError, match="B24_SQLITE_PATH"):
        _settings(B24_PLAN_FILE=str(tmp_path / "p.sqlite"), B24_SQLITE_PATH=str(tmp_path / "q.sqlite"))


def test_empty_file_variables_mean_none():
    s = _settings(B24_PLAN_FILE="", B24_IDEMPOTENCY_FILE="", B24_AUDIT_FILE="")
    assert (s.plan_file, s.idempotency_file, s.audit_file) == (None, None, None)


def test_method_allowlist_and_packs_from_the_environment(ref):
    ref.env.update({"B24_PACKS": "none", "B24_METHOD_ALLOWLIST": "user.*"})
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert ref(f"{CLIENT} crm.lead.list --params '{{}}'").code == 3


def test_audit_file_variable_moves_the_jsonl(ref, tmp_path):
    target = tmp_path / "logs" / "b24_audit.jsonl"  # the reference's .env.example value, elsewhere
    ref.env["B24_AUDIT_FILE"] = str(target)
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert len(ref.audit_rows(target)) == 1 and not ref.audit_file.exists()


def test_idempotency_ttl_variable(ref):
    ref.env["B24_IDEMPOTENCY_TTL_SEC"] = "3600"
    r = ref(
        f"""{CLIENT} crm.lead.add --params '{{"fields":{{"TITLE":"ttl"}}}}' --confirm-write --idempotency-key ttl-env"""
    )
    assert r.code == 0, r.stderr
    with ref.approvals() as approvals:
        [record] = [
            i.value for i in approvals.store.search(("b24", "ledger"), limit=100) if "ttl-env" in i.key
        ]
    assert round(record["expires_at"] - record["completed_at"]) == 3600


def test_file_limiter_keeps_its_state_where_the_variable_says(ref, tmp_path):
    state = tmp_path / "limiter" / "bitrix24_rate_limiter.sqlite"
    ref.env["B24_RATE_LIMITER_FILE"] = str(state)
    assert ref(f"{CLIENT} user.current --params '{{}}'").code == 0
    assert state.exists()


def test_a_bad_variable_value_is_one_line_naming_it(ref):
    ref.env["B24_PLAN_TTL_SEC"] = "soon"
    r = ref(f"{CLIENT} user.current --params '{{}}'")
    assert r.code == 2 and "plan_ttl_sec" in r.stderr


def test_a_misspelt_variable_is_named_not_ignored_in_silence(ref):
    ref.env["B24_PACK"] = "core,comms"  # meant B24_PACKS
    ref.env["B24_IDEMPOTENCY_TTL"] = "60"  # meant B24_IDEMPOTENCY_TTL_SEC
    r = ref(f"{CLIENT} user.current --params '{{}}'")
    assert r.code == 0
    assert "B24_PACK is not a b24-tools setting and is ignored; did you mean B24_PACKS?" in r.stderr
    assert "did you mean B24_IDEMPOTENCY_TTL_SEC?" in r.stderr
    clean = ref(f"{CLIENT} user.current --params '{{}}'", env={"B24_PACK": None, "B24_IDEMPOTENCY_TTL": None})
    assert "Warning" not in clean.stderr
