"""The reviewer inbox: a Starlette app with server-rendered pages over the approval graph's reviewer API.

Pages: `/` (tabs pending / expired / unknown outcome / decided, filters, counts by risk), `/plans/{id}` (summary,
params table, bulk sample and download, audit timeline, decision forms), `/plans/{id}/edit` (form from the
method's params schema → diff → confirm). Every POST needs the session's CSRF token; every page but `/login`
and `/healthz` needs a signed-in reviewer. Decisions go through `approve` / `edit` / `reject` with
`reviewer=<signed-in name>`, so audit records who decided.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .._errors import B24Error, B24PlanError, B24PolicyError, B24ValidationError
from .._redact import redact, redact_text
from .._settings import B24Settings
from ._auth import LoginThrottle, ReviewerAuth, csrf_matches, new_csrf_token, valid_reviewer_name
from ._backend import ReviewerBackend
from ._fields import EntityFields
from ._views import (
    FormField,
    attr,
    audit_rows,
    catalog_spec,
    diff_params,
    flatten,
    form_fields,
    param_rows,
    parse_form,
    plan_row,
    pretty,
    sample_table,
)

__all__ = ["create_app", "SESSION_COOKIE"]

SESSION_COOKIE = "b24_inbox_session"
RISKS = ("read", "write", "destructive")
DECIDED = ("approved", "executing", "executed", "rejected", "failed")
AGES = {
    "": None,
    "lt1h": ("newer", 3600),
    "gt1h": ("older", 3600),
    "gt1d": ("older", 86400),
    "gt3d": ("older", 259200),
}
MAX_ROWS = 200
SAMPLE_SIZE = 10
_HERE = Path(__file__).parent

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


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
) -> Starlette:
    """Build the inbox app.

    `approvals`: an `Approvals` object, or a factory returning one (or a context manager yielding one, such as
    `lambda: Approvals.open(settings)`), opened on first use and closed at shutdown. Auth comes from
    `settings.reviewer_token` / `settings.reviewer_password_hash`; cookies are signed with
    `settings.session_secret` (a random per-process key when unset: sessions end at restart).
    `cookie_secure=True` marks the session cookie `Secure`; only plain-http loopback serving turns it off.
    `portal_titles`: label entity fields with the portal's own titles (`crm.lead.fields`, …, one cached read
    per entity through `approvals.client`).
    """
    settings = settings or B24Settings()
    auth = ReviewerAuth(
        token=_secret(settings.reviewer_token), password_hash=_secret(settings.reviewer_password_hash)
    )
    session_secret = _secret(settings.session_secret) or secrets.token_urlsafe(32)
    backend = ReviewerBackend(approvals)
    throttle = LoginThrottle(limit=login_attempts)
    entity_fields = EntityFields(enabled=portal_titles)
    env = Environment(
        loader=FileSystemLoader(str(_HERE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = pretty
    templates = Jinja2Templates(env=env)

    # -- helpers ----------------------------------------------------------------------------------------------

    def csrf_of(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = request.session["csrf"] = new_csrf_token()
        return token

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        flash = request.session.pop("flash", None)
        ctx = {
            "reviewer": request.session.get("reviewer"),
            "csrf": csrf_of(request),
            "flash": flash,
            "auth_token": auth.uses_token,
            "auth_password": auth.uses_password,
            **context,
        }
        return templates.TemplateResponse(request, name, ctx, status_code=status, headers=_SECURITY_HEADERS)

    def flash(request: Request, kind: str, text: str) -> None:
        request.session["flash"] = {"kind": kind, "text": redact_text(text)[:500]}

    def reviewer_of(request: Request) -> str | None:
        name = request.session.get("reviewer")
        return name if isinstance(name, str) and valid_reviewer_name(name) else None

    def to_login(request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def same_origin(request: Request) -> bool:
        """Refuse cross-site POSTs (on top of the CSRF token): Fetch metadata first, then the Origin header."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        origin = request.headers.get("origin")
        if origin and origin != "null":
            return urlsplit(origin).netloc == request.headers.get("host", "")
        return origin != "null" or site == "same-origin"

    async def checked_form(request: Request) -> Any:
        """The form of a POST, or None when the CSRF token or origin check fails."""
        form = await request.form()
        if not same_origin(request) or not csrf_matches(request.session, form.get("csrf")):
            return None
        return form

    def csrf_failure(request: Request) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "Form expired",
                "message": "The form's security token did not match. Reload the page and try again.",
            },
            status=403,
        )

    def not_found(request: Request, plan_id: str) -> Response:
        return render(
            request, "error.html", {"title": "No such plan", "message": f"Plan {plan_id} was not found."}, 404
        )

    async def load_plan(plan_id: str, *, with_records: bool = False) -> tuple[Any, Any, list[Any] | None]:
        def _load(api: Any) -> tuple[Any, Any, list[Any] | None]:
            plan = api.get_plan(plan_id)
            view = api.show(plan_id) if hasattr(api, "show") else None
            records = None
            if with_records and (attr(plan, "kind") or "") == "bulk":
                if callable(getattr(api, "bulk_records", None)):
                    records = list(api.bulk_records(plan_id))
                else:
                    records = records_fallback(plan, view)
            return plan, view, records

        return await backend.run(_load)

    async def entity_of(method: str | None) -> dict[str, Any]:
        return await backend.run(lambda api: entity_fields.for_method(api, method))

    async def plan_events(plan_id: str, view: Any) -> list[dict[str, Any]]:
        for name in ("audit", "audit_events", "events"):
            events = attr(view, name)
            if isinstance(events, list):
                return audit_rows(events)

        def _events(api: Any) -> list[Any]:
            audit = getattr(api, "audit", None)
            return audit.events(plan_id=plan_id) if audit is not None and hasattr(audit, "events") else []

        return audit_rows(await backend.run(_events))

    def records_fallback(plan: Any, view: Any) -> list[Any]:
        for source in (view, plan):
            value = attr(source, "records")
            if isinstance(value, list):
                return value
        params = attr(plan, "params")
        if isinstance(params, dict) and isinstance(params.get("records"), list):
            return params["records"]
        return [attr(c, "params", c) for c in attr(plan, "calls") or []]

    def edit_mode(plan: Any, requested: str | None) -> str | None:
        kind = attr(plan, "kind") or "call"
        if kind == "bulk":
            return None
        if kind == "batch" or requested == "json":
            return "json"
        return "form"

    # -- auth routes ------------------------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        if reviewer_of(request):
            return RedirectResponse("/", status_code=303)
        return render(
            request, "login.html", {"next": _safe_next(request.query_params.get("next")), "error": ""}
        )

    async def login(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        next_url = _safe_next(str(form.get("next") or "/"))
        if throttle.blocked(client):
            return render(
                request,
                "login.html",
                {"next": next_url, "error": "Too many failed sign-ins. Wait a few minutes."},
                429,
            )
        name = str(form.get("name") or "").strip()
        ok = auth.check(name, token=str(form.get("token") or ""), password=str(form.get("password") or ""))
        if not ok:
            throttle.fail(client)
            error = (
                "Use letters, digits, spaces or .@+-_ in your name (up to 64)."
                if name and not valid_reviewer_name(name)
                else "Wrong name, token or password."
            )
            return render(request, "login.html", {"next": next_url, "error": error, "name": name}, 401)
        throttle.reset(client)
        request.session.clear()  # no fixation: a fresh session and CSRF token after sign-in
        request.session.update({"reviewer": name, "csrf": new_csrf_token(), "since": int(time.time())})
        return RedirectResponse(next_url, status_code=303)

    async def logout(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    # -- inbox ------------------------------------------------------------------------------------------------

    async def inbox(request: Request) -> Response:
        reviewer = reviewer_of(request)
        if not reviewer:
            return to_login(request)
        q = request.query_params
        tab = q.get("tab") or "pending"
        if tab not in ("pending", "expired", "unknown_outcome", "decided"):
            tab = "pending"
        filters = {
            "risk": q.get("risk") or "",
            "pack": q.get("pack") or "",
            "method": (q.get("method") or "").strip(),
            "requested_by": (q.get("requested_by") or "").strip(),
            "age": q.get("age") or "",
        }
        if filters["risk"] not in ("", *RISKS):
            filters["risk"] = ""
        if filters["age"] not in AGES:
            filters["age"] = ""

        def _load(api: Any) -> dict[str, Any]:
            pending_all = list(api.list_pending())
            out: dict[str, Any] = {"pending_all": pending_all}
            if tab == "pending":
                # risk, pack and requester go to the API; the method box is a substring match, done here
                kw = {k: v for k, v in filters.items() if v and k in ("risk", "pack", "requested_by")}
                out["plans"] = list(api.list_pending(**kw)) if kw else pending_all
            elif tab == "decided":
                plans: list[Any] = []
                for status in DECIDED:
                    with contextlib.suppress(B24Error, ValueError):
                        plans.extend(api.list_plans(status=status))
                out["plans"] = plans
            else:
                out["plans"] = list(api.list_plans(status=tab))
            out["tab_counts"] = {
                "pending": len(pending_all),
                "expired": _safe_len(api, "expired"),
                "unknown_outcome": _safe_len(api, "unknown_outcome"),
            }
            return out

        data = await backend.run(_load)
        now = datetime.now(UTC)
        rows = [plan_row(p, now=now) for p in data["plans"]]
        rows = [r for r in rows if _matches(r, filters)]
        rows = [r for r in rows if _age_ok(r, filters["age"], now)]
        rows.sort(key=lambda r: r["created_ts"] or datetime.min.replace(tzinfo=UTC), reverse=True)
        all_rows = [plan_row(p, now=now) for p in data["pending_all"]]
        risk_counts = {risk: sum(1 for r in all_rows if r["risk"] == risk) for risk in RISKS}
        packs = sorted(
            {r["pack"] for r in all_rows if r["pack"]} | ({filters["pack"]} if filters["pack"] else set())
        )
        requesters = sorted({r["requested_by"] for r in all_rows if r["requested_by"]})
        total = len(rows)
        return render(
            request,
            "inbox.html",
            {
                "tab": tab,
                "rows": rows[:MAX_ROWS],
                "total": total,
                "max_rows": MAX_ROWS,
                "filters": filters,
                "risk_counts": risk_counts,
                "tab_counts": data["tab_counts"],
                "packs": packs,
                "requesters": requesters,
                "risks": RISKS,
                "ages": [
                    ("", "any age"),
                    ("lt1h", "newer than 1 hour"),
                    ("gt1h", "older than 1 hour"),
                    ("gt1d", "older than 1 day"),
                    ("gt3d", "older than 3 days"),
                ],
                "filter_query": urlencode({k: v for k, v in filters.items() if v}),
            },
        )

    # -- plan page --------------------------------------------------------------------------------------------

    async def plan_page(request: Request) -> Response:
        if not reviewer_of(request):
            return to_login(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, view, records = await load_plan(plan_id, with_records=True)
        except (B24PlanError, KeyError, LookupError):
            return not_found(request, plan_id)
        if plan is None:
            return not_found(request, plan_id)
        return render(request, "plan.html", await plan_context(plan, view, records))

    async def plan_context(plan: Any, view: Any, records: list[Any] | None) -> dict[str, Any]:
        row = plan_row(plan)
        can_resolve = callable(getattr(backend.get(), "resolve", None))
        entity = await entity_of(row["method"]) if row["kind"] in ("call", "bulk") else {}
        bulk = None
        if records is not None:
            info = attr(plan, "bulk") or {}
            sample = (
                info.get("sample") if isinstance(info.get("sample"), list) and info.get("sample") else None
            )
            sample = (sample or records)[:SAMPLE_SIZE]
            counts = {
                k: info[k]
                for k in ("total", "chunks", "chunk_size", "done", "failed", "unknown")
                if k in info
            }
            counts.setdefault("total", len(records))
            bulk = {
                "count": len(records),
                "sample": sample_table(row["method"], sample, entity),
                "sample_size": len(sample),
                "counts": redact(counts),
            }
        calls = []
        if row["kind"] == "batch":
            for c in attr(plan, "calls") or []:
                name = attr(c, "name") or (c[0] if isinstance(c, list | tuple) else "")
                method = attr(c, "method") or (c[1] if isinstance(c, list | tuple) and len(c) > 1 else "")
                params = (
                    attr(c, "params") if not isinstance(c, list | tuple) else (c[2] if len(c) > 2 else {})
                )
                calls.append(
                    {
                        "name": name,
                        "method": method,
                        "rows": param_rows(method, params, await entity_of(method)),
                    }
                )
        edited_diff = attr(view, "diff")
        original = attr(plan, "original_params")
        if not edited_diff and original is not None:
            edited_diff = diff_params(original, attr(plan, "params"))
        if isinstance(edited_diff, list):
            edited_diff = [
                {
                    "path": str(d.get("path", "")),
                    "change": str(d.get("change", "changed")),
                    "old": pretty(redact(d.get("old"))),
                    "new": pretty(redact(d.get("new"))),
                }
                for d in edited_diff
                if isinstance(d, dict)
            ]
        result = attr(plan, "result")
        return {
            "plan": row,
            "param_rows": param_rows(row["method"], attr(plan, "params"), entity) if bulk is None else [],
            "calls": calls,
            "bulk": bulk,
            "edited_diff": edited_diff if isinstance(edited_diff, list) else [],
            "result": pretty(redact(result)) if result not in (None, "", [], {}) else "",
            "events": await plan_events(row["plan_id"], view),
            "edit_mode": edit_mode(plan, None),
            "evidence": pretty(redact(attr(plan, "evidence"))) if attr(plan, "evidence") else "",
            "reason": redact_text(str(attr(plan, "reason") or "")),
            "can_resolve": row["status"] == "unknown_outcome" and row["kind"] != "bulk" and can_resolve,
            "is_pending": row["status"] == "pending",
            "known_method": catalog_spec(row["method"]) is not None,
        }

    async def download(request: Request) -> Response:
        if not reviewer_of(request):
            return to_login(request)
        plan_id = request.path_params["plan_id"]
        fmt = request.path_params["fmt"]
        try:
            _plan, _view, records = await load_plan(plan_id, with_records=True)
        except (B24PlanError, KeyError, LookupError):
            return not_found(request, plan_id)
        if records is None or fmt not in ("json", "csv"):
            return not_found(request, plan_id)
        records = redact(records)
        headers = {
            **_SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="plan-{_file_safe(plan_id)}.{fmt}"',
        }
        if fmt == "json":
            return JSONResponse(records, headers=headers)
        buf = io.StringIO()
        flat = [
            {".".join(p): pretty(v) for p, v in flatten(r)} if isinstance(r, dict) else {"value": pretty(r)}
            for r in records
        ]
        columns: list[str] = []
        for r in flat:
            columns.extend(c for c in r if c not in columns)
        writer = csv.DictWriter(buf, fieldnames=columns or ["value"])
        writer.writeheader()
        writer.writerows(flat)
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

    # -- decisions --------------------------------------------------------------------------------------------

    async def decided_elsewhere(request: Request, plan_id: str, exc: B24Error) -> Response:
        try:
            plan = await backend.call("get_plan", plan_id)
        except (B24Error, KeyError, LookupError):
            plan = None
        by = attr(plan, "decided_by")
        if by:
            text = f"Plan already decided by {by}: {attr(plan, 'decision') or attr(plan, 'status')} ({attr(plan, 'status')})."
        else:
            text = f"Not decided: {exc}"
        flash(request, "error", text)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    def outcome_flash(request: Request, verb: str, result: Any) -> None:
        status = attr(result, "status") or "done"
        error = attr(result, "error")
        kind = "ok" if status in ("executed", "replayed", "rejected", "failed") and not error else "error"
        if status == "rejected":
            kind = "ok"
        text = f"{verb}: {status}."
        if error:
            text += f" {error}"
        flash(request, kind, text)

    async def approve(request: Request) -> Response:
        reviewer = reviewer_of(request)
        if not reviewer:
            return to_login(request)
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        plan_id = request.path_params["plan_id"]
        try:
            result = await backend.call("approve", plan_id, reviewer=reviewer)
        except B24PlanError as exc:
            return await decided_elsewhere(request, plan_id, exc)
        except B24Error as exc:
            flash(request, "error", f"Approval failed: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        outcome_flash(request, "Approved", result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    async def reject(request: Request) -> Response:
        reviewer = reviewer_of(request)
        if not reviewer:
            return to_login(request)
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        plan_id = request.path_params["plan_id"]
        reason = str(form.get("reason") or "").strip()
        if not reason:
            flash(request, "error", "Give a reason to reject the plan: the agent and the audit trail see it.")
            return RedirectResponse(f"/plans/{plan_id}#reject", status_code=303)
        try:
            result = await backend.call("reject", plan_id, reason[:2000], reviewer=reviewer)
        except B24PlanError as exc:
            return await decided_elsewhere(request, plan_id, exc)
        except B24Error as exc:
            flash(request, "error", f"Rejection failed: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        outcome_flash(request, "Rejected", result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    async def resolve(request: Request) -> Response:
        """Settle an unknown_outcome plan after checking the portal: it happened, or it did not."""
        reviewer = reviewer_of(request)
        if not reviewer:
            return to_login(request)
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        plan_id = request.path_params["plan_id"]
        happened = form.get("happened")
        if happened not in ("yes", "no"):
            flash(request, "error", "Say whether the write happened in Bitrix24.")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        try:
            result = await backend.call("resolve", plan_id, happened=happened == "yes", reviewer=reviewer)
        except B24PlanError as exc:
            return await decided_elsewhere(request, plan_id, exc)
        except (B24Error, AttributeError) as exc:
            flash(request, "error", f"Could not resolve: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        outcome_flash(request, "Resolved", result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    async def edit_page(request: Request) -> Response:
        if not reviewer_of(request):
            return to_login(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return not_found(request, plan_id)
        mode = edit_mode(plan, request.query_params.get("mode"))
        if attr(plan, "status") != "pending" or mode is None:
            flash(request, "error", "This plan cannot be edited here (not pending, or a bulk job).")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        params = redact(attr(plan, "params") or {})
        entity = await entity_of(attr(plan, "method")) if mode == "form" else {}
        return render(request, "edit.html", edit_context(plan, mode, params, None, [], entity))

    def edit_context(
        plan: Any,
        mode: str,
        params: dict[str, Any],
        fields: list[FormField] | None,
        errors: list[str],
        entity: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        method = attr(plan, "method") or ""
        if mode == "form" and fields is None:
            fields = form_fields(method, params, entity=entity)
        return {
            "plan": plan_row(plan),
            "mode": mode,
            "fields": [f for f in (fields or []) if f.present],
            "extra_fields": [f for f in (fields or []) if not f.present],
            "raw_json": json.dumps(params, ensure_ascii=False, indent=2),
            "errors": [redact_text(e) for e in errors],
            "known_method": catalog_spec(method) is not None,
        }

    async def edit_preview(request: Request) -> Response:
        if not reviewer_of(request):
            return to_login(request)
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return not_found(request, plan_id)
        mode = edit_mode(plan, str(form.get("mode") or ""))
        if attr(plan, "status") != "pending" or mode is None:
            return await decided_elsewhere(request, plan_id, B24PlanError("not pending", plan_id=plan_id))
        old = attr(plan, "params") or {}
        errors: list[str] = []
        fields: list[FormField] | None = None
        if mode == "json":
            raw = str(form.get("raw_json") or "")
            try:
                new = json.loads(raw)
                if not isinstance(new, dict):
                    raise ValueError("the parameters must be a JSON object")
            except (json.JSONDecodeError, ValueError) as exc:
                errors.append(f"Parameters are not a valid JSON object: {exc}")
                ctx = edit_context(plan, mode, {}, None, errors)
                ctx["raw_json"] = raw
                return render(request, "edit.html", ctx, 422)
        else:
            entity = await entity_of(attr(plan, "method"))
            new, fields = parse_form(form_fields(attr(plan, "method"), redact(old), entity=entity), form)
            errors = [f.error for f in fields if f.error]
        if not errors:
            errors = await precheck(plan, new)
        if errors:
            ctx = edit_context(plan, mode, new, fields, errors)
            return render(request, "edit.html", ctx, 422)
        diff = diff_params(old, new)
        return render(
            request,
            "confirm.html",
            {
                "plan": plan_row(plan),
                "diff": diff,
                "params_json": json.dumps(new, ensure_ascii=False),
                "base_hash": str(attr(plan, "params_hash") or ""),
                "mode": mode,
            },
        )

    async def precheck(plan: Any, new: dict[str, Any]) -> list[str]:
        """The catalog's validation and the policy, before the confirm step (the API checks again on submit)."""
        method = attr(plan, "method") or ""

        def _check(api: Any) -> None:
            engine = getattr(api, "engine", None)
            if engine is not None and callable(getattr(engine, "prepare_edit", None)):
                engine.prepare_edit(plan, new)  # the reviewer API's own validation + policy, without deciding
                return
            if attr(plan, "kind", "call") != "call":
                return
            spec = catalog_spec(method)
            if spec is not None and hasattr(spec, "validate_params"):
                spec.validate_params(new)
            policy = getattr(api, "policy", None)
            if policy is not None and hasattr(policy, "check"):
                policy.check(method, new, via_plan=True)

        try:
            await backend.run(_check)
        except (B24ValidationError, B24PolicyError) as exc:
            return [_error_text(exc)]
        except TypeError:
            return []
        return []

    async def edit_confirm(request: Request) -> Response:
        reviewer = reviewer_of(request)
        if not reviewer:
            return to_login(request)
        form = await checked_form(request)
        if form is None:
            return csrf_failure(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return not_found(request, plan_id)
        mode = edit_mode(plan, str(form.get("mode") or "")) or "json"
        try:
            new = json.loads(str(form.get("params_json") or ""))
            if not isinstance(new, dict):
                raise ValueError
        except ValueError:
            return render(
                request,
                "error.html",
                {"title": "Bad edit", "message": "The edited parameters were lost."},
                400,
            )
        if attr(plan, "status") != "pending":
            return await decided_elsewhere(request, plan_id, B24PlanError("not pending", plan_id=plan_id))
        if str(form.get("base_hash") or "") != str(attr(plan, "params_hash") or ""):
            ctx = edit_context(
                plan,
                mode,
                redact(attr(plan, "params") or {}),
                None,
                ["The plan changed since your preview; review the current parameters again."],
            )
            return render(request, "edit.html", ctx, 409)
        try:
            result = await backend.call("edit", plan_id, new, reviewer=reviewer)
        except (B24ValidationError, B24PolicyError) as exc:
            fields = None
            if mode == "form":
                entity = await entity_of(attr(plan, "method"))
                fields, _ = _fields_with_values(attr(plan, "method"), new, attr(plan, "params") or {}, entity)
            ctx = edit_context(plan, mode, new, fields, [_error_text(exc)])
            return render(request, "edit.html", ctx, 422)
        except B24PlanError as exc:
            return await decided_elsewhere(request, plan_id, exc)
        except B24Error as exc:
            flash(request, "error", f"Edit failed: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        outcome_flash(request, "Edited and approved", result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            backend.close()

    routes = [
        Route("/", inbox),
        Route("/healthz", healthz),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/plans/{plan_id}", plan_page),
        Route("/plans/{plan_id}/records.{fmt:str}", download),
        Route("/plans/{plan_id}/approve", approve, methods=["POST"]),
        Route("/plans/{plan_id}/reject", reject, methods=["POST"]),
        Route("/plans/{plan_id}/resolve", resolve, methods=["POST"]),
        Route("/plans/{plan_id}/edit", edit_page, methods=["GET"]),
        Route("/plans/{plan_id}/edit", edit_preview, methods=["POST"]),
        Route("/plans/{plan_id}/edit/confirm", edit_confirm, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(_HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=session_secret,
            session_cookie=SESSION_COOKIE,
            max_age=session_max_age,
            same_site="strict",
            https_only=cookie_secure,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.backend = backend
    return app


def _fields_with_values(
    method: Any, new: dict[str, Any], old: Any, entity: dict[str, Any] | None = None
) -> tuple[list[FormField], dict[str, Any]]:
    """Form fields of the original params, filled with the submitted (rejected) values."""
    fields = form_fields(method, redact(old), entity=entity)
    values = {f.name: "" for f in fields}
    for path, value in flatten(new, depth=2):
        name = "p:" + json.dumps(list(path), ensure_ascii=False)
        values[name] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    _, rendered = parse_form(fields, values)
    return rendered, values


def _error_text(exc: B24Error) -> str:
    text = str(exc)
    rule = getattr(exc, "rule", None)
    if rule:
        text += f" (policy rule: {rule})"
    return redact_text(text)


def _safe_len(api: Any, status: str) -> int:
    try:
        return len(api.list_plans(status=status))
    except (B24Error, ValueError, TypeError):
        return 0


def _matches(row: dict[str, Any], filters: dict[str, str]) -> bool:
    if filters["risk"] and row["risk"] != filters["risk"]:
        return False
    if filters["pack"] and row["pack"] != filters["pack"]:
        return False
    if filters["method"] and filters["method"].lower() not in " ".join(row["methods"]).lower():
        return False
    return not (filters["requested_by"] and row["requested_by"] != filters["requested_by"])


def _age_ok(row: dict[str, Any], age: str, now: datetime) -> bool:
    rule = AGES.get(age)
    if not rule:
        return True
    created = row["created_ts"]
    if created is None:
        return False
    direction, seconds = rule
    older = now - created > timedelta(seconds=seconds)
    return older if direction == "older" else not older


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a reviewer off-site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _file_safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_")[:64] or "plan"
