"""Sites pack: sites and pages (landing).

Docs (api-reference/…): landing/site/landing-site-{add,get-list}.md, landing/page/methods/landing-landing-*.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now

__all__ = ["register"]

OPS: list[Op] = [
    Op("landing.site.add", "add", "landing_site", "landing", "sites", ("TITLE", "CODE"),
       missing=lambda n, m: ApiError("MISSING_PARAMS", f"Missing required field: {n}", 400),
       defaults={"TYPE": "PAGE", "ACTIVE": "Y", "DATE_CREATE": _now}),
    Op("landing.site.getlist", "list", "landing_site", "landing", "sites", paged=False),
    Op("landing.landing.getlist", "list", "landing_page", "landing", "sites", paged=False),
]  # fmt: skip


def landing_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise ApiError("MISSING_PARAMS", "Missing required field: fields", 400)
    for req in ("TITLE", "CODE", "SITE_ID"):
        if not fields.get(req):
            raise ApiError("MISSING_PARAMS", f"Missing required field: {req}", 400)
    if ctx.portal.store.get("landing_site", int(fields["SITE_ID"])) is None:
        raise ApiError("SITE_NOT_FOUND", "Site not found", 400)
    row = {"TITLE": fields["TITLE"], "CODE": fields["CODE"], "SITE_ID": str(fields["SITE_ID"]), "ACTIVE": "N",
           "DATE_MODIFY": ctx.portal.clock.iso(), "DOMAIN_ID": "1"}  # fmt: skip
    return ctx.portal.store.insert("landing_page", row)


def _landing(ctx: Ctx, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        lid = int(params.get("lid"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("MISSING_PARAMS", "Missing required field: lid", 400) from None
    page = ctx.portal.store.get("landing_page", lid)
    if page is None:
        raise ApiError("LANDING_NOT_EXIST", "Landing not found", 400)
    return lid, page


def landing_publication(ctx: Ctx, params: dict[str, Any]) -> Any:
    lid, page = _landing(ctx, params)
    page["ACTIVE"] = "Y"
    page["DATE_MODIFY"] = ctx.portal.clock.iso()
    ctx.portal.store.put("landing_page", lid, page)
    return True


def landing_publicurl(ctx: Ctx, params: dict[str, Any]) -> Any:
    _, page = _landing(ctx, params)
    site = ctx.portal.store.get("landing_site", int(page["SITE_ID"])) or {}
    return f"{ctx.portal.base_url}/sites/{site.get('CODE', 'site')}/{page['CODE']}/"


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("landing.landing.add", landing_add, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.publication", landing_publication, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.getpublicurl", landing_publicurl, scope="landing", pack="sites")
