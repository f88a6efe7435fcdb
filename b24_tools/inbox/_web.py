"""What every inbox page shares: rendering with security headers, sessions, CSRF, flashes, plan loading.

`InboxCore` holds the app's state (auth, the reviewer API backend, templates); the page and decision handlers
are mixins over it (`_page_handlers.py`, `_decisions.py`), assembled by `create_app` in `_app.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from .._errors import B24Error
from .._redact import redact, redact_text
from ._auth import LoginThrottle, ReviewerAuth, csrf_matches, new_csrf_token, valid_reviewer_name
from ._backend import ReviewerBackend
from ._fields import EntityFields
from ._forms import FormField, form_fields, parse_form
from ._sessions import SessionStore
from ._viewdata import attr, audit_rows, flatten, pretty

__all__ = [
    "InboxCore",
    "SESSION_COOKIE",
    "SECURITY_HEADERS",
    "TEMPLATES_DIR",
    "STATIC_DIR",
    "fields_with_values",
    "error_text",
    "safe_next",
]

SESSION_COOKIE = "b24_inbox_session"
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class InboxCore:
    """State and helpers shared by every handler."""

    def __init__(
        self,
        backend: ReviewerBackend,
        auth: ReviewerAuth,
        *,
        sessions: SessionStore,
        login_attempts: int,
        portal_titles: bool,
    ) -> None:
        self.backend = backend
        self.auth = auth
        self.sessions = sessions
        self.throttle = LoginThrottle(limit=login_attempts)
        self.entity_fields = EntityFields(enabled=portal_titles)
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["pretty"] = pretty
        self.templates = Jinja2Templates(env=env)

    def csrf_of(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = request.session["csrf"] = new_csrf_token()
        return token

    def render(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        flash = request.session.pop("flash", None)
        ctx = {
            "reviewer": self.reviewer_of(request),
            "csrf": self.csrf_of(request),
            "flash": flash,
            "auth_token": self.auth.uses_token,
            "auth_password": self.auth.uses_password,
            **context,
        }
        return self.templates.TemplateResponse(
            request, name, ctx, status_code=status, headers=SECURITY_HEADERS
        )

    def flash(self, request: Request, kind: str, text: str) -> None:
        request.session["flash"] = {"kind": kind, "text": redact_text(text)[:500]}

    def reviewer_of(self, request: Request) -> str | None:
        """The signed-in reviewer: a live server-side session whose credential is still the configured one."""
        cached = request.scope.get("b24.reviewer", False)
        if cached is not False:
            return cached
        sid = request.session.get("sid")
        session = self.sessions.get(sid)
        name = None
        if session is not None:
            if valid_reviewer_name(session.reviewer) and self.auth.still_valid(
                session.reviewer, session.credential
            ):
                name = session.reviewer
            else:  # the token or this reviewer's password changed since sign-in
                self.sessions.revoke(sid)
        request.scope["b24.reviewer"] = name
        return name

    @staticmethod
    def peer_of(request: Request) -> str:
        """The client address: the socket peer, or the client a trusted proxy (`--forwarded-allow-ips`) names."""
        return request.client.host if request.client else "?"

    def to_login(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def same_origin(self, request: Request) -> bool:
        """Refuse cross-site POSTs (on top of the CSRF token): Fetch metadata first, then the Origin header."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        origin = request.headers.get("origin")
        if origin and origin != "null":
            return urlsplit(origin).netloc == request.headers.get("host", "")
        return origin != "null" or site == "same-origin"

    async def checked_form(self, request: Request) -> Any:
        """The form of a POST, or None when the CSRF token or origin check fails."""
        form = await request.form()
        if not self.same_origin(request) or not csrf_matches(request.session, form.get("csrf")):
            return None
        return form

    def csrf_failure(self, request: Request) -> Response:
        return self.render(
            request,
            "error.html",
            {
                "title": "Form expired",
                "message": "The form's security token did not match. Reload the page and try again.",
            },
            status=403,
        )

    def not_found(self, request: Request, plan_id: str) -> Response:
        return self.render(
            request, "error.html", {"title": "No such plan", "message": f"Plan {plan_id} was not found."}, 404
        )

    async def load_plan(
        self, plan_id: str, *, with_records: bool = False
    ) -> tuple[Any, Any, list[Any] | None]:
        def _load(api: Any) -> tuple[Any, Any, list[Any] | None]:
            plan = api.get_plan(plan_id)
            view = api.show(plan_id) if hasattr(api, "show") else None
            records = None
            if with_records and (attr(plan, "kind") or "") == "bulk":
                if callable(getattr(api, "bulk_records", None)):
                    records = list(api.bulk_records(plan_id))
                else:
                    records = self.records_fallback(plan, view)
            return plan, view, records

        return await self.backend.run(_load)

    async def entity_of(self, method: str | None) -> dict[str, Any]:
        return await self.backend.run(lambda api: self.entity_fields.for_method(api, method))

    async def plan_events(self, plan_id: str, view: Any) -> list[dict[str, Any]]:
        for name in ("audit", "audit_events", "events"):
            events = attr(view, name)
            if isinstance(events, list):
                return audit_rows(events)

        def _events(api: Any) -> list[Any]:
            audit = getattr(api, "audit", None)
            return audit.events(plan_id=plan_id) if audit is not None and hasattr(audit, "events") else []

        return audit_rows(await self.backend.run(_events))

    def records_fallback(self, plan: Any, view: Any) -> list[Any]:
        for source in (view, plan):
            value = attr(source, "records")
            if isinstance(value, list):
                return value
        params = attr(plan, "params")
        if isinstance(params, dict) and isinstance(params.get("records"), list):
            return params["records"]
        return [attr(c, "params", c) for c in attr(plan, "calls") or []]

    def edit_mode(self, plan: Any, requested: str | None) -> str | None:
        kind = attr(plan, "kind") or "call"
        if kind == "bulk":
            return None
        if kind == "batch" or requested == "json":
            return "json"
        return "form"

    async def decided_elsewhere(self, request: Request, plan_id: str, exc: B24Error) -> Response:
        try:
            plan = await self.backend.call("get_plan", plan_id)
        except (B24Error, KeyError, LookupError):
            plan = None
        by = attr(plan, "decided_by")
        if by:
            text = f"Plan already decided by {by}: {attr(plan, 'decision') or attr(plan, 'status')} ({attr(plan, 'status')})."
        else:
            text = f"Not decided: {exc}"
        self.flash(request, "error", text)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    def outcome_flash(self, request: Request, verb: str, result: Any) -> None:
        status = attr(result, "status") or "done"
        error = attr(result, "error")
        kind = "ok" if status in ("executed", "replayed", "rejected", "failed") and not error else "error"
        if status == "rejected":
            kind = "ok"
        text = f"{verb}: {status}."
        if error:
            text += f" {error}"
        self.flash(request, kind, text)


def fields_with_values(
    method: Any, new: dict[str, Any], old: Any, entity: dict[str, Any] | None = None
) -> list[FormField]:
    """Form fields of the original params, filled with the submitted (refused) values."""
    fields = form_fields(method, redact(old), entity=entity)
    values = {f.name: "" for f in fields}
    for path, value in flatten(new, depth=2):
        name = "p:" + json.dumps(list(path), ensure_ascii=False)
        values[name] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    _, rendered = parse_form(fields, values)
    return rendered


def error_text(exc: B24Error) -> str:
    text = str(exc)
    rule = getattr(exc, "rule", None)
    if rule:
        text += f" (policy rule: {rule})"
    return redact_text(text)


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a reviewer off-site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
