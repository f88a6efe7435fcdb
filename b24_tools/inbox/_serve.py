"""`b24 review serve`: run the inbox with uvicorn; `b24 review hash-password`: make a reviewer password hash."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from .._settings import B24Settings, is_loopback_host
from ._auth import hash_password

__all__ = ["serve_command", "hash_password_command", "cookie_secure_for"]


def cookie_secure_for(host: str, *, tls: bool, override: bool | None = None) -> bool:
    """Session cookies are `Secure` unless the inbox is served over plain http on a loopback address.

    Browsers drop `Secure` cookies on plain http (except for some loopback hosts), so loopback http turns the
    flag off; any other address must be served over TLS (`--certfile/--keyfile`) or behind an HTTPS proxy.
    """
    if override is not None:
        return override
    return tls or not is_loopback_host(host)


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
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-* from 127.0.0.1 (behind an HTTPS reverse proxy).")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the reviewer inbox: pending plans across threads; approve, edit or reject in a browser.

    Sign-in uses B24_REVIEWER_TOKEN or B24_REVIEWER_PASSWORD_HASH; with neither set, a one-time token is made
    for this run and printed here. B24_SESSION_SECRET keeps sessions valid across restarts.
    """
    import uvicorn

    from ..approval import Approvals  # heavy: imported only when serving
    from . import create_app  # says which extra to install when the server packages are missing

    settings = B24Settings()
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
            "behind an HTTPS reverse proxy (use --proxy-headers) or with --certfile/--keyfile.",
            err=True,
        )
    app = create_app(lambda: Approvals.open(settings), settings=settings, cookie_secure=secure)
    scheme = "https" if tls else "http"
    typer.echo(f"Review inbox on {scheme}://{host}:{port}/ (Ctrl+C to stop)", err=True)
    kwargs: dict[str, Any] = {"host": host, "port": port, "log_level": log_level}
    if tls:
        kwargs.update(ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))
    if proxy_headers:
        kwargs.update(proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    uvicorn.run(app, **kwargs)


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
