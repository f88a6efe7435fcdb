"""Reviewer inbox: a small web page where people approve, edit or reject pending plans.

    b24 review serve [--host 127.0.0.1] [--port 8790]        # or: python -m b24_tools.inbox serve

    from b24_tools.inbox import create_app
    app = create_app(lambda: Approvals.open(settings), settings=settings)

Configuration (environment or `.env`):
- `B24_REVIEWER_TOKEN`: a shared sign-in token; reviewers type their name beside it (the name goes to audit).
- `B24_REVIEWER_PASSWORD_HASH`: `pbkdf2_sha256$…` from `b24 review hash-password`, or `alice=HASH,bob=HASH` to
  bind passwords to names. With neither set, `serve` prints a one-time token for that run.
- `B24_SESSION_SECRET`: signs the session cookie (random per process when unset: sessions end at restart).

Sessions live on the server (the cookie carries a random id): signing out, expiry (12 h) and a rotated token or
password hash end them. The session cookie is HttpOnly, SameSite=Strict and Secure whenever the request came
over TLS, and always except when serving plain http on a loopback address (where browsers would drop it); any
other address needs TLS (`--certfile/--keyfile`) or an HTTPS reverse proxy named by `--forwarded-allow-ips`
(only then are `X-Forwarded-*` headers believed). Failed sign-ins are throttled per client address and per
reviewer name. Every form carries a session-bound CSRF token; cross-site POSTs are refused. Templates and the
stylesheet ship inside the package; no JavaScript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import require_extra
from ._auth import ReviewerAuth, hash_password, verify_password
from ._serve import cookie_secure_for, hash_password_command, serve_command, uvicorn_options
from ._sessions import SessionStore

if TYPE_CHECKING:
    from ._app import SESSION_COOKIE, create_app

_SERVER_MODULES = ("starlette", "jinja2", "itsdangerous", "python_multipart", "uvicorn")

__all__ = [
    "create_app",
    "serve_command",
    "hash_password_command",
    "hash_password",
    "verify_password",
    "ReviewerAuth",
    "cookie_secure_for",
    "SESSION_COOKIE",
    "SessionStore",
    "uvicorn_options",
]


def __getattr__(name: str) -> Any:
    """The web app needs the `server` extra; the commands and password helpers above do not."""
    if name in ("create_app", "SESSION_COOKIE"):
        require_extra("the reviewer inbox", "server", *_SERVER_MODULES)
        from . import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
