"""Shared plumbing of the operator commands: exit codes, input parsing, output, and building the client.

Exit codes (every `b24` operator command):

    0  ok
    2  usage or configuration: invalid JSON, unknown flag, unknown pack, malformed method name, bad params,
       missing settings — nothing was sent and nothing was written
    3  refused: the policy gate (pack, allowlist, risk confirmation, require-plan), a plan that was
       rejected, expired or tampered with, or a portal the application is not installed on
    4  Bitrix24 error: the portal answered with an error, or could not be reached for a read
    5  pending review: a plan waits for a reviewer (`b24 review list`)
    6  unknown outcome: a write may have reached the portal; it was not resent (see the hint)
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

try:  # Typer 0.20+ vendors Click; older releases use the click package
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import NoArgsIsHelpError, UsageError  # type: ignore[assignment]

from .._errors import (
    B24APIError,
    B24ConfigError,
    B24Error,
    B24PlanError,
    B24PolicyError,
    B24PortalNotInstalled,
    B24TransportError,
    B24UnknownOutcome,
    B24ValidationError,
)
from .._redact import redact, redact_text

if TYPE_CHECKING:
    from .._settings import B24Settings

__all__ = [
    "add_columns",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_REFUSED",
    "EXIT_API",
    "EXIT_PENDING",
    "EXIT_UNKNOWN",
    "EXIT_CODES_HELP",
    "CliFail",
    "exit_code_for",
    "fail",
    "parse_json_option",
    "validate_method_name",
    "load_settings",
    "build_client",
    "emulator_runtime",
    "emit",
    "want_json",
    "handle_errors",
    "client_factory",
    "OneLineUsage",
    "EmulatorOption",
    "JsonOption",
    "mask_output",
]

EXIT_OK, EXIT_USAGE, EXIT_REFUSED, EXIT_API, EXIT_PENDING, EXIT_UNKNOWN = 0, 2, 3, 4, 5, 6

# Options every operator command shares, declared once.
EmulatorOption = Annotated[
    bool, typer.Option("--emulator", help="Use the local emulator (state in .runtime/)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output even on a terminal")]
PortalOption = Annotated[
    str | None,
    typer.Option(
        "--portal", help="An installed portal of the application: member_id or domain (env B24_PORTAL)"
    ),
]

EXIT_CODES_HELP = (
    "Exit codes: 0 ok · 2 usage/config (bad JSON, unknown flag/pack, malformed method; nothing sent) · "
    "3 refused by policy or plan state · 4 Bitrix24 error · 5 pending review · 6 unknown outcome (not resent)"
)

METHOD_RE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")

# False only under the reference's --no-mask-secrets (set for one invocation by the command that takes it).
mask_output: ContextVar[bool] = ContextVar("b24_cli_mask_output", default=True)

# Tests (and embedders) may replace how clients are built: `client_factory(settings, emulator) -> client`.
client_factory: Callable[[B24Settings, bool], Any] | None = None


class OneLineUsage(TyperCommand):
    """Usage errors (unknown flag, missing argument, bad value) as one clear line on stderr, exit 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if isinstance(exc, NoArgsIsHelpError):
                raise
            typer.echo(f"Error: {exc.format_message()} (see: {ctx.command_path} --help)", err=True)
            ctx.exit(EXIT_USAGE)
            raise  # not reached: ctx.exit raises


class CliFail(Exception):
    """Raised inside commands to exit with one clear line on stderr."""

    def __init__(self, message: str, code: int, *, payload: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.payload = payload


def fail(message: str, code: int = EXIT_USAGE, *, payload: dict[str, Any] | None = None) -> NoReturn:
    raise CliFail(message, code, payload=payload)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of an exception."""
    if isinstance(exc, CliFail):
        return exc.code
    if isinstance(exc, B24ValidationError | B24ConfigError):
        return EXIT_USAGE
    if isinstance(exc, B24PolicyError | B24PlanError | B24PortalNotInstalled):
        return EXIT_REFUSED
    if isinstance(exc, B24UnknownOutcome):
        return EXIT_UNKNOWN
    if isinstance(exc, B24APIError | B24TransportError):
        return EXIT_API
    return 1


def parse_json_option(raw: str | None, *, name: str = "--params", default: Any = None) -> Any:
    """`'{"a":1}'` or `@file.json` (or `@-` for stdin) → parsed JSON; one clear error otherwise."""
    if raw is None or raw == "":
        return {} if default is None else default
    text = raw
    if raw.startswith("@"):
        src = raw[1:]
        try:
            text = sys.stdin.read() if src == "-" else Path(src).read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"Error: cannot read {name} file {src!r}: {exc.strerror or exc}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"Error: Invalid JSON in {name}: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        fail(f"Error: Invalid JSON in {name}: nested too deeply")
    if not _nesting_within(value, MAX_PARAMS_DEPTH):
        fail(f"Error: {name} nests deeper than {MAX_PARAMS_DEPTH} levels; Bitrix24 parameters need a few")
    return value


MAX_PARAMS_DEPTH = 32


def _nesting_within(value: Any, limit: int) -> bool:
    """Whether nested objects/arrays stay within `limit` levels (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return False
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return True


def validate_method_name(method: str) -> str:
    """Lower-case and check the reference's method-name shape (`^[a-z0-9_]+(\\.[a-z0-9_]+)*$`, 3+ chars)."""
    name = method.strip().lower()
    if len(name) < 3 or not METHOD_RE.match(name):
        fail(f"Error: malformed method name {method!r}: use dotted lower-case names such as crm.lead.add")
    return name


def load_settings(**overrides: Any) -> B24Settings:
    from .._settings import B24Settings

    try:
        settings = B24Settings()
    except B24Error as exc:
        fail(f"Error: {exc}")
    except Exception as exc:  # pydantic ValidationError: name the variable, not a traceback
        first = str(exc).splitlines()
        fail(f"Error: invalid settings: {redact_text(' '.join(first[:3]))}")
    for key, value in overrides.items():
        if value is not None:
            setattr(settings, key, value)
    return settings


def emulator_runtime(settings: B24Settings) -> Path:
    return Path(settings.runtime_dir) / "emulator.sqlite"


def build_client(settings: B24Settings, *, emulator: bool = False, oauth_app: bool = False) -> Any:
    """The client for this invocation: the in-process emulator (persistent db under .runtime/) or the portal.

    `oauth_app`: with `emulator`, call as the emulator's local OAuth application instead of its webhook (what
    `event.offline.*` requires; a webhook gets WRONG_AUTH_TYPE). Its application_token goes into
    `settings.application_token` unless one is set.
    """
    if client_factory is not None:
        return client_factory(settings, emulator)
    if settings.portal and not emulator:  # an application installed on many portals: that portal's client
        from ._apps import portal_client

        return portal_client(settings)
    if emulator:
        from ..emulator import Emulator

        db = emulator_runtime(settings)
        fresh = not db.exists()
        db.parent.mkdir(parents=True, exist_ok=True)
        emu = Emulator(db)
        if fresh:
            try:
                emu.seed(leads=50, deals=50, contacts=30, companies=10, tasks=20)
            except BaseException:
                db.unlink(missing_ok=True)
                raise
        if oauth_app:
            return _emulator_app_client(settings, emu)
        return emu.client(rest_v3=settings.rest_v3)
    from ..client._client import B24Client

    try:
        settings.require_portal()
    except B24ConfigError as exc:
        fail(f"Error: {exc} (or pass --emulator to use the local emulator)")
    return B24Client.from_settings(settings)


EMULATOR_APP = "local.b24tools.emulator"


def _emulator_app_client(settings: B24Settings, emu: Any) -> Any:
    """A client authorised as the emulator's local application (registered on first use, kept in its db)."""
    from pydantic import SecretStr

    from ..client._auth import OAuthAuth
    from ..client._client import B24Client
    from ..client.ratelimit import NoopRateLimiter

    if emu.oauth.app(EMULATOR_APP) is None:
        emu.oauth.register_app(client_id=EMULATOR_APP)
    if settings.application_token is None:
        settings.application_token = SecretStr(emu.oauth.application_token(EMULATOR_APP))
    token = emu.oauth.issue_tokens(EMULATOR_APP)["access_token"]
    return B24Client(
        emu.base_url, auth=OAuthAuth(token), transport=emu.transport(), limiter=NoopRateLimiter()
    )


def want_json(force: bool) -> bool:
    return force or not sys.stdout.isatty() or os.environ.get("B24_OUTPUT") == "json"


def emit(obj: Any, *, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    """Print `obj` as JSON (piped / --json) or through `render` (Rich) on a terminal. Redacted, except under
    the reference's --no-mask-secrets."""
    safe = redact(obj) if mask_output.get() else obj
    if as_json or render is None:
        typer.echo(json.dumps(safe, ensure_ascii=False, indent=None if as_json else 2, default=str))
    else:
        render(safe)


@contextmanager
def handle_errors(*, as_json: bool = False) -> Iterator[None]:
    """Turn failures into one line on stderr (plus a JSON object on stdout when piped) and the exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except CliFail as exc:
        _report(exc.message, exc.code, exc.payload, as_json)
    except B24Error as exc:
        code = exit_code_for(exc)
        label = {
            EXIT_USAGE: "Error",
            EXIT_REFUSED: "Refused",
            EXIT_API: "Bitrix24 error",
            EXIT_UNKNOWN: "Unknown outcome",
        }.get(code, "Error")
        payload: dict[str, Any] = {"status": "error", "error_type": type(exc).__name__, "error": str(exc)}
        for attr in ("code", "method", "rule", "allow_with", "plan_id"):
            if getattr(exc, attr, None) is not None:
                payload[attr] = getattr(exc, attr)
        _report(f"{label}: {exc}", code, payload, as_json)
    except Exception as exc:
        if os.environ.get("B24_DEBUG"):
            raise
        _report(
            f"Internal error: {type(exc).__name__}: {exc} (set B24_DEBUG=1 for the traceback)",
            1,
            {"status": "error", "error_type": type(exc).__name__, "error": str(exc)},
            as_json,
        )


def _report(message: str, code: int, payload: dict[str, Any] | None, as_json: bool) -> NoReturn:
    typer.echo(redact_text(message), err=True)
    if as_json and payload is not None:
        typer.echo(json.dumps(redact(payload), ensure_ascii=False, default=str))
    raise typer.Exit(code)


# Cells a reader copies whole (IDs, method names, states): never wrapped or cut; long free text folds instead.
_WHOLE = frozenset({"plan_id", "id", "ID", "method", "status", "risk", "time", "event", "pack", "selected"})
NARROW = 110  # below this many terminal columns, tables leave out the columns marked optional


def add_columns(
    table: Any, names: Iterable[str], *, width: int = 200, optional: Iterable[str] = ()
) -> list[str]:
    """Add Rich table columns that fit the terminal without breaking IDs: ID-like cells never wrap, other cells
    fold, and on a terminal narrower than `NARROW` the `optional` columns are left out. Returns the columns kept
    (pass each row's cells for exactly those)."""
    skip = set(optional) if width < NARROW else set()
    kept = [n for n in names if n not in skip]
    for name in kept:
        if name in _WHOLE:
            table.add_column(name, no_wrap=True, min_width=len(name))
        else:
            table.add_column(name, overflow="fold", ratio=1)
    return kept
