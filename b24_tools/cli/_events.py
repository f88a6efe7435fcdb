"""`b24 events serve` (outgoing-webhook receiver), `b24 events worker` (offline events) and `b24 events dlq`.

The worker takes the reference worker's flags with the same meaning: `--sleep`, `--once`, `--max-retries`,
`--state-file` (where the retry state is kept: here the queue database), `--dlq-file` (dead letters kept in
that JSONL file, the reference's row format) and `--application-token` (events carrying another token are
neither handled nor cleared).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._errors import require_extra
from ._common import (
    EXIT_CODES_HELP,
    EmulatorOption,
    JsonOption,
    OneLineUsage,
    PortalOption,
    build_client,
    emit,
    fail,
    handle_errors,
    load_settings,
    want_json,
)

if TYPE_CHECKING:
    from ..events import WorkerReport

__all__ = ["events_app"]

events_app = typer.Typer(help="Receive outgoing webhooks and process offline events.", no_args_is_help=True)
dlq_app = typer.Typer(
    help="Dead letters: events that ran out of retries or were malformed (list, replay, drop).",
    no_args_is_help=True,
)
events_app.add_typer(dlq_app, name="dlq")

StateFileOption = Annotated[
    Path | None,
    typer.Option(
        "--state-file",
        metavar="PATH",
        help="Where retry state is kept: the queue database (same as --db; default B24_EVENTS_DB)",
    ),
]
DlqFileOption = Annotated[
    Path | None,
    typer.Option(
        "--dlq-file",
        metavar="PATH",
        help="Keep dead letters in this JSONL file (the reference's rows) instead of the queue database",
    ),
]
DbOption = Annotated[Path | None, typer.Option("--db", help="Queue file (default B24_EVENTS_DB)")]


def _queue_path(settings: Any, db: Path | None, state_file: Path | None) -> Path:
    """--db and the reference's --state-file name the same store; refuse two different files."""
    from .._errors import B24ConfigError
    from .._settings import refuse_non_sqlite

    if db is not None and state_file is not None and Path(db) != Path(state_file):
        fail("Error: --db and --state-file name different files for the one queue database: give one")
    path = Path(state_file or db or settings.events_db)
    try:
        refuse_non_sqlite(path, "--state-file" if state_file else "the queue file")
    except B24ConfigError as exc:
        fail(f"Error: {exc}")
    return path


def _queue(settings: Any, path: Path, dlq_file: Path | None) -> Any:
    from ..approval._audit import _host
    from ..events import EventQueue

    return EventQueue(path, dead_letters_file=dlq_file, tenant=_host(settings.domain))


def _report_batch(report: WorkerReport) -> None:
    if report.fetched:
        typer.echo(f"Processed batch size: {report.fetched}", err=True)


def _load_handlers(modules: list[str] | None) -> None:
    """Import handler modules (their `@on(...)` decorators register on the default registry)."""
    import importlib

    from ..events import register_default_handlers

    register_default_handlers()
    for mod in modules or []:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            fail(f"Error: cannot import handler module {mod!r}: {exc}")


def _context(settings: Any, client: Any, auth_connector: str | None) -> Any:
    from ..events import HandlerContext

    return HandlerContext(client=client, auth_connector=auth_connector, settings=settings)


@events_app.command(
    "serve", cls=OneLineUsage, epilog="Example: B24_APPLICATION_TOKEN=... b24 events serve --port 8088"
)
def serve(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8088,
    path: Annotated[str, typer.Option(help="URL path of the handler")] = "/events",
    handlers: Annotated[
        list[str] | None, typer.Option("--handlers", help="Module(s) with @on handlers")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="Queue file (default B24_EVENTS_DB)")] = None,
    emulator: Annotated[bool, typer.Option("--emulator", help="Handlers talk to the local emulator")] = False,
    portal: PortalOption = None,
    no_client: Annotated[
        bool, typer.Option("--no-client", help="Queue only; handlers get no client")
    ] = False,
) -> None:
    """Receive Bitrix24 events: verify application_token (constant time), queue durably, run handlers."""
    with handle_errors():
        require_extra("b24 events serve", "server", "starlette", "uvicorn")
        import uvicorn

        from ..events import EventQueue, JsonlAudit, TeeAudit, create_receiver_app

        settings = load_settings(portal=portal)
        token = settings.application_token.get_secret_value() if settings.application_token else ""
        if not token:
            fail("Error: set B24_APPLICATION_TOKEN (from the outgoing webhook's settings or OnAppInstall)")
        _load_handlers(handlers)
        client = None if no_client else build_client(settings, emulator=emulator)
        ctx = _context(settings, client, None)
        if client is not None:
            from ..policy._policy import Policy
            from ._call import open_approvals, parse_packs

            policy = Policy(
                packs=tuple(parse_packs(settings.packs)),
                allowlist=(),
                allow_unlisted=False,
                require_plan=settings.require_plan,
            )
            from contextlib import ExitStack

            stack = ExitStack()  # lives as long as the server: the store stays open for the handlers
            ctx.approvals = stack.enter_context(open_approvals(settings, client, policy))
        queue = EventQueue(db or settings.events_db)
        audit = TeeAudit(JsonlAudit(Path(settings.runtime_dir) / "b24_events_audit.jsonl"), ctx.approvals)
        app = create_receiver_app(application_token=token, queue=queue, context=ctx, audit=audit, path=path)
        typer.echo(f"listening on http://{host}:{port}{path} (queue {queue.path})", err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning")


@events_app.command(
    "worker", cls=OneLineUsage, epilog="Example: b24 events worker --once. " + EXIT_CODES_HELP
)
def worker(
    once: Annotated[bool, typer.Option("--once", help="One poll, then exit")] = False,
    sleep: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 3.0,
    max_retries: Annotated[
        int, typer.Option("--max-retries", help="Failures before the dead-letter table")
    ] = 5,
    limit: Annotated[int, typer.Option(help="Records per event.offline.get")] = 50,
    auth_connector: Annotated[
        str | None, typer.Option("--auth-connector", help="Offline source key: skip our own writes")
    ] = None,
    handlers: Annotated[
        list[str] | None, typer.Option("--handlers", help="Module(s) with @on handlers")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="Queue / retry-state file (default B24_EVENTS_DB)")] = None,
    state_file: StateFileOption = None,
    dlq_file: DlqFileOption = None,
    application_token: Annotated[
        str | None,
        typer.Option(
            "--application-token",
            metavar="TOKEN",
            help="Expected application_token (default B24_APPLICATION_TOKEN); other events stay unhandled",
        ),
    ] = None,
    emulator: EmulatorOption = False,
    portal: PortalOption = None,
    local: Annotated[
        bool, typer.Option("--local", help="Instead: retry events the receiver queued but could not handle")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Process offline events: event.offline.get (clear=0) → handlers → event.offline.clear / .error."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from dataclasses import asdict

        from ..events import JsonlAudit, OfflineWorker, TeeAudit, drain_queue, registry

        settings = load_settings(portal=portal)
        queue_path = _queue_path(settings, db, state_file)
        _load_handlers(handlers)
        client = build_client(settings, emulator=emulator, oauth_app=True)
        token = settings.application_token.get_secret_value() if settings.application_token else None
        token = application_token or token
        if application_token is not None:
            from .._redact import register_secret

            register_secret(application_token)
        with client:
            from ..policy._policy import Policy
            from ._call import open_approvals, parse_packs

            policy = Policy(
                packs=tuple(parse_packs(settings.packs)),
                allowlist=(),
                allow_unlisted=False,
                require_plan=settings.require_plan,
            )
            with open_approvals(settings, client, policy) as approvals:
                ctx = _context(settings, client, auth_connector)
                ctx.approvals = approvals
                audit = TeeAudit(JsonlAudit(Path(settings.runtime_dir) / "b24_events_audit.jsonl"), approvals)
                if local:
                    queue = _queue(settings, queue_path, dlq_file)
                    rep = drain_queue(queue, registry, ctx, max_attempts=max_retries, audit=audit)
                    emit(
                        {**asdict(rep), "queue": queue.counts()},
                        as_json=as_json,
                        render=lambda r: typer.echo(
                            f"handled {r['handled']}, failed {r['failed']}, dead {r['dead']}"
                        ),
                    )
                    return
                w = OfflineWorker(
                    client,
                    queue=_queue(settings, queue_path, dlq_file),
                    registry=registry,
                    context=ctx,
                    max_retries=max_retries,
                    limit=limit,
                    auth_connector=auth_connector,
                    application_token=token,
                    audit=audit,
                )
                if once:
                    report = w.run_once()
                    if as_json:  # the reference's line, kept on stderr when stdout carries JSON
                        typer.echo(f"Processed batch size: {report.fetched}", err=True)
                    emit(
                        asdict(report),
                        as_json=as_json,
                        render=lambda r: typer.echo(
                            f"Processed batch size: {r['fetched']} (cleared {len(r['cleared'])}, errored "
                            f"{len(r['errored'])}, retrying {len(r['retrying'])})"
                        ),
                    )
                    return
                stop = {"flag": False}

                def _stop(*_: Any) -> None:
                    stop["flag"] = True

                signal.signal(signal.SIGTERM, _stop)
                signal.signal(signal.SIGINT, _stop)
                w.run(
                    sleep=sleep,
                    should_stop=lambda: stop["flag"],
                    on_report=_report_batch,
                )
                typer.echo("Worker stopped gracefully", err=True)


def _dlq_queue(db: Path | None, state_file: Path | None, dlq_file: Path | None) -> Any:
    settings = load_settings()
    return _queue(settings, _queue_path(settings, db, state_file), dlq_file)


def _pick(queue: Any, ids: list[str] | None, every: bool, verb: str) -> list[str] | None:
    """The ids to act on (None = all); exit 2 naming unknown ids before anything changes."""
    if every and ids:
        fail(f"Error: give dead-letter ids or --all, not both (b24 events dlq {verb})")
    if not every and not ids:
        fail(f"Error: name the dead letters to {verb} (ids from `b24 events dlq list`), or pass --all")
    if every:
        return None
    known = {d["id"] for d in queue.dead_letters()}
    unknown = [i for i in ids or [] if i not in known]
    if unknown:
        fail(f"Error: no dead letter with id {', '.join(unknown)} (see `b24 events dlq list`)")
    return list(ids or [])


def _dlq_rows(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} dead letter(s)")
    for col in ("id", "event", "message_id", "retries", "error"):
        table.add_column(col)
    for d in rows:
        table.add_row(
            str(d.get("id")),
            str(d.get("event") or ""),
            str(d.get("message_id") or ""),
            str(d.get("retry_count", "")),
            str(d.get("error") or "")[:80],
        )
    Console().print(table)


@dlq_app.command("list", cls=OneLineUsage)
def dlq_list(
    db: DbOption = None,
    state_file: StateFileOption = None,
    dlq_file: DlqFileOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every dead letter: id, event, message_id, retry count, error (payloads with --json)."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        emit(_dlq_queue(db, state_file, dlq_file).dead_letters(), as_json=as_json, render=_dlq_rows)


@dlq_app.command("replay", cls=OneLineUsage)
def dlq_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Dead-letter ids (from list)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead letter")] = False,
    db: DbOption = None,
    state_file: StateFileOption = None,
    dlq_file: DlqFileOption = None,
    json_out: JsonOption = False,
) -> None:
    """Queue dead letters again (attempts reset); `b24 events worker --local` then runs their handlers."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        queue = _dlq_queue(db, state_file, dlq_file)
        done = queue.requeue_dead_letters(_pick(queue, ids, every, "replay"))
        emit(
            {"requeued": [d["id"] for d in done], "queue": queue.counts()},
            as_json=as_json,
            render=lambda o: typer.echo(
                f"requeued {len(o['requeued'])} dead letter(s); run `b24 events worker --local` to handle them"
            ),
        )


@dlq_app.command("drop", cls=OneLineUsage)
def dlq_drop(
    ids: Annotated[list[str] | None, typer.Argument(help="Dead-letter ids (from list)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead letter")] = False,
    db: DbOption = None,
    state_file: StateFileOption = None,
    dlq_file: DlqFileOption = None,
    json_out: JsonOption = False,
) -> None:
    """Delete dead letters for good."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        queue = _dlq_queue(db, state_file, dlq_file)
        done = queue.drop_dead_letters(_pick(queue, ids, every, "drop"))
        emit(
            {"dropped": [d["id"] for d in done]},
            as_json=as_json,
            render=lambda o: typer.echo(f"dropped {len(o['dropped'])} dead letter(s)"),
        )
