"""`B24Settings`: every `B24_*` environment variable, read at the edge (CLI, `from_env()`).

Library classes take explicit arguments; only entry points read the environment. The reference tool's names
work unchanged; `B24_WEBHOOK_URL` is accepted as the portal shows it (`https://PORTAL/rest/1/CODE/`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._errors import B24ConfigError
from ._urls import is_loopback_host, normalize_portal_url, split_webhook_url

__all__ = [
    "B24Settings",
    "is_loopback_host",
    "split_webhook_url",
    "normalize_portal_url",
    "refuse_non_sqlite",
    "misspelt_variables",
]

# B24_* names read outside B24Settings (CLI output, debugging, reviewer name, test gates, emulator admin).
_OTHER_NAMES = frozenset(
    {
        "B24_OUTPUT",
        "B24_DEBUG",
        "B24_REVIEWER",
        "B24_RUN_INTEGRATION",
        "B24_SMOKE_WRITE",
        "B24_EMULATOR_ADMIN_TOKEN",
        "B24_UPDATE_SCREENSHOTS",
    }
)

RateLimiterKind = Literal["file", "memory", "redis", "off"]


class B24Settings(BaseSettings):
    """All settings of b24-tools. Environment prefix `B24_`; a `.env` file in the working directory is read."""

    model_config = SettingsConfigDict(
        env_prefix="B24_", env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # -- portal and auth (reference names) --
    domain: str | None = Field(None, description="Portal address, e.g. your-portal.bitrix24.com")
    auth_mode: Literal["webhook", "oauth"] = Field("webhook", description="webhook | oauth")
    webhook_url: SecretStr | None = Field(
        None, description="Full inbound webhook URL https://PORTAL/rest/1/CODE/"
    )
    webhook_user_id: int | None = Field(None, description="Webhook owner user id (with B24_WEBHOOK_CODE)")
    webhook_code: SecretStr | None = Field(
        None, description="Webhook secret code, without the user id prefix"
    )
    access_token: SecretStr | None = Field(None, description="OAuth access token")
    refresh_token: SecretStr | None = Field(None, description="OAuth refresh token")
    client_id: str | None = Field(None, description="OAuth application client_id")
    client_secret: SecretStr | None = Field(None, description="OAuth application client_secret")
    oauth_server: str = Field(
        "https://oauth.bitrix.info", description="OAuth server that serves /oauth/token/"
    )
    portal: str | None = Field(
        None,
        description="Application mode: the installed portal (member_id or domain) commands work on (b24 app list)",
    )
    token_file: Path = Field(
        Path(".runtime/b24_tokens.json"), description="Where rotated OAuth tokens are stored"
    )
    rest_v3: bool = Field(False, description="Prefer REST 3.0 (/rest/api/) where the method exists there")

    # -- client behaviour --
    timeout: float = Field(30.0, description="HTTP timeout in seconds")
    max_retries: int = Field(5, description="Attempts for retryable failures of reads")
    operating_wait_max: float = Field(60.0, description="Max seconds to wait for OPERATION_TIME_LIMIT reset")

    # -- rate limiter (reference names) --
    rate_limiter: RateLimiterKind = Field("file", description="file | memory | redis | off")
    rate_limiter_preset: Literal["standard", "enterprise"] = Field(
        "standard", description="standard | enterprise"
    )
    rate_limiter_rate: float | None = Field(
        None, description="Drain rate, requests per second (overrides preset)"
    )
    rate_limiter_burst: float | None = Field(None, description="Bucket size (overrides preset)")
    rate_limiter_file: Path = Field(
        Path(".runtime/bitrix24_rate_limiter.sqlite"), description="File limiter state"
    )
    rate_limiter_ttl_sec: int = Field(
        3600, ge=60, description="Seconds after which an idle portal's file-limiter state is dropped"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for the redis limiter")

    # -- policy (reference names) --
    packs: str = Field("core", description="Comma list of packs, or none")
    method_allowlist: str = Field("", description="Extra allowlist patterns, comma separated (user.*)")
    require_plan: bool = Field(False, description="Writes must go through a reviewed plan")

    # -- persistence, audit, review --
    runtime_dir: Path = Field(Path(".runtime"), description="Where local state lives")
    database_url: str | None = Field(
        None, description="postgresql://… for checkpoints and store (else SQLite)"
    )
    sqlite_path: Path = Field(Path(".runtime/b24.sqlite"), description="SQLite checkpoints + store")
    audit_file: Path | None = Field(
        Path(".runtime/bitrix24_audit.jsonl"),
        description="JSONL audit file b24 call appends to and b24 audit export writes (empty: none)",
    )
    plan_file: Path | None = Field(
        None, description="Reference name: the SQLite file that keeps plans (sets B24_SQLITE_PATH)"
    )
    idempotency_file: Path | None = Field(
        None, description="Reference name: the SQLite file that keeps the idempotency ledger (same file)"
    )
    plan_ttl_sec: int = Field(3 * 24 * 3600, ge=60, description="How long a pending plan may wait for review")
    idempotency_ttl_sec: int = Field(86400, ge=60, description="How long idempotency results are kept")
    encryption_key: SecretStr | None = Field(
        None, description="AES key (16/24/32 bytes) to encrypt checkpoints"
    )
    reviewer_token: SecretStr | None = Field(None, description="Token reviewers use to sign in to the inbox")
    reviewer_password_hash: SecretStr | None = Field(None, description="pbkdf2 hash of the reviewer password")
    session_secret: SecretStr | None = Field(None, description="Secret that signs inbox session cookies")

    # -- events --
    application_token: SecretStr | None = Field(
        None, description="application_token expected on inbound events"
    )
    events_db: Path = Field(Path(".runtime/b24_events.sqlite"), description="Durable inbound event queue")

    # -- MCP server (`b24 mcp serve`) --
    mcp_token: SecretStr | None = Field(
        None, description="Bearer token MCP clients send over HTTP (required off loopback)"
    )
    inbox_url: str = Field(
        "http://127.0.0.1:8790", description="Review inbox address shown in pending-plan answers"
    )

    # -- agent --
    model: str | None = Field(None, description="Chat model for graphs/agent.py, e.g. openai:gpt-4.1-mini")
    agent_graph: str | None = Field(
        None, description="Agent graph reviewers resume after a decision, module:attr or path.py:attr"
    )
    agent_server_url: str | None = Field(
        None,
        description="LangGraph server URL stored on agent plans (default: LANGGRAPH_API_URL when served)",
    )

    _store_placed: bool = PrivateAttr(False)

    @field_validator("webhook_user_id", "plan_file", "idempotency_file", "audit_file", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("rate_limiter", mode="before")
    @classmethod
    def _limiter_off_names(cls, v: object) -> object:
        # the reference reads "", "off", "none" and "noop" as no limiter
        if isinstance(v, str) and v.strip().lower() in ("", "off", "none", "noop"):
            return "off"
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("require_plan", "rest_v3", mode="before")
    @classmethod
    def _reference_bool(cls, v: object) -> object:
        # the reference reads 1/true/yes/on as on and anything else (including "") as off
        if isinstance(v, str):
            return v.strip().lower() in ("1", "true", "yes", "on")
        return v

    @model_validator(mode="after")
    def _check_auth(self) -> B24Settings:
        if self.webhook_url is not None and self.webhook_url.get_secret_value():
            base, user_id, code = split_webhook_url(self.webhook_url.get_secret_value())
            self.domain = self.domain or base
            self.webhook_user_id = user_id
            self.webhook_code = SecretStr(code)
            self.auth_mode = "webhook"
        if self.domain:
            self.domain = normalize_portal_url(self.domain)
        self.place_store()
        if self.rate_limiter == "file":
            refuse_non_sqlite(Path(self.rate_limiter_file), "B24_RATE_LIMITER_FILE")
        return self

    def place_store(self) -> None:
        """The reference's B24_PLAN_FILE / B24_IDEMPOTENCY_FILE name where plans and the ledger are kept.

        Here both live in one SQLite database (with the checkpoints), so either name selects `sqlite_path`.
        """
        named = {
            name: getattr(self, name) for name in ("plan_file", "idempotency_file") if getattr(self, name)
        }
        if not named:
            return
        paths = {Path(p) for p in named.values()}
        env = {"plan_file": "B24_PLAN_FILE", "idempotency_file": "B24_IDEMPOTENCY_FILE"}
        if len(paths) > 1:
            raise B24ConfigError(
                "B24_PLAN_FILE and B24_IDEMPOTENCY_FILE name different files, but plans and the idempotency "
                "ledger are kept together in one database",
                hint="give both the same path, or set only one of them",
            )
        (path,) = paths
        names = " / ".join(env[n] for n in named)
        if self.database_url:
            raise B24ConfigError(
                f"{names} names a file, but B24_DATABASE_URL keeps plans and the ledger in a database",
                hint=f"unset {names} (plans stay in B24_DATABASE_URL), or unset B24_DATABASE_URL",
            )
        explicit = "sqlite_path" in self.model_fields_set and not self._store_placed
        if explicit and Path(self.sqlite_path) != path:
            raise B24ConfigError(
                f"{names} and B24_SQLITE_PATH name different files for the same database",
                hint="set one of them",
            )
        refuse_non_sqlite(path, names)
        self.sqlite_path = path
        self._store_placed = True

    def require_portal(self) -> B24Settings:
        """Raise one `B24ConfigError` naming the variables to set when the auth combination is incomplete."""
        if self.auth_mode == "webhook":
            if not self.domain or self.webhook_user_id is None or not _has(self.webhook_code):
                raise B24ConfigError(
                    "webhook auth needs B24_WEBHOOK_URL, or B24_DOMAIN + B24_WEBHOOK_USER_ID + B24_WEBHOOK_CODE",
                    hint="set them in the environment or .env (see .env.example)",
                )
        else:
            if not self.domain or not _has(self.access_token):
                raise B24ConfigError(
                    "oauth auth needs B24_DOMAIN and B24_ACCESS_TOKEN "
                    "(plus B24_REFRESH_TOKEN, B24_CLIENT_ID, B24_CLIENT_SECRET for automatic refresh)",
                    hint="set them in the environment or .env (see .env.example)",
                )
            if _has(self.refresh_token) and (not self.client_id or not _has(self.client_secret)):
                raise B24ConfigError(
                    "B24_REFRESH_TOKEN is set but refresh also needs B24_CLIENT_ID and B24_CLIENT_SECRET",
                    hint="set both, or unset B24_REFRESH_TOKEN to disable refresh",
                )
        return self

    def limiter_rate_burst(self) -> tuple[float, float]:
        """The limiter's (rate, burst): preset with a small safety margin, then the explicit overrides."""
        rate, burst = (5.0, 250.0) if self.rate_limiter_preset == "enterprise" else (2.0, 50.0)
        rate, burst = rate * 0.95, burst - 2
        if self.rate_limiter_rate is not None:
            rate = self.rate_limiter_rate
        if self.rate_limiter_burst is not None:
            burst = self.rate_limiter_burst
        return rate, burst

    def pack_list(self) -> list[str]:
        return [p.strip().lower() for p in self.packs.split(",") if p.strip()]


def misspelt_variables(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """`(name, known_name)` for each `B24_*` variable that is no setting but nearly spells one (`B24_PACK` →
    `B24_PACKS`): pydantic-settings ignores unknown names, so a typo would otherwise pass in silence."""
    import difflib

    known = {f"B24_{name.upper()}" for name in B24Settings.model_fields} | _OTHER_NAMES
    out = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("B24_") or upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.85)
        if close:
            out.append((name, close[0]))
    return out


def refuse_non_sqlite(path: Path, names: str) -> None:
    """The reference kept plans/keys in JSON files; this package keeps them in SQLite. Never overwrite one."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return  # absent (created on first use) or unreadable (the store reports it)
    if head and not head.startswith(b"SQLite format 3"):
        raise B24ConfigError(
            f"{names} points at {str(path)!r}, which is not an SQLite database (the reference tool's JSON "
            "state?); b24-tools keeps this state in SQLite",
            hint="point it at a new file such as .runtime/b24.sqlite; the reference's file is left untouched",
        )


def _has(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value())
