"""Business packs: commerce, services, platform, sites, compliance (+ the `events` diagnostic list).

Docs (api-reference/…): sale/order/sale-order-{add,get,list}.md, sale/payment/sale-payment-list.md,
catalog/product/catalog-product-{add,get,list}.md, booking/resource/booking-v1-resource-{add,list}.md,
booking/booking/booking-v1-booking-{add,list}.md, timeman/base/timeman-{status,open,close}.md,
entity/entity-add.md, entity/entities/entity-get.md, entity/items/entity-item-{add,get}.md,
biconnector/{source,connector,dataset}/biconnector-*-list.md, biconnector/source/biconnector-source-add.md,
ai/ai-engine-list.md, landing/site/landing-site-{add,get-list}.md, landing/page/methods/landing-landing-*.md,
user-consent/user-consent-{agreement-list,agreement-text,consent-add}.md, sign/sign-b2e-*.md, events/events.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from .events import KNOWN_EVENTS

__all__ = ["register", "OPS"]


def _now(ctx: Ctx) -> str:
    return ctx.portal.clock.iso()


def _uid(ctx: Ctx) -> int:
    return ctx.user_id


def _typed_missing(name: str, method: str) -> ApiError:
    return ApiError("ERROR_CORE", f"Required field '{name}' is not specified", 400)


OPS: list[Op] = [
    # commerce
    Op("sale.order.add", "add", "sale_order", "sale", "commerce", ("personTypeId", "currency"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"order": row},
       defaults={"lid": "s1", "userId": _uid, "price": 0.0, "canceled": "N", "statusId": "N", "payed": "N",
                 "dateInsert": _now}),
    Op("sale.order.get", "get", "sale_order", "sale", "commerce", style="typed", wrap=lambda r: {"order": r},
       not_found=("ERROR_ORDER_NOT_EXISTS", "order does not exist", 400)),
    Op("sale.order.list", "list", "sale_order", "sale", "commerce", style="typed", wrap=lambda r: {"orders": r}),
    Op("sale.payment.list", "list", "sale_payment", "sale", "commerce", style="typed", wrap=lambda r: {"payments": r}),
    Op("catalog.product.add", "add", "catalog_product", "catalog", "commerce", ("iblockId", "name"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"element": row},
       defaults={"active": "Y", "available": "Y", "createdBy": _uid, "dateCreate": _now, "type": 1}),
    Op("catalog.product.get", "get", "catalog_product", "catalog", "commerce", style="typed",
       wrap=lambda r: {"product": r}, not_found=("ERROR_PRODUCT_NOT_EXISTS", "product does not exist", 400)),
    Op("catalog.product.list", "list", "catalog_product", "catalog", "commerce", style="typed",
       wrap=lambda r: {"products": r}),
    # services
    Op("booking.v1.resource.add", "add", "booking_resource", "booking", "services", ("name",), style="typed",
       fields_param="resource", missing=_typed_missing, add_result=lambda id, row: {"id": id},
       defaults={"typeId": 1, "description": "", "isMain": True}),
    Op("booking.v1.resource.list", "list", "booking_resource", "booking", "services", style="typed", paged=False,
       wrap=lambda r: {"resource": r}),
    Op("booking.v1.booking.list", "list", "booking_booking", "booking", "services", style="typed", paged=False,
       wrap=lambda r: {"booking": r}),
    # platform
    Op("entity.item.add", "add", "entity_item", "entity", "platform", ("ENTITY",), fields_param=None,
       defaults={"ACTIVE": "Y", "SORT": 500, "DATE_CREATE": _now, "CREATED_BY": _uid}),
    Op("entity.item.get", "list", "entity_item", "entity", "platform", filter_param="FILTER", scope_filter=("ENTITY",)),
    Op("biconnector.source.add", "add", "bi_source", "biconnector", "platform", ("type", "title"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"id": id}, defaults={"active": True, "dateCreate": _now}),
    Op("biconnector.source.list", "list", "bi_source", "biconnector", "platform", style="typed", paged=False),
    Op("biconnector.connector.list", "list", "bi_connector", "biconnector", "platform", style="typed", paged=False),
    Op("biconnector.dataset.list", "list", "bi_dataset", "biconnector", "platform", style="typed", paged=False),
    Op("ai.engine.list", "list", "ai_engine", "ai_admin", "platform", style="typed", paged=False),
    # sites
    Op("landing.site.add", "add", "landing_site", "landing", "sites", ("TITLE", "CODE"),
       missing=lambda n, m: ApiError("MISSING_PARAMS", f"Missing required field: {n}", 400),
       defaults={"TYPE": "PAGE", "ACTIVE": "Y", "DATE_CREATE": _now}),
    Op("landing.site.getlist", "list", "landing_site", "landing", "sites", paged=False),
    Op("landing.landing.getlist", "list", "landing_page", "landing", "sites", paged=False),
    # compliance
    Op("userconsent.agreement.list", "list", "userconsent_agreement", "userconsent", "compliance", paged=False),
    Op("userconsent.consent.add", "add", "userconsent_consent", "userconsent", "compliance", ("AGREEMENT_ID", "IP"),
       fields_param=None, missing=lambda n, m: ApiError("", f"{n} is required", 400),
       defaults={"DATE_INSERT": _now, "USER_ID": _uid}),
]  # fmt: skip


def timeman_status(ctx: Ctx, params: dict[str, Any]) -> Any:
    state = ctx.portal.store.kv_get(f"timeman:{params.get('USER_ID') or ctx.user_id}") or {"STATUS": "CLOSED"}
    return {"STATUS": state["STATUS"], "TIME_START": state.get("TIME_START"), "TIME_FINISH": state.get("TIME_FINISH"),
            "DURATION": state.get("DURATION", "00:00:00"), "TIME_LEAKS": "00:00:00", "ACTIVE": False,
            "IP_OPEN": "", "IP_CLOSE": "", "LAT_OPEN": 0, "LON_OPEN": 0, "LAT_CLOSE": 0, "LON_CLOSE": 0,
            "TZ_OFFSET": 0}  # fmt: skip


def _timeman_set(ctx: Ctx, params: dict[str, Any], status: str) -> Any:
    key = f"timeman:{params.get('USER_ID') or ctx.user_id}"
    state = ctx.portal.store.kv_get(key) or {"STATUS": "CLOSED"}
    if status == "OPENED":
        if state["STATUS"] == "OPENED":
            raise ApiError("WORKDAY_ALREADY_OPENED", "Workday is already opened", 400)
        state = {"STATUS": "OPENED", "TIME_START": ctx.portal.clock.iso(), "TIME_FINISH": None}
    else:
        if state["STATUS"] != "OPENED":
            raise ApiError("WORKDAY_NOT_OPENED", "Workday is not opened", 400)
        state.update({"STATUS": "CLOSED", "TIME_FINISH": ctx.portal.clock.iso()})
    ctx.portal.store.kv_set(key, state)
    return timeman_status(ctx, params)


def entity_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    code = params.get("ENTITY")
    if not code or not params.get("NAME"):
        raise ApiError("ERROR_ARGUMENT", "ENTITY and NAME are required", 400)
    entities = ctx.portal.store.kv_get("entity_storages", {})
    if code in entities:
        raise ApiError("ERROR_ENTITY_ALREADY_EXISTS", "Entity already exists", 400)
    entities[code] = {"ENTITY": code, "NAME": params["NAME"], "ACCESS": params.get("ACCESS") or {}}
    ctx.portal.store.kv_set("entity_storages", entities)
    return True


def _check_entity(ctx: Ctx, params: dict[str, Any]) -> None:
    if params.get("ENTITY") not in ctx.portal.store.kv_get("entity_storages", {}):
        raise ApiError("ERROR_ENTITY_NOT_FOUND", "Entity not found", 400)


def entity_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    storages = ctx.portal.store.kv_get("entity_storages", {})
    rows = [{"ID": str(i + 1), "IBLOCK_TYPE_ID": "rest_entity", "ENTITY": code, "NAME": e["NAME"]}
            for i, (code, e) in enumerate(storages.items())]  # fmt: skip
    if params.get("ENTITY"):
        found = [r for r in rows if r["ENTITY"] == params["ENTITY"]]
        if not found:
            raise ApiError("ERROR_ENTITY_NOT_FOUND", "Entity not found", 400)
        return found[0]
    return rows


def booking_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise _typed_missing("fields", "booking.v1.booking.add")
    resources = fields.get("resourceIds")
    if not isinstance(resources, list) or not resources:
        raise _typed_missing("resourceIds", "booking.v1.booking.add")
    period = fields.get("datePeriod")
    if not isinstance(period, dict) or "from" not in period or "to" not in period:
        raise _typed_missing("datePeriod", "booking.v1.booking.add")
    for rid in resources:
        if ctx.portal.store.get("booking_resource", int(rid)) is None:
            raise ApiError("BOOKING_RESOURCE_NOT_FOUND", f"Resource {rid} not found", 400)
    row = {"name": fields.get("name"), "description": fields.get("description"), "resourceIds": [int(r) for r in resources],
           "datePeriod": period, "createdBy": ctx.user_id, "createdAt": int(ctx.portal.clock.now())}  # fmt: skip
    return {"id": ctx.portal.store.insert("booking_booking", row)}


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


def events_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return sorted(KNOWN_EVENTS)


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("booking.v1.booking.add", booking_add, scope="booking", write=True, pack="services")
    reg.add("timeman.status", timeman_status, scope="timeman", pack="services")
    reg.add(
        "timeman.open",
        lambda c, p: _timeman_set(c, p, "OPENED"),
        scope="timeman",
        write=True,
        pack="services",
    )
    reg.add(
        "timeman.close",
        lambda c, p: _timeman_set(c, p, "CLOSED"),
        scope="timeman",
        write=True,
        pack="services",
    )
    reg.add("entity.add", entity_add, scope="entity", write=True, pack="platform")
    reg.add("entity.get", entity_get, scope="entity", pack="platform")
    reg.add("landing.landing.add", landing_add, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.publication", landing_publication, scope="landing", write=True, pack="sites")
    reg.add("landing.landing.getpublicurl", landing_publicurl, scope="landing", pack="sites")
    reg.add("userconsent.agreement.text", agreement_text, scope="userconsent", pack="compliance")
    reg.add("sign.b2e.document.get", sign_document_get, scope="sign.b2e", pack="compliance")
    reg.add("sign.b2e.personal.tail", _tail("sign_personal"), scope="sign.b2e", pack="compliance")
    reg.add("sign.b2e.mysafe.tail", _tail("sign_mysafe"), scope="sign.b2e", pack="compliance")
    reg.add("events", events_list, scope="basic", pack="diagnostics")
    _wrap(reg, ("entity.item.add", "entity.item.get"), _check_entity)
    _wrap(reg, ("userconsent.agreement.list",), lambda ctx, params: _default_agreement(ctx))


def _wrap(reg: Registry, names: tuple[str, ...], before: Any) -> None:
    """Run `before(ctx, params)` ahead of a table-made handler (a check or a lazy default row)."""
    for name in names:
        mdef = reg.get(name)
        assert mdef is not None
        inner = mdef.handler

        def wrapped(ctx: Ctx, params: dict[str, Any], inner: Any = inner) -> Any:
            before(ctx, params)
            return inner(ctx, params)

        reg.add(name, wrapped, scope=mdef.scope, write=mdef.write, pack=mdef.pack)
