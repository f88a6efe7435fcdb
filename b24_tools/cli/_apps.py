"""`b24 app …`: the application server for many portals, and the registry of portals it installed.

    b24 app serve --port 8080        install callback, OAuth code flow and events for every portal
    b24 app list                     installed portals (member_id, domain, plan, since when); no secret
    b24 app plan MEMBER enterprise   size a portal's bucket for its plan
    b24 app forget MEMBER            mark a portal uninstalled here and erase its tokens

Settings: B24_CLIENT_ID, B24_CLIENT_SECRET, B24_ENCRYPTION_KEY (tokens are sealed with it), B24_DATABASE_URL
(PostgreSQL; else SQLite under B24_RUNTIME_DIR), B24_OAUTH_SERVER, B24_RATE_LIMITER / B24_REDIS_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from .._urls import is_loopback_host
from ._common import (
    EXIT_CODES_HELP,
    JsonOption,
    OneLineUsage,
    emit,
    fail,
    handle_errors,
    load_settings,
    want_json,
)

__all__ = ["app_app", "open_portals", "portal_client"]

app_app = typer.Typer(
    help="The Bitrix24 application server for many portals, and the portals it installed.",
    no_args_is_help=True,
)


@contextmanager
def open_portals(settings: Any) -> Iterator[Any]:
    """`Portals` from the settings, with the error naming what to set when something is missing."""
    from ..portals import Portals

    if not settings.client_id or settings.client_secret is None:
        fail("Error: the application needs B24_CLIENT_ID and B24_CLIENT_SECRET (from its card in Bitrix24)")
    with Portals.from_settings(settings) as portals:
        yield portals


_OPEN: dict[tuple[Any, ...], Any] = {}


def portal_client(settings: Any) -> Any:
    """The client of the installed portal `settings.portal` names (`--portal` / `B24_PORTAL`).

    The registry stays open for the rest of the process; the command owns (and closes) the client, which refuses
    a portal that uninstalled the application.
    """
    import atexit
    from contextlib import ExitStack

    where = (settings.client_id, settings.database_url, str(settings.runtime_dir), settings.oauth_server)
    portals = _OPEN.get(where)
    if portals is None:
        stack = ExitStack()
        portals = _OPEN[where] = stack.enter_context(open_portals(settings))
        atexit.register(stack.close)
    return portals.new_client(settings.portal)


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _row(record: Any) -> dict[str, Any]:
    return {
        "member_id": record.member_id,
        "domain": record.domain,
        "status": record.status,
        "plan": record.plan,
        "scope": record.scope,
        "installed_at": _when(record.installed_at),
        "uninstalled_at": _when(record.uninstalled_at),
    }


@app_app.command("serve", cls=OneLineUsage, epilog=EXIT_CODES_HELP)
def serve(
    host: Annotated[str, typer.Option(help="Interface (loopback unless --allow-remote)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    events_db: Annotated[
        Path | None, typer.Option(help="Durable queue for portal events (default B24_EVENTS_DB)")
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option(help="Listen on a non-loopback interface (put TLS in front of it)")
    ] = False,
) -> None:
    """Serve /install, /oauth/start, /oauth/callback and /events for every portal; runs until stopped."""
    with handle_errors():
        if not allow_remote and not is_loopback_host(host):
            fail(f"Error: {host} is not a loopback address; pass --allow-remote to serve on it")
        import uvicorn

        from ..events import EventQueue, JsonlAudit
        from ..portals import create_app_server

        settings = load_settings()
        queue = EventQueue(events_db or settings.events_db)
        with open_portals(settings) as portals:
            # event rows go beside `b24 events serve`'s, not into B24_AUDIT_FILE (the reference's call rows)
            audit = JsonlAudit(Path(settings.runtime_dir) / "b24_events_audit.jsonl")
            app = create_app_server(portals, queue=queue, audit=audit)
            typer.echo(f"Application server on http://{host}:{port}")
            typer.echo(f"  install URL: http://{host}:{port}/install   events: http://{host}:{port}/events")
            typer.echo(f"  installed portals: {len(portals.list())}   (Ctrl-C to stop)")
            uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off", http="h11")


@app_app.command("list", cls=OneLineUsage, epilog=EXIT_CODES_HELP)
def list_portals(
    all_: Annotated[bool, typer.Option("--all", help="Include uninstalled portals")] = False,
    json_: JsonOption = False,
) -> None:
    """The portals the application is installed on (no token is ever shown)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), open_portals(load_settings()) as portals:
        rows = [_row(r) for r in portals.list(include_uninstalled=all_)]
        emit(rows, as_json=as_json, render=_render)


def _render(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("member_id", "domain", "status", "plan", "installed")
    for r in rows:
        table.add_row(r["member_id"], r["domain"], r["status"], r["plan"], r["installed_at"])
    Console().print(table if rows else "No portal has installed the application yet.")


@app_app.command("plan", cls=OneLineUsage, epilog=EXIT_CODES_HELP)
def plan(
    portal: Annotated[str, typer.Argument(help="member_id or domain")],
    name: Annotated[str, typer.Argument(help="standard | enterprise (settings/performance/limits.md)")],
    json_: JsonOption = False,
) -> None:
    """Size one portal's bucket for its Bitrix24 plan."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), open_portals(load_settings()) as portals:
        portals.set_plan(portal, name)
        emit(_row(portals.get(portal)), as_json=as_json)


@app_app.command("forget", cls=OneLineUsage, epilog=EXIT_CODES_HELP)
def forget(
    portal: Annotated[str, typer.Argument(help="member_id or domain")],
    json_: JsonOption = False,
) -> None:
    """Mark a portal uninstalled here and erase its tokens (as ONAPPUNINSTALL does)."""
    as_json = want_json(json_)
    with handle_errors(as_json=as_json), open_portals(load_settings()) as portals:
        record = portals.get(portal)
        portals.uninstall(record.member_id)
        emit(_row(portals.store.get(record.member_id)), as_json=as_json)
