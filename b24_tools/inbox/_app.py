"""The reviewer inbox: a Starlette app with server-rendered pages over the approval graph's reviewer API.

Pages: `/` (tabs pending / expired / unknown outcome / decided, filters, counts by risk), `/plans/{id}` (summary,
params table, bulk sample and download, audit timeline, decision forms), `/plans/{id}/edit` (form from the
method's params schema → diff → confirm). Every POST needs the session's CSRF token; every page but `/login`
and `/healthz` needs a signed-in reviewer. Decisions go through `approve` / `edit` / `reject` with
`reviewer=<signed-in name>`, so audit records who decided.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .._settings import B24Settings
from ._auth import ReviewerAuth
from ._backend import ReviewerBackend
from ._decisions import DecisionsMixin
from ._page_handlers import PagesMixin
from ._sessions import SchemeAwareSessions, SessionStore
from ._web import SESSION_COOKIE, STATIC_DIR

__all__ = ["create_app", "SESSION_COOKIE"]


class _Inbox(PagesMixin, DecisionsMixin):
    """All handlers over one shared state."""


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw or None


def create_app(
    approvals: Any | Callable[[], Any],
    *,
    settings: B24Settings | None = None,
    cookie_secure: bool = True,
    session_max_age: int = 12 * 3600,
    login_attempts: int = 10,
    portal_titles: bool = True,
    sessions: SessionStore | str | Path | None = None,
) -> Starlette:
    """Build the inbox app.

    `approvals`: an `Approvals` object, or a factory returning one (or a context manager yielding one, such as
    `lambda: Approvals.open(settings)`), opened on first use and closed at shutdown. Auth comes from
    `settings.reviewer_token` / `settings.reviewer_password_hash`; cookies are signed with
    `settings.session_secret` (a random per-process key when unset: sessions end at restart).
    `cookie_secure=True` marks the session cookie `Secure` always; otherwise it is `Secure` on requests that came
    over TLS. Sessions live on the server (`sessions`: a `SessionStore`, a SQLite file path, or None for memory):
    sign-out, `session_max_age` and a changed token or password hash end them.
    `portal_titles`: label entity fields with the portal's own titles (`crm.lead.fields`, …, one cached read
    per entity through `approvals.client`).
    """
    settings = settings or B24Settings()
    secret_key = _secret(settings.session_secret) or secrets.token_urlsafe(32)
    auth = ReviewerAuth(
        token=_secret(settings.reviewer_token),
        password_hash=_secret(settings.reviewer_password_hash),
        pepper=secret_key.encode("utf-8"),
    )
    store = (
        sessions if isinstance(sessions, SessionStore) else SessionStore(sessions, max_age=session_max_age)
    )
    backend = ReviewerBackend(approvals)
    inbox = _Inbox(backend, auth, sessions=store, login_attempts=login_attempts, portal_titles=portal_titles)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            backend.close()

    routes = [
        Route("/", inbox.inbox),
        Route("/healthz", inbox.healthz),
        Route("/login", inbox.login_page, methods=["GET"]),
        Route("/login", inbox.login, methods=["POST"]),
        Route("/logout", inbox.logout, methods=["POST"]),
        Route("/plans/{plan_id}", inbox.plan_page),
        Route("/plans/{plan_id}/records.{fmt:str}", inbox.download),
        Route("/plans/{plan_id}/approve", inbox.approve, methods=["POST"]),
        Route("/plans/{plan_id}/reject", inbox.reject, methods=["POST"]),
        Route("/plans/{plan_id}/resolve", inbox.resolve, methods=["POST"]),
        Route("/plans/{plan_id}/edit", inbox.edit_page, methods=["GET"]),
        Route("/plans/{plan_id}/edit", inbox.edit_preview, methods=["POST"]),
        Route("/plans/{plan_id}/edit/confirm", inbox.edit_confirm, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    middleware = [
        Middleware(
            SchemeAwareSessions,
            secret_key=secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=session_max_age,
            same_site="strict",
            https_only=cookie_secure,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.backend = backend
    app.state.sessions = store
    return app
