"""The reference tool's own flags of `b24 call`, with the same meaning, kept apart from the call logic.

    --rest-v3                  REST 3.0 (`/rest/api/`) where the method exists there (B24_REST_V3)
    --auto-refresh             refresh an expired OAuth token (needs B24_REFRESH_TOKEN, B24_CLIENT_ID/SECRET)
    --mask-secrets / --no-mask-secrets
                               mask secrets in the output (default); --no-mask-secrets prints them (warned)
    --plan-file PATH           the SQLite file that keeps plans (B24_PLAN_FILE; one database with the ledger)
    --plan-ttl-sec N           how long a plan waits for review (B24_PLAN_TTL_SEC)
    --audit-file PATH          the JSONL file each call's audit row is appended to (B24_AUDIT_FILE; '' = none)
    --no-audit                 no audit record at all for this call (warned)
    --idempotency-file PATH    the SQLite file that keeps the idempotency ledger (B24_IDEMPOTENCY_FILE)
    --idempotency-ttl-sec N    how long a write's recorded result is replayed (B24_IDEMPOTENCY_TTL_SEC)
    --no-idempotency           a fresh key for this write: repeating it writes again (warned)
    --raw                      print the portal's envelope unchanged (result, total, next, time)

A flag that weakens a guard rail does exactly what it says and says so on stderr, once per call.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import fail

__all__ = [
    "ReferenceFlags",
    "RestV3Option",
    "AutoRefreshOption",
    "MaskSecretsOption",
    "PlanFileOption",
    "PlanTtlOption",
    "AuditFileOption",
    "NoAuditOption",
    "IdempotencyFileOption",
    "IdempotencyTtlOption",
    "NoIdempotencyOption",
    "RawOption",
    "raw_output",
    "warn_misspelt_variables",
    "reference_plan",
    "WARN_NO_AUDIT",
    "WARN_NO_IDEMPOTENCY",
    "WARN_NO_MASK",
]

RestV3Option = Annotated[
    bool, typer.Option("--rest-v3", help="REST 3.0 (/rest/api/) where the method exists there")
]
AutoRefreshOption = Annotated[
    bool,
    typer.Option(
        "--auto-refresh",
        help="Refresh an expired OAuth token (needs B24_REFRESH_TOKEN, B24_CLIENT_ID, B24_CLIENT_SECRET)",
    ),
]
MaskSecretsOption = Annotated[
    bool,
    typer.Option(
        "--mask-secrets/--no-mask-secrets", help="Mask secrets in the output (default); off prints them"
    ),
]
PlanFileOption = Annotated[
    Path | None,
    typer.Option(
        "--plan-file", metavar="PATH", help="SQLite file keeping plans and the ledger (env B24_PLAN_FILE)"
    ),
]
PlanTtlOption = Annotated[
    int | None,
    typer.Option("--plan-ttl-sec", metavar="SEC", help="How long a plan waits for review (B24_PLAN_TTL_SEC)"),
]
AuditFileOption = Annotated[
    str | None,
    typer.Option(
        "--audit-file",
        metavar="PATH",
        help="JSONL file the audit row is appended to ('' = none; B24_AUDIT_FILE)",
    ),
]
NoAuditOption = Annotated[bool, typer.Option("--no-audit", help="Leave no audit record for this call")]
IdempotencyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--idempotency-file",
        metavar="PATH",
        help="SQLite file keeping the idempotency ledger (same database as plans; B24_IDEMPOTENCY_FILE)",
    ),
]
IdempotencyTtlOption = Annotated[
    int | None,
    typer.Option(
        "--idempotency-ttl-sec",
        metavar="SEC",
        help="How long a write's result is replayed for its key (B24_IDEMPOTENCY_TTL_SEC)",
    ),
]
NoIdempotencyOption = Annotated[
    bool,
    typer.Option("--no-idempotency", help="No replay protection: repeating this write writes again"),
]
RawOption = Annotated[
    bool, typer.Option("--raw", help="Print the portal's envelope unchanged (result, total, next, time)")
]

WARN_NO_AUDIT = (
    "Warning: --no-audit: this call leaves no audit record (neither the audit store nor the JSONL file)"
)
WARN_NO_IDEMPOTENCY = (
    "Warning: --no-idempotency: this write gets a fresh idempotency key; repeating the command writes again"
)
WARN_NO_MASK = "Warning: --no-mask-secrets: the output is printed unmasked, secrets included"

_RAW: ContextVar[bool] = ContextVar("b24_cli_raw", default=False)


@dataclass
class ReferenceFlags:
    """The reference's flags of one `b24 call` invocation."""

    rest_v3: bool = False
    auto_refresh: bool = False
    mask_secrets: bool = True
    plan_file: Path | None = None
    plan_ttl_sec: int | None = None
    audit_file: str | None = None
    no_audit: bool = False
    idempotency_file: Path | None = None
    idempotency_ttl_sec: int | None = None
    no_idempotency: bool = False
    raw: bool = False

    def apply(self, settings: Any) -> None:
        """Fold the flags into the settings of this call (flags win over their environment variables)."""
        for name in ("plan_ttl_sec", "idempotency_ttl_sec"):
            value = getattr(self, name)
            if value is not None:
                if value < 60:
                    fail(f"Error: --{name.replace('_', '-')} must be at least 60 seconds (got {value})")
                setattr(settings, name, value)
        if self.rest_v3:
            settings.rest_v3 = True
        if self.plan_file is not None or self.idempotency_file is not None:
            if self.plan_file is not None:
                settings.plan_file = self.plan_file
            if self.idempotency_file is not None:
                settings.idempotency_file = self.idempotency_file
            try:
                settings.place_store()
            except Exception as exc:
                msg = str(exc).replace("B24_PLAN_FILE", "--plan-file / B24_PLAN_FILE")
                fail(
                    f"Error: {msg.replace('B24_IDEMPOTENCY_FILE', '--idempotency-file / B24_IDEMPOTENCY_FILE')}"
                )
        if self.auto_refresh:
            self._check_refresh(settings)
        warn_misspelt_variables()
        if self.no_idempotency:
            typer.echo(WARN_NO_IDEMPOTENCY, err=True)
        if self.no_audit:
            typer.echo(WARN_NO_AUDIT, err=True)
        if not self.mask_secrets:
            typer.echo(WARN_NO_MASK, err=True)

    @staticmethod
    def _check_refresh(settings: Any) -> None:
        if settings.auth_mode != "oauth":
            typer.echo(
                "Note: --auto-refresh applies to OAuth (B24_AUTH_MODE=oauth); webhooks do not expire",
                err=True,
            )
            return
        missing = [
            env
            for env, value in (
                ("B24_REFRESH_TOKEN", settings.refresh_token),
                ("B24_CLIENT_ID", settings.client_id),
                ("B24_CLIENT_SECRET", settings.client_secret),
            )
            if not value or not (value.get_secret_value() if hasattr(value, "get_secret_value") else value)
        ]
        if missing:
            fail(f"Error: --auto-refresh needs {', '.join(missing)} (set them in the environment or .env)")

    def idempotency_key(self, given: str | None) -> str | None:
        """The key this write runs under: the given one, or under --no-idempotency a fresh one."""
        if not self.no_idempotency:
            return given
        if given:
            fail("Error: --no-idempotency and --idempotency-key contradict each other: drop one of them")
        return f"no-idempotency:{uuid.uuid4().hex}"

    @contextmanager
    def scope(self, settings: Any) -> Iterator[None]:
        """Within: audit context (request id, rest_v3, JSONL file or --no-audit), output masking, --raw."""
        from ..approval._audit import audit_context
        from ._common import mask_output

        mirror: str | Path | None
        mirror = self.audit_file if self.audit_file is not None else settings.audit_file
        if mirror is not None and not str(mirror).strip():
            mirror = None
        raw_token = _RAW.set(self.raw)
        mask_token = mask_output.set(self.mask_secrets)
        try:
            with audit_context(
                rest_v3=bool(settings.rest_v3), enabled=not self.no_audit, mirror=mirror, calls_only=True
            ):
                yield
        finally:
            mask_output.reset(mask_token)
            _RAW.reset(raw_token)


def warn_misspelt_variables() -> None:
    """One stderr line per `B24_*` variable that nearly spells a setting: it is ignored, so say so."""
    import os

    from .._settings import misspelt_variables

    for name, known in misspelt_variables(os.environ):
        typer.echo(
            f"Warning: {name} is not a b24-tools setting and is ignored; did you mean {known}?", err=True
        )


def raw_output(envelope: Any) -> bool:
    """Under --raw: print `envelope` as JSON, unchanged except for secret masking (unless --no-mask-secrets);
    returns whether it printed."""
    if not _RAW.get():
        return False
    from .._redact import redact
    from ._common import mask_output

    body = redact(envelope) if mask_output.get() else envelope
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    return True


def reference_plan(plan: Any, *, tenant: str, packs: list[str], allowlisted: bool) -> dict[str, Any]:
    """A plan as the reference's `--plan-only` prints it under `"plan"` (plan_id, tenant, method, params, …)."""
    from ..approval._audit import _host

    return {
        "plan_id": plan.plan_id,
        "tenant": _host(getattr(plan, "portal", None)) or _host(tenant),
        "method": plan.method,
        "params": plan.params,
        "risk": plan.risk,
        "allowlisted": allowlisted,
        "packs": packs,
        "created_at": int(plan.created_at),
        "expires_at": int(plan.expires_at),
        "executed": plan.status in ("executed", "replayed"),
    }
