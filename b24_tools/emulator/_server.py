"""Serve the emulator over a real loopback socket (uvicorn on a thread), optionally with TLS; remote-serving guards.

The emulator has no real security: it is meant for loopback. Serving it on another interface (`--allow-remote`,
`allow_remote=True`) prints a warning, replaces the well-known default webhook code with a random one, and
requires a random bearer token on the `/_emulator/*` admin endpoints (`prepare_remote`).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._errors import require_extra

__all__ = ["serve_in_thread", "make_self_signed", "prepare_remote", "DEFAULT_WEBHOOK_CODE", "REMOTE_WARNING"]

DEFAULT_WEBHOOK_CODE = "emulator-secret-code"
REMOTE_WARNING = (
    "warning: the emulator is listening on {host}, beyond loopback. It has no real security: anyone who can reach "
    "it and knows the webhook code can read and write its data. Admin endpoints (/_emulator/*) need the admin "
    "token below."
)


def prepare_remote(config: Any, host: str) -> str | None:
    """For a non-loopback `host`: a random webhook code (if the default was kept) and a random admin token (if
    none was set). Returns the warning to show, or None on loopback (nothing changes)."""
    from .._settings import is_loopback_host

    if is_loopback_host(host):
        return None
    if config.webhook_code == DEFAULT_WEBHOOK_CODE:
        config.webhook_code = secrets.token_urlsafe(18)
    if not config.admin_token:
        config.admin_token = secrets.token_urlsafe(24)
    return REMOTE_WARNING.format(host=host)


@contextmanager
def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    certfile: str | Path | None = None,
    keyfile: str | Path | None = None,
    log_level: str = "warning",
    **options: Any,
) -> Iterator[str]:
    """Run uvicorn on a daemon thread; yield the base URL (`http://127.0.0.1:PORT`); stop on exit.

    `options` go to `uvicorn.Config` as they are (e.g. `proxy_headers`, `forwarded_allow_ips`).
    """
    require_extra("serving over a socket", "server", "uvicorn")
    import uvicorn

    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "lifespan": "off",
        "http": "h11",
        "ssl_certfile": str(certfile) if certfile else None,
        "ssl_keyfile": str(keyfile) if keyfile else None,
        "access_log": False,
        "proxy_headers": False,  # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default
    }
    config = uvicorn.Config(app, **{**settings, **options})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="b24-emulator-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator server did not start (is the port free?)")
        time.sleep(0.01)
    sock = server.servers[0].sockets[0]
    bound_port = sock.getsockname()[1]
    scheme = "https" if certfile else "http"
    shown = "localhost" if host in ("localhost",) else host
    try:
        yield f"{scheme}://{shown}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def make_self_signed(
    directory: str | Path, *, names: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> tuple[Path, Path, Path]:
    """Write a local CA and a server certificate for 127.0.0.1/localhost → (certfile, keyfile, ca_file).

    Clients trust the CA file (`httpx.Client(verify=ca_file)`, `SSL_CERT_FILE=ca_file`).
    """
    require_extra("a self-signed certificate for the emulator", "server", "trustme")
    import trustme

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert(*names)
    certfile = directory / "emulator-cert.pem"
    keyfile = directory / "emulator-key.pem"
    ca_file = directory / "emulator-ca.pem"
    cert.private_key_pem.write_to_path(str(keyfile))
    with certfile.open("wb") as fh:
        for blob in cert.cert_chain_pems:
            fh.write(blob.bytes())
    ca.cert_pem.write_to_path(str(ca_file))
    keyfile.chmod(0o600)
    return certfile, keyfile, ca_file
