"""`b24 emulator …`: run the local Bitrix24 REST emulator, or make a certificate for it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._errors import require_extra
from .._settings import is_loopback_host
from ._common import handle_errors

__all__ = ["emulator_app"]

emulator_app = typer.Typer(help="Run the local Bitrix24 REST emulator.", no_args_is_help=True)

_DEFAULT_TLS_DIR = Path(".runtime") / "emulator-tls"


@emulator_app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback unless --allow-remote).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0 = any free port).")] = 8765,
    db: Annotated[
        Path | None, typer.Option(help="SQLite state file (survives restarts); default: in memory.")
    ] = None,
    webhook_code: Annotated[str, typer.Option(help="The inbound webhook code.")] = "emulator-secret-code",
    user_id: Annotated[int, typer.Option(help="The webhook's user id.")] = 1,
    seed_leads: Annotated[int, typer.Option(help="Seed this many leads when the portal is empty.")] = 0,
    seed_deals: Annotated[int, typer.Option(help="Seed this many deals when the portal is empty.")] = 0,
    seed_contacts: Annotated[int, typer.Option(help="Seed this many contacts when the portal is empty.")] = 0,
    seed_companies: Annotated[
        int, typer.Option(help="Seed this many companies when the portal is empty.")
    ] = 0,
    seed_tasks: Annotated[int, typer.Option(help="Seed this many tasks when the portal is empty.")] = 0,
    rate: Annotated[
        float | None, typer.Option(help="Leaky bucket drain per second (e.g. 2); off when omitted.")
    ] = None,
    burst: Annotated[int, typer.Option(help="Leaky bucket size (503 QUERY_LIMIT_EXCEEDED beyond it).")] = 50,
    latency_ms: Annotated[float, typer.Option(help="Added to every answer.")] = 0.0,
    per_record_latency_ms: Annotated[float, typer.Option(help="Added per returned record.")] = 0.0,
    cost_model: Annotated[
        bool, typer.Option(help="Model counted-list cost (settings/performance/huge-data.md).")
    ] = False,
    operating_limit: Annotated[
        float, typer.Option(help="Operating seconds per method per 10 minutes (429 beyond).")
    ] = 480.0,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    self_signed: Annotated[
        bool, typer.Option(help="Serve HTTPS with a fresh self-signed certificate.")
    ] = False,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a non-loopback --host (the emulator has no real security).")
    ] = False,
) -> None:
    """Serve the emulator and print the webhook URL; runs until stopped (Ctrl-C)."""
    with handle_errors():  # names the extra to install when the server packages are missing
        require_extra("b24 emulator serve", "server", "starlette", "uvicorn")
    import uvicorn

    from ..emulator import Emulator, EmulatorConfig, make_self_signed

    if not is_loopback_host(host) and not allow_remote:
        raise typer.BadParameter(
            f"{host} is not a loopback address; pass --allow-remote to serve on it", param_hint="--host"
        )
    if (certfile is None) != (keyfile is None):
        raise typer.BadParameter("--certfile and --keyfile go together", param_hint="--certfile")
    ca_file = None
    if self_signed and certfile is None:
        certfile, keyfile, ca_file = make_self_signed(_DEFAULT_TLS_DIR)
    config = EmulatorConfig(
        webhook_code=webhook_code, user_id=user_id, rate=rate, burst=burst, latency_ms=latency_ms,
        per_record_latency_ms=per_record_latency_ms, cost_model=cost_model, operating_limit=operating_limit,
        portal_domain=host,
    )  # fmt: skip
    emu = Emulator(db if db is not None else ":memory:", config)
    if emu.count("lead") == 0 and emu.count("deal") == 0 and emu.count("task") == 0:
        emu.seed(
            leads=seed_leads,
            deals=seed_deals,
            contacts=seed_contacts,
            companies=seed_companies,
            tasks=seed_tasks,
        )
    scheme = "https" if certfile else "http"
    emu.set_base_url(f"{scheme}://{host}:{port}")
    typer.echo(f"Bitrix24 emulator on {scheme}://{host}:{port}  (state: {db or 'in memory'})")
    typer.echo(f"Webhook URL: {emu.webhook_url}")
    if ca_file is not None:
        typer.echo(f"Trust this CA in clients: {ca_file}  (e.g. SSL_CERT_FILE={ca_file})")
    typer.echo("Press Ctrl-C to stop.")
    try:
        uvicorn.run(
            emu.app, host=host, port=port, log_level="warning", lifespan="off", http="h11",
            ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None,
        )  # fmt: skip
    finally:
        emu.close()


@emulator_app.command("cert")
def cert(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the files.")] = _DEFAULT_TLS_DIR,
) -> None:
    """Make a local CA and a certificate for 127.0.0.1/localhost; prints the three file paths."""
    with handle_errors():
        require_extra("b24 emulator cert", "server", "starlette")
    from ..emulator import make_self_signed

    certfile, keyfile, ca_file = make_self_signed(directory)
    typer.echo(f"certfile: {certfile}")
    typer.echo(f"keyfile:  {keyfile}")
    typer.echo(f"CA file:  {ca_file}  (trust it in clients, e.g. SSL_CERT_FILE={ca_file})")
    typer.echo(f"serve:    b24 emulator serve --certfile {certfile} --keyfile {keyfile}")
