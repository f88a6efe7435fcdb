"""Compliance pack: user consents and e-signature (sign.b2e) documents.

Docs (api-reference/…): user-consent/user-consent-{agreement-list,agreement-text,consent-add}.md, sign/sign-b2e-*.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import uid as _uid
from ._common import wrap as _wrap

__all__ = ["register"]

OPS: list[Op] = [
    Op("userconsent.agreement.list", "list", "userconsent_agreement", "userconsent", "compliance", paged=False),
    Op("userconsent.consent.add", "add", "userconsent_consent", "userconsent", "compliance", ("AGREEMENT_ID", "IP"),
       fields_param=None, missing=lambda n, m: ApiError("", f"{n} is required", 400),
       defaults={"DATE_INSERT": _now, "USER_ID": _uid}),
]  # fmt: skip


def _default_agreement(ctx: Ctx) -> None:
    store = ctx.portal.store
    if store.count("userconsent_agreement") == 0:
        store.insert("userconsent_agreement", {"NAME": "Consent to personal data processing", "ACTIVE": "Y",
                                               "LANGUAGE_ID": "en"})  # fmt: skip


def agreement_text(ctx: Ctx, params: dict[str, Any]) -> Any:
    _default_agreement(ctx)
    try:
        agreement = ctx.portal.store.get("userconsent_agreement", int(params.get("id")))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        agreement = None
    if agreement is None:
        raise ApiError("AGREEMENT_NOT_FOUND", "Agreement not found", 400)
    company = (
        (params.get("replace") or {}).get("COMPANY_NAME", "the company")
        if isinstance(params.get("replace"), dict)
        else "the company"
    )
    return {"LABEL": f"By clicking 'I agree' I consent to the processing of my personal data ({agreement['NAME']}).",
            "TEXT": f"{agreement['NAME']}\n\nI consent to {company} processing my personal data."}  # fmt: skip


def sign_document_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    uid = params.get("uid")
    for _, d in ctx.portal.store.select("sign_document"):
        if d.get("uid") == uid:
            return d
    raise ApiError("SIGN_DOCUMENT_NOT_FOUND", "Document not found", 400)


def _tail(table: str) -> Any:
    def handler(ctx: Ctx, params: dict[str, Any]) -> Any:
        try:
            limit = min(int(params.get("limit") or 20), 50)
            offset = int(params.get("offset") or 0)
        except (TypeError, ValueError):
            raise ApiError("ERROR_ARGUMENT", "limit and offset must be numbers", 400) from None
        rows = ctx.portal.store.select(table, order="id DESC", limit=limit, offset=offset)
        return [{"id": i, **d} for i, d in rows]

    return handler


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("userconsent.agreement.text", agreement_text, scope="userconsent", pack="compliance")
    reg.add("sign.b2e.document.get", sign_document_get, scope="sign.b2e", pack="compliance")
    reg.add("sign.b2e.personal.tail", _tail("sign_personal"), scope="sign.b2e", pack="compliance")
    reg.add("sign.b2e.mysafe.tail", _tail("sign_mysafe"), scope="sign.b2e", pack="compliance")
    _wrap(reg, ("userconsent.agreement.list",), lambda ctx, params: _default_agreement(ctx))
