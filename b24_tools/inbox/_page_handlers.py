"""GET handlers: sign-in, the inbox list, the plan page and downloads (decisions are in `_decisions.py`)."""

from __future__ import annotations

import contextlib
import csv
import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from .._errors import B24Error, B24PlanError
from .._redact import redact, redact_text
from ._auth import new_csrf_token, valid_reviewer_name
from ._forms import diff_params
from ._viewdata import attr, catalog_spec, flatten, param_rows, plan_row, pretty, sample_table
from ._web import SECURITY_HEADERS, InboxCore, safe_next

__all__ = ["PagesMixin"]

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


class PagesMixin(InboxCore):
    """GET pages and the sign-in form."""

    # -- sign-in ------------------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        if self.reviewer_of(request):
            return RedirectResponse("/", status_code=303)
        return self.render(
            request, "login.html", {"next": safe_next(request.query_params.get("next")), "error": ""}
        )

    async def login(self, request: Request) -> Response:
        form = await self.checked_form(request)
        if form is None:
            return self.csrf_failure(request)
        next_url = safe_next(str(form.get("next") or "/"))
        name = str(form.get("name") or "").strip()
        keys = ("peer:" + self.peer_of(request), "name:" + name.casefold()[:64])
        if self.throttle.blocked(*keys):
            return self.render(
                request,
                "login.html",
                {"next": next_url, "error": "Too many failed sign-ins. Wait a few minutes."},
                429,
            )
        credential = self.auth.verify(
            name, token=str(form.get("token") or ""), password=str(form.get("password") or "")
        )
        if credential is None:
            self.throttle.fail(*keys)
            error = (
                "Use letters, digits, spaces or .@+-_ in your name (up to 64)."
                if name and not valid_reviewer_name(name)
                else "Wrong name, token or password."
            )
            return self.render(request, "login.html", {"next": next_url, "error": error, "name": name}, 401)
        self.throttle.reset(*keys)
        self.sessions.revoke(request.session.get("sid"))
        request.session.clear()  # no fixation: a fresh session id and CSRF token after sign-in
        sid = self.sessions.open(name, credential)
        request.session.update({"sid": sid, "csrf": new_csrf_token(), "since": int(time.time())})
        request.scope.pop("b24.reviewer", None)
        return RedirectResponse(next_url, status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await self.checked_form(request)
        if form is None:
            return self.csrf_failure(request)
        self.sessions.revoke(request.session.get("sid"))  # the old cookie opens nothing from now on
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    # -- inbox ------------------------------------------------------------------------------------------------

    async def inbox(self, request: Request) -> Response:
        reviewer = self.reviewer_of(request)
        if not reviewer:
            return self.to_login(request)
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

        data = await self.backend.run(_load)
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
        return self.render(
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

    async def plan_page(self, request: Request) -> Response:
        if not self.reviewer_of(request):
            return self.to_login(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, view, records = await self.load_plan(plan_id, with_records=True)
        except (B24PlanError, KeyError, LookupError):
            return self.not_found(request, plan_id)
        if plan is None:
            return self.not_found(request, plan_id)
        return self.render(request, "plan.html", await self.plan_context(plan, view, records))

    async def plan_context(self, plan: Any, view: Any, records: list[Any] | None) -> dict[str, Any]:
        row = plan_row(plan)
        can_resolve = await self.backend.run(lambda api: callable(getattr(api, "resolve", None)))
        entity = await self.entity_of(row["method"]) if row["kind"] in ("call", "bulk") else {}
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
                        "rows": param_rows(method, params, await self.entity_of(method)),
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
            "events": await self.plan_events(row["plan_id"], view),
            "edit_mode": self.edit_mode(plan, None),
            "evidence": pretty(redact(attr(plan, "evidence"))) if attr(plan, "evidence") else "",
            "reason": redact_text(str(attr(plan, "reason") or "")),
            "can_resolve": row["status"] == "unknown_outcome" and row["kind"] != "bulk" and can_resolve,
            "is_pending": row["status"] == "pending",
            "known_method": catalog_spec(row["method"]) is not None,
        }

    async def download(self, request: Request) -> Response:
        if not self.reviewer_of(request):
            return self.to_login(request)
        plan_id = request.path_params["plan_id"]
        fmt = request.path_params["fmt"]
        try:
            _plan, _view, records = await self.load_plan(plan_id, with_records=True)
        except (B24PlanError, KeyError, LookupError):
            return self.not_found(request, plan_id)
        if records is None or fmt not in ("json", "csv"):
            return self.not_found(request, plan_id)
        records = redact(records)
        headers = {
            **SECURITY_HEADERS,
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


def _file_safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_")[:64] or "plan"
