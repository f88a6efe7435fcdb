"""Decisions: approve, reject, settle an unknown outcome, and edit (form → diff → confirm).

Each goes through the reviewer API with `reviewer=<signed-in name>`; a plan someone else decided first
redirects to its page, which says who decided.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .._errors import B24Error, B24PlanError, B24PolicyError, B24ValidationError
from .._redact import redact, redact_text
from ._forms import FormField, diff_params, form_fields, parse_form
from ._viewdata import attr, catalog_spec, plan_row
from ._web import InboxCore, error_text, fields_with_values

__all__ = ["DecisionsMixin"]


class DecisionsMixin(InboxCore):
    """POST handlers that decide plans, and the edit pages."""

    # -- decisions --------------------------------------------------------------------------------------------

    async def approve(self, request: Request) -> Response:
        signed = await self.signed_form(request)
        if isinstance(signed, Response):
            return signed
        reviewer, _form = signed
        return await self.decide(
            request, "approve", reviewer=reviewer, failed="Approval failed", done="Approved"
        )

    async def reject(self, request: Request) -> Response:
        signed = await self.signed_form(request)
        if isinstance(signed, Response):
            return signed
        reviewer, form = signed
        reason = str(form.get("reason") or "").strip()
        if not reason:
            self.flash(
                request, "error", "Give a reason to reject the plan: the agent and the audit trail see it."
            )
            return RedirectResponse(f"/plans/{request.path_params['plan_id']}#reject", status_code=303)
        return await self.decide(
            request, "reject", reason[:2000], reviewer=reviewer, failed="Rejection failed", done="Rejected"
        )

    async def resolve(self, request: Request) -> Response:
        """Settle an unknown_outcome plan after checking the portal: it happened, or it did not."""
        signed = await self.signed_form(request)
        if isinstance(signed, Response):
            return signed
        reviewer, form = signed
        happened = form.get("happened")
        if happened not in ("yes", "no"):
            self.flash(request, "error", "Say whether the write happened in Bitrix24.")
            return RedirectResponse(f"/plans/{request.path_params['plan_id']}", status_code=303)
        return await self.decide(
            request,
            "resolve",
            happened=happened == "yes",
            reviewer=reviewer,
            failed="Could not resolve",
            done="Resolved",
            also=(AttributeError,),  # a reviewer API without resolve()
        )

    async def signed_form(self, request: Request) -> tuple[str, Any] | Response:
        """(reviewer, form) of a signed-in POST with a valid CSRF token, else the response that refuses it."""
        reviewer = self.reviewer_of(request)
        if not reviewer:
            return self.to_login(request)
        form = await self.checked_form(request)
        if form is None:
            return self.csrf_failure(request)
        return reviewer, form

    async def decide(
        self,
        request: Request,
        verb: str,
        *args: Any,
        failed: str,
        done: str,
        also: tuple[type[Exception], ...] = (),
        **kw: Any,
    ) -> Response:
        """Send one decision through the reviewer API and return to the plan page with its outcome."""
        plan_id = request.path_params["plan_id"]
        caught: tuple[type[Exception], ...] = (B24Error, *also)
        try:
            result = await self.backend.call(verb, plan_id, *args, **kw)
        except B24PlanError as exc:
            return await self.decided_elsewhere(request, plan_id, exc)
        except caught as exc:
            self.flash(request, "error", f"{failed}: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        self.outcome_flash(request, done, result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)

    async def edit_page(self, request: Request) -> Response:
        if not self.reviewer_of(request):
            return self.to_login(request)
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await self.load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return self.not_found(request, plan_id)
        mode = self.edit_mode(plan, request.query_params.get("mode"))
        if attr(plan, "status") != "pending" or mode is None:
            self.flash(request, "error", "This plan cannot be edited here (not pending, or a bulk job).")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        params = redact(attr(plan, "params") or {})
        entity = await self.entity_of(attr(plan, "method")) if mode == "form" else {}
        return self.render(request, "edit.html", self.edit_context(plan, mode, params, None, [], entity))

    def edit_context(
        self,
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

    async def edit_preview(self, request: Request) -> Response:
        signed = await self.signed_form(request)
        if isinstance(signed, Response):
            return signed
        _reviewer, form = signed
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await self.load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return self.not_found(request, plan_id)
        mode = self.edit_mode(plan, str(form.get("mode") or ""))
        if attr(plan, "status") != "pending" or mode is None:
            return await self.decided_elsewhere(
                request, plan_id, B24PlanError("not pending", plan_id=plan_id)
            )
        old = attr(plan, "params") or {}
        errors: list[str] = []
        fields: list[FormField] | None = None
        if mode == "json":
            raw = str(form.get("raw_json") or "")
            try:
                new = json.loads(raw)
                if not isinstance(new, dict):
                    raise ValueError("the parameters must be a JSON object")
            except (json.JSONDecodeError, ValueError, RecursionError) as exc:
                errors.append(f"Parameters are not a valid JSON object: {exc}")
                ctx = self.edit_context(plan, mode, {}, None, errors)
                ctx["raw_json"] = raw
                return self.render(request, "edit.html", ctx, 422)
        else:
            entity = await self.entity_of(attr(plan, "method"))
            new, fields = parse_form(form_fields(attr(plan, "method"), redact(old), entity=entity), form)
            errors = [f.error for f in fields if f.error]
        if not errors:
            errors = await self.precheck(plan, new)
        if errors:
            ctx = self.edit_context(plan, mode, new, fields, errors)
            return self.render(request, "edit.html", ctx, 422)
        diff = diff_params(old, new)
        return self.render(
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

    async def precheck(self, plan: Any, new: dict[str, Any]) -> list[str]:
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
            await self.backend.run(_check, exclusive=True)
        except (B24ValidationError, B24PolicyError) as exc:
            return [error_text(exc)]
        except TypeError:
            return []
        return []

    async def edit_confirm(self, request: Request) -> Response:
        signed = await self.signed_form(request)
        if isinstance(signed, Response):
            return signed
        reviewer, form = signed
        plan_id = request.path_params["plan_id"]
        try:
            plan, _view, _records = await self.load_plan(plan_id)
        except (B24PlanError, KeyError, LookupError):
            return self.not_found(request, plan_id)
        mode = self.edit_mode(plan, str(form.get("mode") or "")) or "json"
        try:
            new = json.loads(str(form.get("params_json") or ""))
            if not isinstance(new, dict):
                raise ValueError
        except (ValueError, RecursionError):  # malformed, or nested past what the parser follows
            return self.render(
                request,
                "error.html",
                {"title": "Bad edit", "message": "The edited parameters were lost."},
                400,
            )
        if attr(plan, "status") != "pending":
            return await self.decided_elsewhere(
                request, plan_id, B24PlanError("not pending", plan_id=plan_id)
            )
        if str(form.get("base_hash") or "") != str(attr(plan, "params_hash") or ""):
            ctx = self.edit_context(
                plan,
                mode,
                redact(attr(plan, "params") or {}),
                None,
                ["The plan changed since your preview; review the current parameters again."],
            )
            return self.render(request, "edit.html", ctx, 409)
        try:
            result = await self.backend.call("edit", plan_id, new, reviewer=reviewer)
        except (B24ValidationError, B24PolicyError) as exc:
            fields = None
            if mode == "form":
                entity = await self.entity_of(attr(plan, "method"))
                fields = fields_with_values(attr(plan, "method"), new, attr(plan, "params") or {}, entity)
            ctx = self.edit_context(plan, mode, new, fields, [error_text(exc)])
            return self.render(request, "edit.html", ctx, 422)
        except B24PlanError as exc:
            return await self.decided_elsewhere(request, plan_id, exc)
        except B24Error as exc:
            self.flash(request, "error", f"Edit failed: {exc}")
            return RedirectResponse(f"/plans/{plan_id}", status_code=303)
        self.outcome_flash(request, "Edited and approved", result)
        return RedirectResponse(f"/plans/{plan_id}", status_code=303)
