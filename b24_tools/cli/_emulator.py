"""`b24 emulator …`: run the local Bitrix24 REST emulator, or make a certificate for it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._errors import require_extra
from .._urls import is_loopback_host
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
    webhook_code: Annotated[
        str | None,
        typer.Option(
            help="The inbound webhook code (default: emulator-secret-code on loopback, random otherwise)."
        ),
    ] = None,
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
        bool,
        typer.Option(
            help="Allow a non-loopback --host (the emulator has no real security: a warning is printed, the "
            "webhook code is random and admin endpoints need a printed bearer token)."
        ),
    ] = False,
    portals: Annotated[
        int,
        typer.Option(
            help="Serve this many portals (ports PORT+1…PORT+N; the OAuth server on PORT), "
            "each with its own data, bucket, application copy and tokens."
        ),
    ] = 1,
    app_install_url: Annotated[
        str | None, typer.Option(help="With --portals: the application's install URL (b24 app serve)")
    ] = None,
    app_handler_url: Annotated[
        str | None, typer.Option(help="With --portals: the application's event handler URL")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="With --portals: the application's client_id")] = None,
    client_secret: Annotated[
        str | None, typer.Option(help="With --portals: the application's client_secret")
    ] = None,
    install: Annotated[
        bool, typer.Option(help="With --portals: install the application on every portal at start")
    ] = False,
    admin_token: Annotated[
        str | None,
        typer.Option(
            envvar="B24_EMULATOR_ADMIN_TOKEN",
            help="Bearer token for /_emulator/* (random when serving beyond loopback; none on loopback).",
        ),
    ] = None,
) -> None:
    """Serve the emulator and print the webhook URL; runs until stopped (Ctrl-C)."""
    with handle_errors():  # names the extra to install when the server packages are missing
        require_extra("b24 emulator serve", "server", "starlette", "uvicorn")
    import uvicorn

    from ..emulator import Emulator, EmulatorConfig, make_self_signed
    from ..emulator._server import DEFAULT_WEBHOOK_CODE, prepare_remote

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
        webhook_code=webhook_code or DEFAULT_WEBHOOK_CODE, admin_token=admin_token or None, user_id=user_id,
        rate=rate, burst=burst, latency_ms=latency_ms, per_record_latency_ms=per_record_latency_ms,
        cost_model=cost_model, operating_limit=operating_limit,
        portal_domain=host,
    )  # fmt: skip
    warning = prepare_remote(config, host)  # beyond loopback: random webhook code (never the well-known one)
    if warning:
        typer.echo(warning, err=True)
    if portals > 1 or app_install_url:
        _serve_farm(
            config, portals=portals, host=host, port=port, db=db, install_url=app_install_url,
            handler_url=app_handler_url, client_id=client_id, client_secret=client_secret, install=install,
            seeds={"leads": seed_leads, "deals": seed_deals, "contacts": seed_contacts,
                   "companies": seed_companies, "tasks": seed_tasks},
        )  # fmt: skip
        return
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
    if config.admin_token:
        typer.echo(f"Admin token (Authorization: Bearer …): {config.admin_token}")
    if ca_file is not None:
        typer.echo(f"Trust this CA in clients: {ca_file}  (e.g. SSL_CERT_FILE={ca_file})")
    typer.echo("Press Ctrl-C to stop.")
    try:
        uvicorn.run(
            emu.app, host=host, port=port, log_level="warning", lifespan="off", http="h11", proxy_headers=False,
            ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None,
        )  # fmt: skip
    finally:
        emu.close()


def _serve_farm(
    config: object,
    *,
    portals: int,
    host: str,
    port: int,
    db: Path | None,
    install_url: str | None,
    handler_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    install: bool,
    seeds: dict[str, int],
) -> None:
    """Several portals on PORT+1…PORT+N, the OAuth server on PORT; optionally install the application on all."""
    import time

    from ..emulator._farm import EmulatorFarm

    if install and not install_url:
        raise typer.BadParameter("--install needs --app-install-url", param_hint="--install")
    if port == 0:
        raise typer.BadParameter("--portals needs a fixed --port (the portals take the next ones)")
    farm = EmulatorFarm(
        portals, config=config, db_dir=db, client_id=client_id, client_secret=client_secret,  # type: ignore[arg-type]
        install_url=install_url, handler_url=handler_url or (install_url.rsplit("/", 1)[0] + "/events"
                                                             if install_url else None),
    )  # fmt: skip
    for n, emu in enumerate(farm.portals, start=1):
        if emu.count("lead") == 0 and emu.count("deal") == 0 and emu.count("task") == 0:
            emu.seed(**seeds, seed=42 + n)
    with farm, farm.serve(host, ports=[port + i for i in range(portals + 1)]) as oauth_url:
        typer.echo(
            f"Bitrix24 emulator: {portals} portals, OAuth server on {oauth_url}  (state: {db or 'in memory'})"
        )
        typer.echo(f"Application: client_id={farm.client_id} client_secret={farm.client_secret}")
        typer.echo(
            f"  run the app with B24_CLIENT_ID, B24_CLIENT_SECRET above and B24_OAUTH_SERVER={oauth_url}"
        )
        for n, emu in enumerate(farm.portals, start=1):
            typer.echo(
                f"  portal {n}: {emu.base_url}  member_id={emu.config.member_id}  webhook={emu.webhook_url}"
            )
        typer.echo(
            f"Install / uninstall portal N: curl -X POST {oauth_url}/_farm/install/N (or /uninstall/N)"
        )
        if install:
            for n in range(1, portals + 1):
                answers = farm.install(n)
                typer.echo(
                    f"  installed portal {n}: "
                    + ", ".join(f"{k} {v.status_code}" for k, v in answers.items())
                )
        typer.echo("Press Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


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
