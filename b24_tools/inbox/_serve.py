"""`b24 review serve`: run the inbox with uvicorn; `b24 review hash-password`: make a reviewer password hash."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._urls import is_loopback_host
from ._auth import hash_password

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["serve_command", "hash_password_command", "cookie_secure_for", "uvicorn_options"]


def cookie_secure_for(host: str, *, tls: bool, override: bool | None = None) -> bool:
    """Session cookies are `Secure` unless the inbox is served over plain http on a loopback address.

    Browsers drop `Secure` cookies on plain http (except for some loopback hosts), so loopback http turns the
    flag off; any other address must be served over TLS (`--certfile/--keyfile`) or behind an HTTPS proxy.
    """
    if override is not None:
        return override
    return tls or not is_loopback_host(host)


def uvicorn_options(
    host: str,
    port: int,
    *,
    log_level: str = "info",
    certfile: Path | None = None,
    keyfile: Path | None = None,
    forwarded_allow_ips: str | None = None,
) -> dict[str, Any]:
    """uvicorn's keyword arguments for the inbox.

    Proxy headers are passed explicitly: uvicorn's own default trusts `X-Forwarded-For` from 127.0.0.1, which
    would let anyone on the host pick the address the sign-in throttle sees. They are read only from the
    proxies `forwarded_allow_ips` names (comma-separated addresses or networks).
    """
    ips = (forwarded_allow_ips or "").strip()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "proxy_headers": bool(ips),
        "forwarded_allow_ips": ips or "",
        "server_header": False,
    }
    if certfile is not None:
        options.update(ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))
    return options


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8790,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM) to serve https.")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM) for --certfile.")] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Force the session cookie's Secure flag (default: on unless plain http on loopback).",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Addresses of the reverse proxy whose X-Forwarded-For/-Proto to trust (e.g. 127.0.0.1); "
            "none by default."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    graph: Annotated[
        str | None,
        typer.Option(
            "--graph",
            help="Agent graph to resume after deciding an agent's plan (module:attr or path.py:attr; "
            "default B24_AGENT_GRAPH).",
        ),
    ] = None,
) -> None:
    """Serve the reviewer inbox: pending plans across threads; approve, edit or reject in a browser.

    Sign-in uses B24_REVIEWER_TOKEN or B24_REVIEWER_PASSWORD_HASH; with neither set, a one-time token is made
    for this run and printed here. B24_SESSION_SECRET keeps sessions valid across restarts.
    """
    import uvicorn
    from pydantic import SecretStr

    from .._settings import B24Settings
    from ..approval import Approvals  # heavy: imported only when serving
    from . import create_app  # says which extra to install when the server packages are missing

    settings = B24Settings()
    if graph:
        settings.agent_graph = graph
    if not _set(settings.reviewer_token) and not _set(settings.reviewer_password_hash):
        token = secrets.token_urlsafe(24)
        settings.reviewer_token = SecretStr(token)
        typer.echo(
            "No B24_REVIEWER_TOKEN or B24_REVIEWER_PASSWORD_HASH set: sign in with this one-time token "
            f"(valid until the server stops):\n\n    {token}\n",
            err=True,
        )
    tls = certfile is not None
    if tls and keyfile is None:
        raise typer.BadParameter("--certfile needs --keyfile")
    secure = cookie_secure_for(host, tls=tls, override=secure_cookies)
    if not is_loopback_host(host) and not tls:
        typer.echo(
            f"warning: serving plain http on {host}: session cookies are Secure, so browsers only keep them "
            "behind an HTTPS reverse proxy (name it with --forwarded-allow-ips) or with --certfile/--keyfile.",
            err=True,
        )
    # sessions outlive a restart only when the cookie signature does (a configured B24_SESSION_SECRET)
    sessions = settings.runtime_dir / "inbox_sessions.sqlite" if _set(settings.session_secret) else None
    app = create_app(
        lambda: Approvals.open(settings), settings=settings, cookie_secure=secure, sessions=sessions
    )
    scheme = "https" if tls else "http"
    typer.echo(f"Review inbox on {scheme}://{host}:{port}/ (Ctrl+C to stop)", err=True)
    options = uvicorn_options(
        host,
        port,
        log_level=log_level,
        certfile=certfile,
        keyfile=keyfile,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    uvicorn.run(app, **options)


def hash_password_command(
    iterations: Annotated[int, typer.Option(help="PBKDF2 iterations.")] = 600_000,
) -> None:
    """Prompt for a reviewer password and print its hash for B24_REVIEWER_PASSWORD_HASH."""
    password = typer.prompt("Reviewer password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        typer.echo("Use at least 8 characters.", err=True)
        raise typer.Exit(2)
    sys.stdout.write(hash_password(password, iterations=iterations) + "\n")


def _set(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value())
