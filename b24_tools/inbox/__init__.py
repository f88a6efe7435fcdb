"""Reviewer inbox: a small web page where people approve, edit or reject pending plans.

    from b24_tools.inbox import create_app
    app = create_app(lambda: Approvals.open(settings), settings=settings)

`b24 review serve` runs it (see `serve_command`); templates and the stylesheet ship inside the package.
"""

from __future__ import annotations

from ._app import SESSION_COOKIE, create_app
from ._auth import ReviewerAuth, hash_password, verify_password
from ._serve import cookie_secure_for, hash_password_command, serve_command

__all__ = [
    "create_app",
    "serve_command",
    "hash_password_command",
    "hash_password",
    "verify_password",
    "ReviewerAuth",
    "cookie_secure_for",
    "SESSION_COOKIE",
]
