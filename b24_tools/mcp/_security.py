"""HTTP transport security (MCP spec, transports § security warning): loopback by default, `Origin` checked
against DNS rebinding, a bearer token on every request, no secret in any answer or log.

Order of checks on each HTTP request: `Host` (421, loopback binds only) → `Origin` (403) → `Authorization:
Bearer` (401, compared in constant time). Lifespan events pass through untouched.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._errors import B24ConfigError
from .._settings import is_loopback_host

__all__ = ["SecurityMiddleware", "check_bind", "loopback_origins", "write_token_file"]

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

Scope = dict[str, Any]


def loopback_origins(extra: Iterable[str] = ()) -> list[str]:
    """Origins a browser on this machine may use (any port), plus those configured."""
    out = [f"{scheme}://{host}" for scheme in ("http", "https") for host in _LOOPBACK_NAMES]
    out += [o.rstrip("/") for o in extra if o]
    return out


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token (anyone on the network could call the tools)."""
    if not is_loopback_host(host) and not token:
        raise B24ConfigError(
            f"refusing to serve MCP on {host} without a bearer token",
            hint="set B24_MCP_TOKEN (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
            "or bind to 127.0.0.1",
        )


def write_token_file(path: Path) -> str:
    """Make a one-time token for this run and store it in a private file (0600); return the token."""
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    os.chmod(path, 0o600)
    return token


def _origin_allowed(origin: str, allowed: list[str]) -> bool:
    origin = origin.rstrip("/").lower()
    for item in allowed:
        item = item.lower()
        if origin == item or (origin.startswith(item + ":") and origin[len(item) + 1 :].isdigit()):
            return True
    return False


def _host_allowed(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in _LOOPBACK_NAMES


class SecurityMiddleware:
    """ASGI middleware in front of the MCP app (see the module docstring for the order of checks)."""

    def __init__(self, app: Any, *, token: str, allowed_origins: list[str], check_host: bool) -> None:
        if not token:
            raise B24ConfigError("the MCP HTTP transport needs a bearer token", hint="set B24_MCP_TOKEN")
        self.app = app
        self._token = token.encode()
        self._origins = allowed_origins
        self._check_host = check_host

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self._check_host and not _host_allowed(headers.get("host", "")):
            await _deny(send, 421, "misdirected_request", "Host must be a loopback name")
            return
        origin = headers.get("origin")
        if origin is not None and not _origin_allowed(origin, self._origins):
            await _deny(send, 403, "forbidden_origin", "Origin not allowed (DNS rebinding protection)")
            return
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self._token):
            await _deny(
                send,
                401,
                "invalid_token",
                "missing or wrong bearer token",
                extra=[(b"www-authenticate", b'Bearer realm="b24-mcp", error="invalid_token"')],
            )
            return
        await self.app(scope, receive, send)


async def _deny(
    send: Any, status: int, code: str, message: str, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": code, "error_description": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
