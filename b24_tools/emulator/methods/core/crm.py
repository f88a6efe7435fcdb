"""More CRM: deal–contact bindings, timeline comments, activities, statuses, categories.

Docs: api-reference/crm/deals/contacts/crm-deal-contact-{items-get,items-set,add,items-delete}.md,
api-reference/crm/timeline/comments/crm-timeline-comment-{add,list}.md,
api-reference/crm/timeline/activities/activity-base/crm-activity-*.md, api-reference/crm/status/crm-status-list.md,
api-reference/crm/universal/category/crm-category-list.md, api-reference/crm/duplicates/crm-duplicate-find-by-comm.md,
api-reference/crm/universal/user-defined-object-types/crm-type-list.md.
"""

from __future__ import annotations

from typing import Any

from ..._crm import _legacy_handlers, crm_exists, spec_for
from ..._errors import ApiError
from ..._query import build_order, build_where, parse_filter
from ..._registry import Answer, Ctx, Registry
from ..._schema import EntitySpec, render_legacy_value

__all__ = ["register", "STATUSES"]


# -- deal contacts -------------------------------------------------------------------------------------------------


def _deal(ctx: Ctx, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        deal_id = int(params.get("id", params.get("ID")))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError("", "The parameter ownerEntityID is invalid or not defined.", 400) from None
    data = ctx.portal.store.get("deal", deal_id)
    if data is None:
        raise ApiError("", "Not found.", 400)
    return deal_id, data


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    stored = data.get("__contact_items")
    if stored is None:
        ids = data.get("CONTACT_IDS") or ([data["CONTACT_ID"]] if data.get("CONTACT_ID") else [])
        stored = [{"CONTACT_ID": int(c), "SORT": (i + 1) * 10, "ROLE_ID": 0, "IS_PRIMARY": "Y" if i == 0 else "N"}
                  for i, c in enumerate(ids)]  # fmt: skip
    return [dict(x) for x in stored]


def _store_items(ctx: Ctx, deal_id: int, data: dict[str, Any], items: list[dict[str, Any]]) -> None:
    items.sort(key=lambda x: x["SORT"])
    if items and not any(x["IS_PRIMARY"] == "Y" for x in items):
        items[0]["IS_PRIMARY"] = "Y"
    data["__contact_items"] = items
    data["CONTACT_IDS"] = [x["CONTACT_ID"] for x in items]
    primary = next((x["CONTACT_ID"] for x in items if x["IS_PRIMARY"] == "Y"), None)
    data["CONTACT_ID"] = primary
    data["DATE_MODIFY"] = ctx.portal.clock.iso()
    ctx.portal.store.put("deal", deal_id, data)
    ctx.emit("ONCRMDEALUPDATE", {"FIELDS": {"ID": deal_id}}, f"deal:{deal_id}")


def _normalize_item(ctx: Ctx, raw: Any, index: int, primary_taken: bool) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ApiError("", "The parameter items must be array.", 400)
    raw = {str(k).upper(): v for k, v in raw.items()}
    if not crm_exists(ctx, "contact", raw.get("CONTACT_ID")):
        raise ApiError("", "Not found.", 400)
    primary = str(raw.get("IS_PRIMARY", "N")).upper() in ("Y", "1", "TRUE") and not primary_taken
    return {
        "CONTACT_ID": int(raw["CONTACT_ID"]),
        "SORT": int(raw.get("SORT") or (index + 1) * 10),
        "ROLE_ID": 0,
        "IS_PRIMARY": "Y" if primary else "N",
    }


def deal_contact_items_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    _, data = _deal(ctx, params)
    return _items(data)


def deal_contact_items_set(ctx: Ctx, params: dict[str, Any]) -> Any:
    deal_id, data = _deal(ctx, params)
    raw = params.get("items", params.get("ITEMS"))
    if raw in (None, ""):
        raw = []
    if isinstance(raw, dict):
        raw = list(raw.values())
    if not isinstance(raw, list):
        raise ApiError("", "The parameter items must be array.", 400)
    items: list[dict[str, Any]] = []
    for i, r in enumerate(raw):
        items.append(_normalize_item(ctx, r, i, any(x["IS_PRIMARY"] == "Y" for x in items)))
    _store_items(ctx, deal_id, data, items)
    return True


def deal_contact_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    deal_id, data = _deal(ctx, params)
    fields = params.get("fields", params.get("FIELDS"))
    if not isinstance(fields, dict):
        raise ApiError("", "The parameter fields must be array.", 400)
    items = [x for x in _items(data) if str(x["CONTACT_ID"]) != str(fields.get("CONTACT_ID"))]
    item = _normalize_item(ctx, fields, len(items), False)
    if item["IS_PRIMARY"] == "Y":
        for x in items:
            x["IS_PRIMARY"] = "N"
    items.append(item)
    _store_items(ctx, deal_id, data, items)
    return True


def deal_contact_items_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    deal_id, data = _deal(ctx, params)
    _store_items(ctx, deal_id, data, [])
    return True


# -- timeline comments ---------------------------------------------------------------------------------------------

_OWNER_KINDS = {"lead": "lead", "deal": "deal", "contact": "contact", "company": "company"}
_COMMENT_SPEC = EntitySpec("timeline_comment", strict=False)


def timeline_comment_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    fields = params.get("fields", params.get("FIELDS"))
    if not isinstance(fields, dict):
        raise ApiError("100", "Could not find value for parameter {fields}", 400)
    fields = {str(k).upper(): v for k, v in fields.items()}
    for req in ("ENTITY_ID", "ENTITY_TYPE"):
        if fields.get(req) in (None, ""):
            raise ApiError("100", f"Could not find value for parameter {{{req}}}", 400)
    if not str(fields.get("COMMENT") or "").strip():
        raise ApiError("INVALID_ARG_VALUE", "Comment text is empty", 400)
    etype = str(fields["ENTITY_TYPE"]).lower()
    kind = _OWNER_KINDS.get(etype)
    if kind is None and not etype.startswith("dynamic_"):
        raise ApiError("NOT_FOUND", "Not found.", 400)
    if kind is not None and not crm_exists(ctx, kind, fields["ENTITY_ID"]):
        raise ApiError("OWNER_NOT_FOUND", "Owner not found.", 400)
    row = {"ENTITY_ID": int(fields["ENTITY_ID"]), "ENTITY_TYPE": etype, "CREATED": ctx.portal.clock.iso(),
           "COMMENT": str(fields["COMMENT"]), "AUTHOR_ID": int(fields.get("AUTHOR_ID") or ctx.user_id)}  # fmt: skip
    cid = ctx.portal.store.insert("timeline_comment", row)
    ctx.emit("ONCRMTIMELINECOMMENTADD", {"FIELDS": {"ID": cid}}, f"timeline_comment:{cid}")
    return cid


def timeline_comment_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    raw = params.get("filter") or {}
    if not isinstance(raw, dict):
        raise ApiError("", "Parameter 'filter' must be array.", 400)
    flt = {str(k).upper(): (str(v).lower() if str(k).upper().endswith("ENTITY_TYPE") else v)
           for k, v in raw.items()}  # fmt: skip
    where, args = build_where(_COMMENT_SPEC, parse_filter(flt, _COMMENT_SPEC))
    order = build_order(_COMMENT_SPEC, params.get("order"))
    rows = ctx.portal.store.select("timeline_comment", where, args, order=order, limit=50)
    items = [{"ID": str(i), **{k: render_legacy_value(v) for k, v in d.items()}} for i, d in rows]
    return Answer(items, total=len(items), records=len(items))


# -- activities ------------------------------------------------------------------------------------------------------


def _activity_handlers() -> dict[str, Any]:
    base = _legacy_handlers("activity")
    inner_add = base["add"]

    def add(ctx: Ctx, params: dict[str, Any]) -> Any:
        fields = params.get("fields", params.get("FIELDS"))
        if not isinstance(fields, dict):
            raise ApiError("", "The parameter 'fields' must be array.", 400)
        up = {str(k).upper(): v for k, v in fields.items()}
        for req in ("OWNER_ID", "OWNER_TYPE_ID", "TYPE_ID", "RESPONSIBLE_ID"):
            if up.get(req) in (None, ""):
                raise ApiError("", f"The field '{req}' is required.", 400)
        kind = {1: "lead", 2: "deal", 3: "contact", 4: "company"}.get(int(up["OWNER_TYPE_ID"]))
        if kind is None or not crm_exists(ctx, kind, up["OWNER_ID"]):
            raise ApiError("", "Owner not found.", 400)
        if not up.get("COMMUNICATIONS") and int(up["TYPE_ID"]) in (2, 4):
            raise ApiError("", "The field 'COMMUNICATIONS' is required.", 400)
        new_id = inner_add(ctx, params)
        data = ctx.portal.store.get("activity", new_id) or {}
        now = ctx.portal.clock.iso()
        data.update({"CREATED": now, "LAST_UPDATED": now, "AUTHOR_ID": ctx.user_id, "EDITOR_ID": ctx.user_id})
        data.setdefault("COMPLETED", "N")
        data["BINDINGS"] = [{"OWNER_ID": int(up["OWNER_ID"]), "OWNER_TYPE_ID": int(up["OWNER_TYPE_ID"])}]
        ctx.portal.store.put("activity", new_id, data)
        return new_id

    base["add"] = add
    return base


def activity_todo_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    """crm.activity.todo.add (api-reference/crm/timeline/activities/todo/crm-activity-todo-add.md) → {"id": N}."""
    for req in ("ownerTypeId", "ownerId", "deadline"):
        if params.get(req) in (None, ""):
            raise ApiError("INVALID_ARG_VALUE", f"Required parameter '{req}' is not specified", 400)
    kind = {1: "lead", 2: "deal", 3: "contact", 4: "company"}.get(int(params["ownerTypeId"]))
    if kind is None or not crm_exists(ctx, kind, params["ownerId"]):
        raise ApiError("NOT_FOUND", "Owner not found", 400)
    from ..._crm import write_crm

    fields = {
        "OWNER_TYPE_ID": int(params["ownerTypeId"]), "OWNER_ID": int(params["ownerId"]), "TYPE_ID": 6,
        "PROVIDER_ID": "CRM_TODO", "PROVIDER_TYPE_ID": "TODO", "SUBJECT": params.get("title") or "",
        "DESCRIPTION": params.get("description") or "", "DEADLINE": params["deadline"],
        "RESPONSIBLE_ID": int(params.get("responsibleId") or ctx.user_id), "COMPLETED": "N",
    }  # fmt: skip
    new_id, data = write_crm(ctx, "activity", fields)
    data["BINDINGS"] = [{"OWNER_ID": fields["OWNER_ID"], "OWNER_TYPE_ID": fields["OWNER_TYPE_ID"]}]
    ctx.portal.store.put("activity", new_id, data)
    return {"id": new_id}


# -- statuses and categories ---------------------------------------------------------------------------------------

_LEAD = [("NEW", "Unassigned", "process", "#2fc6f6"), ("IN_PROCESS", "In progress", "process", "#55d0e0"),
         ("PROCESSED", "Processed", "process", "#47e4c2"), ("CONVERTED", "Good lead", "success", "#7bd500"),
         ("JUNK", "Junk lead", "failure", "#ff5752")]  # fmt: skip
_DEAL = [("NEW", "New", "process", "#39A8EF"), ("PREPARATION", "Document preparation", "process", "#2FC6F6"),
         ("PREPAYMENT_INVOICE", "Invoice", "process", "#55D0E0"), ("EXECUTING", "In progress", "process", "#47E4C2"),
         ("FINAL_INVOICE", "Final invoice", "process", "#FFA900"), ("WON", "Deal won", "success", "#7BD500"),
         ("LOSE", "Deal lost", "failure", "#FF5752")]  # fmt: skip
_SOURCE = [("CALL", "Call"), ("EMAIL", "E-Mail"), ("WEB", "Website"), ("ADVERTISING", "Advertising"),
           ("PARTNER", "Existing client"), ("RECOMMENDATION", "By recommendation"), ("TRADE_SHOW", "Show/Exhibition"),
           ("OTHER", "Other")]  # fmt: skip


def _statuses() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = 100

    def add(entity: str, status: str, name: str, sem: str | None, color: str | None, sort: int) -> None:
        nonlocal n
        n += 1
        extra = {"SEMANTICS": sem, "COLOR": color} if sem else None
        row: dict[str, Any] = {"ID": str(n), "ENTITY_ID": entity, "STATUS_ID": status, "NAME": name, "NAME_INIT": name,
               "SORT": str(sort), "SYSTEM": "Y", "CATEGORY_ID": None, "COLOR": color,
               "SEMANTICS": None if sem == "process" else ("S" if sem == "success" else "F" if sem else None)}  # fmt: skip
        if extra:
            row["EXTRA"] = extra
        out.append(row)

    for i, (s, name, sem, color) in enumerate(_LEAD):
        add("STATUS", s, name, sem, color, (i + 1) * 10)
    for i, (s, name, sem, color) in enumerate(_DEAL):
        add("DEAL_STAGE", s, name, sem, color, (i + 1) * 10)
    for i, (s, name) in enumerate(_SOURCE):
        add("SOURCE", s, name, None, None, (i + 1) * 10)
    for i, (s, name) in enumerate(
        [("SALE", "Sales"), ("COMPLEX", "Complex sale"), ("GOODS", "Sale of goods")]
    ):
        add("DEAL_TYPE", s, name, None, None, (i + 1) * 10)
    for i, (s, name) in enumerate(
        [("CLIENT", "Clients"), ("SUPPLIER", "Suppliers"), ("PARTNER", "Partners")]
    ):
        add("CONTACT_TYPE", s, name, None, None, (i + 1) * 10)
    for cat, stages in _SPA_STAGES.items():
        for i, (s, name, sem) in enumerate(stages):
            add(f"DYNAMIC_128_STAGE_{cat}", f"DT128_{cat}:{s}", name, sem, None, (i + 1) * 10)
            out[-1]["CATEGORY_ID"] = str(cat)
    return out


# The emulated smart process 128 has two pipelines (categories), each with its own stages.
_SPA_CATEGORIES = [(1, "General", "Y"), (2, "Partners", "N")]
_SPA_STAGES = {cat: [("NEW", "New", "process"), ("PREPARATION", "In progress", "process"),
                     ("SUCCESS", "Done", "success"), ("FAIL", "Cancelled", "failure")]
               for cat, _, _ in _SPA_CATEGORIES}  # fmt: skip
STATUSES = _statuses()


def status_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    flt = params.get("filter") or params.get("FILTER") or {}
    rows = STATUSES
    if isinstance(flt, dict):
        for k, v in flt.items():
            rows = [r for r in rows if str(r.get(str(k).upper())) == str(v)]
    order = params.get("order") or {"SORT": "ASC"}
    if isinstance(order, dict):
        for k, d in reversed(list(order.items())):
            key = str(k).upper()
            rows = sorted(rows, key=lambda r: (int(r[key]) if str(r.get(key, "")).isdigit() else str(r.get(key))),
                          reverse=str(d).upper() == "DESC")  # fmt: skip
    return Answer(rows, total=len(rows), records=len(rows))


def category_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    etid: Any = params.get("entityTypeId")
    if str(etid) not in ("1", "2", "3", "4", "128", "31", "7"):
        raise ApiError("NOT_FOUND", "Smart process not found", 400)
    if str(etid) == "128":
        cats = [
            {"id": i, "name": n, "sort": i * 100, "entityTypeId": 128, "isDefault": d}
            for i, n, d in _SPA_CATEGORIES
        ]
        return Answer({"categories": cats}, total=len(cats))
    return Answer({"categories": [{"id": 0, "name": "General", "sort": 100, "entityTypeId": int(etid),
                                   "isDefault": "Y"}]}, total=1)  # fmt: skip


_TYPES = [{"id": 1, "entityTypeId": 128, "title": "Emulator smart process", "code": "", "createdBy": 1,
           "isCategoriesEnabled": "Y", "isStagesEnabled": "Y", "isClientEnabled": "Y", "isUseInUserfieldEnabled": "Y",
           "isLinkWithProductsEnabled": "Y", "isAutomationEnabled": "Y", "isBizProcEnabled": "Y",
           "createdTime": "2026-01-05T09:00:00+00:00", "updatedTime": "2026-01-05T09:00:00+00:00"}]  # fmt: skip


def type_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Smart process types (api-reference/crm/universal/user-defined-object-types/crm-type-list.md)."""
    flt = params.get("filter") or {}
    rows = (
        [t for t in _TYPES if all(str(t.get(k)) == str(v) for k, v in flt.items())]
        if isinstance(flt, dict)
        else _TYPES
    )
    return Answer({"types": rows}, total=len(rows), records=len(rows))


_COMM_TYPES = {"PHONE": "PHONE", "EMAIL": "EMAIL"}


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def duplicate_findbycomm(ctx: Ctx, params: dict[str, Any]) -> Any:
    """IDs of leads, contacts and companies holding any of the phones or e-mails; phones compare by digits
    (api-reference/crm/duplicates/crm-duplicate-find-by-comm.md)."""
    ctype = str(params.get("type") or "").upper()
    if not ctype:
        raise ApiError("", "Communication type is not defined", 400)
    if ctype not in _COMM_TYPES:
        raise ApiError("", f"Communication type '{ctype}' is not supported in current context", 400)
    values = params.get("values")
    if isinstance(values, str):
        values = [values]
    if not values:
        raise ApiError("", "Communication values is not defined", 400)
    if len(values) > 20:
        raise ApiError("", "Too many communication values (maximum 20)", 400)
    wanted = {(_digits(v) if ctype == "PHONE" else str(v).strip().lower()) for v in values}
    kinds = (
        [str(params["entity_type"]).lower()] if params.get("entity_type") else ["lead", "contact", "company"]
    )
    out: dict[str, list[int]] = {}
    for kind in kinds:
        if kind not in ("lead", "contact", "company"):
            raise ApiError("", f"Entity type '{kind.upper()}' is not supported in current context", 400)
        ids = []
        for id, d in ctx.portal.store.select(kind, order="id"):
            for x in d.get(ctype) or []:
                have = (
                    _digits(x.get("VALUE")) if ctype == "PHONE" else str(x.get("VALUE", "")).strip().lower()
                )
                if have and have in wanted:
                    ids.append(id)
                    break
        if ids:
            out[kind.upper()] = ids[:20]
    return out or []


def register(reg: Registry) -> None:
    spec_for("activity")
    reg.add("crm.deal.contact.items.get", deal_contact_items_get, scope="crm")
    reg.add("crm.deal.contact.items.set", deal_contact_items_set, scope="crm", write=True)
    reg.add("crm.deal.contact.items.delete", deal_contact_items_delete, scope="crm", write=True)
    reg.add("crm.deal.contact.add", deal_contact_add, scope="crm", write=True)
    reg.add("crm.timeline.comment.add", timeline_comment_add, scope="crm", write=True)
    reg.add("crm.timeline.comment.list", timeline_comment_list, scope="crm")
    for op, fn in _activity_handlers().items():
        reg.add(f"crm.activity.{op}", fn, scope="crm", write=op in ("add", "update", "delete"))
    reg.add("crm.activity.todo.add", activity_todo_add, scope="crm", write=True)
    reg.add("crm.status.list", status_list, scope="crm")
    reg.add("crm.category.list", category_list, scope="crm")
    reg.add("crm.type.list", type_list, scope="crm")
    reg.add("crm.duplicate.findbycomm", duplicate_findbycomm, scope="crm")
