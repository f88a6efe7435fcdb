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


def _site(ctx: Ctx, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        sid = int(params.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("MISSING_PARAMS", "Missing required field: id", 400) from None
    site = ctx.portal.store.get("landing_site", sid)
    if site is None:
        raise ApiError("SITE_NOT_FOUND", "Site not found", 400)
    return sid, site


def _fields_of(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise ApiError("MISSING_PARAMS", "Missing required field: fields", 400)
    return {str(k).upper(): v for k, v in fields.items()}


def site_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """landing/site/landing-site-update.md"""
    sid, site = _site(ctx, params)
    site.update({k: v for k, v in _fields_of(params).items() if k != "ID"})
    site["DATE_MODIFY"] = ctx.portal.clock.iso()
    ctx.portal.store.put("landing_site", sid, site)
    return True


def site_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """A site with pages cannot be deleted (landing/site/landing-site-delete.md)."""
    sid, _ = _site(ctx, params)
    if any(str(d.get("SITE_ID")) == str(sid) for _, d in ctx.portal.store.select("landing_page")):
        raise ApiError("SITE_IS_NOT_EMPTY", "Site has pages: delete them first", 400)
    ctx.portal.store.delete("landing_site", sid)
    return True


def landing_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    """landing/page/methods/landing-landing-update.md"""
    lid, page = _landing(ctx, params)
    page.update({k: v for k, v in _fields_of(params).items() if k not in ("ID", "SITE_ID")})
    page["DATE_MODIFY"] = ctx.portal.clock.iso()
    ctx.portal.store.put("landing_page", lid, page)
    return True


def landing_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """landing/page/methods/landing-landing-delete.md"""
    lid, _ = _landing(ctx, params)
    ctx.portal.store.delete("landing_page", lid)
    return True


def _blocks(page: dict[str, Any], lid: int) -> list[dict[str, Any]]:
    return page.get("__blocks") or [{"id": lid * 100 + 1, "lid": lid, "code": "01.big_with_text", "sort": 500, "active": True,
                                     "cards": 1}]  # fmt: skip


def block_getlist(ctx: Ctx, params: dict[str, Any]) -> Any:
    """landing/block/methods/landing-block-get-list.md"""
    lid, page = _landing(ctx, params)
    return [{k: v for k, v in b.items() if k != "cards"} for b in _blocks(page, lid)]


def block_addcard(ctx: Ctx, params: dict[str, Any]) -> Any:
    """The block must be on the page and the selector must name its card (landing-block-add-card.md)."""
    lid, page = _landing(ctx, params)
    for req in ("block", "selector", "content"):
        if params.get(req) in (None, ""):
            raise ApiError("MISSING_PARAMS", f"Missing required field: {req}", 400)
    blocks = _blocks(page, lid)
    block = next((b for b in blocks if str(b["id"]) == str(params["block"])), None)
    if block is None:
        raise ApiError("BLOCK_NOT_FOUND", "Block not found", 400)
    if "@" not in str(params["selector"]):
        raise ApiError("BAD_SELECTOR", "Selector must name a card, e.g. .landing-block-card@0", 400)
    block["cards"] += 1
    page["__blocks"] = blocks
    ctx.portal.store.put("landing_page", lid, page)
    return block["cards"] - 1


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("landing.landing.add", landing_add, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.publication", landing_publication, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.getpublicurl", landing_publicurl, scope="landing", pack="sites")
    reg.add("landing.site.update", site_update, scope="landing", write=True, pack="sites")
    reg.add("landing.site.delete", site_delete, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.update", landing_update, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.delete", landing_delete, scope="landing", write=True, pack="sites")
    reg.add("landing.block.getlist", block_getlist, scope="landing", pack="sites")
    reg.add("landing.block.addcard", block_addcard, scope="landing", write=True, pack="sites")
