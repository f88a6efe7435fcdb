"""`b24 events serve` (outgoing-webhook receiver) and `b24 events worker` (offline events)."""

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
    no_client: Annotated[
        bool, typer.Option("--no-client", help="Queue only; handlers get no client")
    ] = False,
) -> None:
    """Receive Bitrix24 events: verify application_token (constant time), queue durably, run handlers."""
    with handle_errors():
        require_extra("b24 events serve", "server", "starlette", "uvicorn")
        import uvicorn

        from ..events import EventQueue, JsonlAudit, TeeAudit, create_receiver_app

        settings = load_settings()
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
    emulator: EmulatorOption = False,
    local: Annotated[
        bool, typer.Option("--local", help="Instead: retry events the receiver queued but could not handle")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Process offline events: event.offline.get (clear=0) → handlers → event.offline.clear / .error."""
    as_json = want_json(json_out)
    with handle_errors(as_json=as_json):
        from dataclasses import asdict

        from ..events import EventQueue, JsonlAudit, OfflineWorker, TeeAudit, drain_queue, registry

        settings = load_settings()
        _load_handlers(handlers)
        client = build_client(settings, emulator=emulator)
        token = settings.application_token.get_secret_value() if settings.application_token else None
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
                    queue = EventQueue(db or settings.events_db)
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
                    queue=EventQueue(db or settings.events_db),
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
