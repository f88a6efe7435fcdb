"""CRM entities: legacy `crm.lead|deal|contact|company.*` and universal `crm.item.*` over the same rows.

Docs: api-reference/crm/leads/crm-lead-{add,get,list,update,delete,fields}.md (UPPER keys, string values,
empty-code errors), api-reference/crm/universal/crm-item-*.md (camelCase, typed values, NOT_FOUND),
api-reference/crm/data-types.md (crm_multifield, entityTypeId).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._crm_userfields import user_fields
from ._errors import ApiError, bad_id_legacy, not_found_legacy
from ._paging import page_rows, parse_start
from ._query import build_order, build_where, parse_filter
from ._registry import Answer, Ctx, Registry
from ._schema import MULTIFIELD_TYPES, EntitySpec, FieldDef, camel, coerce, crm_spec, render_legacy_value

__all__ = ["register_crm", "CRM_KINDS", "ENTITY_TYPE_IDS", "spec_for", "write_crm", "crm_exists"]

CRM_KINDS = ("lead", "deal", "contact", "company")
ENTITY_TYPE_IDS = {1: "lead", 2: "deal", 3: "contact", 4: "company"}
SPA_TYPES = {128: "Emulator smart process"}

_SPECS: dict[str, EntitySpec] = {}

_ITEM_ALIASES = {
    "DATE_CREATE": "createdTime",
    "DATE_MODIFY": "updatedTime",
    "CREATED_BY_ID": "createdBy",
    "MODIFY_BY_ID": "updatedBy",
    "MOVED_BY_ID": "movedBy",
}
_ITEM_ALIASES_REV = {v.lower(): k for k, v in _ITEM_ALIASES.items()}


def spec_for(kind: str) -> EntitySpec:
    if kind not in _SPECS:
        if kind in CRM_KINDS or kind == "activity":
            _SPECS[kind] = crm_spec(kind)
        else:  # smart process: loose fields, stored like the others
            base = crm_spec("deal")
            keep = {k: v for k, v in base.fields.items() if k in {
                "ID", "TITLE", "STAGE_ID", "CATEGORY_ID", "OPPORTUNITY", "CURRENCY_ID", "ASSIGNED_BY_ID",
                "CREATED_BY_ID", "MODIFY_BY_ID", "DATE_CREATE", "DATE_MODIFY", "OPENED", "COMPANY_ID",
                "CONTACT_ID", "CONTACT_IDS", "ORIGINATOR_ID", "ORIGIN_ID", "SOURCE_ID", "BEGINDATE", "CLOSEDATE"}}  # fmt: skip
            etid = int(kind.split("_")[-1])
            _SPECS[kind] = EntitySpec(
                kind, keep, entity_type_id=etid, event_prefix="ONCRMDYNAMICITEM", strict=False
            )
    return _SPECS[kind]


def _kind_for_type(entity_type_id: Any) -> str:
    try:
        etid = int(entity_type_id)
    except (TypeError, ValueError):
        raise ApiError("NOT_FOUND", "Smart process not found", 400) from None
    if etid in ENTITY_TYPE_IDS:
        return ENTITY_TYPE_IDS[etid]
    if etid in SPA_TYPES:
        return f"dynamic_{etid}"
    raise ApiError("NOT_FOUND", "Smart process not found", 400)


# -- writing -----------------------------------------------------------------------------------------------


def _merge_multifield(
    ctx: Ctx, type_id: str, current: list[dict[str, Any]], incoming: Any
) -> list[dict[str, Any]]:
    """Add items without ID; update items with ID; delete with `DELETE: "Y"` or an empty VALUE."""
    items = incoming if isinstance(incoming, list) else [incoming] if isinstance(incoming, dict) else []
    out = [dict(x) for x in current]
    for item in items:
        if not isinstance(item, dict):
            continue
        item = {str(k).upper(): v for k, v in item.items()}
        if item.get("ID"):
            for existing in out:
                if str(existing["ID"]) == str(item["ID"]):
                    if item.get("DELETE") in ("Y", True, "1") or item.get("VALUE", existing["VALUE"]) in (
                        "",
                        None,
                    ):
                        out.remove(existing)
                    else:
                        existing["VALUE"] = str(item.get("VALUE", existing["VALUE"]))
                        existing["VALUE_TYPE"] = str(item.get("VALUE_TYPE", existing["VALUE_TYPE"]))
                    break
            continue
        if item.get("VALUE") in (None, ""):
            continue
        out.append(
            {
                "ID": ctx.portal.store.next_seq("multifield"),
                "VALUE_TYPE": str(item.get("VALUE_TYPE") or ("WORK" if type_id != "IM" else "OTHER")),
                "VALUE": str(item["VALUE"]),
                "TYPE_ID": type_id,
            }
        )
    return out


def _apply_fields(
    ctx: Ctx, spec: EntitySpec, data: dict[str, Any], fields: dict[str, Any], *, importing: bool
) -> None:
    for raw, value in fields.items():
        name = spec.canonical(str(raw))
        if name is None or name == "ID":
            continue
        fd = spec.fields.get(name, FieldDef(type="string", multiple=isinstance(value, list)))
        if fd.readonly and not (
            importing and name in ("DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID")
        ):
            continue
        if fd.type == "crm_multifield":
            data[name] = _merge_multifield(ctx, name, data.get(name) or [], value)
            continue
        data[name] = coerce(fd, value)
    for mf, flag in (("PHONE", "HAS_PHONE"), ("EMAIL", "HAS_EMAIL")):
        if flag in spec.fields:
            data[flag] = "Y" if data.get(mf) else "N"
    if "CONTACT_IDS" in fields and "CONTACT_ID" in spec.fields:
        ids = data.get("CONTACT_IDS") or []
        data["CONTACT_ID"] = ids[0] if ids else None
    elif "CONTACT_ID" in fields and "CONTACT_IDS" in spec.fields and data.get("CONTACT_ID"):
        ids = list(data.get("CONTACT_IDS") or [])
        if data["CONTACT_ID"] not in ids:
            ids.insert(0, data["CONTACT_ID"])
        data["CONTACT_IDS"] = ids


def _defaults(ctx: Ctx, spec: EntitySpec) -> dict[str, Any]:
    now = ctx.portal.clock.iso()
    uid = ctx.user_id
    d: dict[str, Any] = {}
    candidates = {
        "OPENED": "Y", "CURRENCY_ID": "USD", "OPPORTUNITY": 0.0, "ASSIGNED_BY_ID": uid, "CREATED_BY_ID": uid,
        "MODIFY_BY_ID": uid, "DATE_CREATE": now, "DATE_MODIFY": now, "ORIGINATOR_ID": None, "ORIGIN_ID": None,
        "IS_MANUAL_OPPORTUNITY": "N", "HAS_PHONE": "N", "HAS_EMAIL": "N", "HAS_IMOL": "N",
        "IS_RETURN_CUSTOMER": "N", "COMMENTS": None, "SOURCE_ID": None, "COMPANY_ID": None,
    }  # fmt: skip
    for k, v in candidates.items():
        if k in spec.fields:
            d[k] = v
    if spec.name == "lead":
        d.update(
            {"TITLE": None, "STATUS_ID": "NEW", "STATUS_SEMANTIC_ID": "P", "NAME": None, "LAST_NAME": None}
        )
    elif spec.name == "deal" or spec.name.startswith("dynamic_"):
        d.update({"TITLE": None, "CATEGORY_ID": 0, "STAGE_ID": "NEW", "CONTACT_ID": None, "CONTACT_IDS": []})
        if spec.name == "deal":
            d.update({"STAGE_SEMANTIC_ID": "P", "CLOSED": "N", "TYPE_ID": "SALE", "PROBABILITY": None})
    elif spec.name == "contact":
        d.update({"NAME": None, "LAST_NAME": None, "TYPE_ID": "CLIENT", "EXPORT": "Y"})
    elif spec.name == "company":
        d.update({"TITLE": None, "COMPANY_TYPE": "CUSTOMER", "IS_MY_COMPANY": "N"})
    return d


_SEMANTIC = {"CONVERTED": "S", "JUNK": "F", "WON": "S", "LOSE": "F"}


def _semantics(spec: EntitySpec, data: dict[str, Any]) -> None:
    if spec.name == "lead":
        data["STATUS_SEMANTIC_ID"] = _SEMANTIC.get(str(data.get("STATUS_ID")), "P")
    elif spec.name == "deal":
        stage = str(data.get("STAGE_ID") or "")
        sem = _SEMANTIC.get(stage.split(":")[-1], "P")
        data["STAGE_SEMANTIC_ID"] = sem
        data["CLOSED"] = "Y" if sem != "P" else "N"


def write_crm(
    ctx: Ctx, kind: str, fields: dict[str, Any], *, id: int | None = None, importing: bool = False
) -> tuple[int, dict[str, Any]]:
    """Create (id None) or update one CRM row; queues the ONCRM…ADD/UPDATE event."""
    spec = spec_for(kind)
    store = ctx.portal.store
    if id is None:
        data = _defaults(ctx, spec)
        _apply_fields(ctx, spec, data, fields, importing=importing)
        _semantics(spec, data)
        new_id = store.insert(kind, data)
        if spec.name == "lead" and not data.get("TITLE"):
            data["TITLE"] = f"Lead #{new_id}"
            store.put(kind, new_id, data)
        _emit(ctx, spec, "ADD", new_id)
        return new_id, data
    found = store.get(kind, id)
    if found is None:
        raise not_found_legacy()
    data = found
    _apply_fields(ctx, spec, data, fields, importing=importing)
    _semantics(spec, data)
    data["MODIFY_BY_ID"] = ctx.user_id
    data["DATE_MODIFY"] = ctx.portal.clock.iso()
    store.put(kind, id, data)
    _emit(ctx, spec, "UPDATE", id)
    return id, data


def _emit(ctx: Ctx, spec: EntitySpec, action: str, id: int) -> None:
    if spec.event_prefix is None:
        return
    data: dict[str, Any] = {"FIELDS": {"ID": id}}
    if spec.event_prefix == "ONCRMDYNAMICITEM":
        data["FIELDS"]["ENTITY_TYPE_ID"] = spec.entity_type_id
    ctx.emit(spec.event_prefix + action, data, f"{spec.name}:{id}")


def crm_exists(ctx: Ctx, kind: str, id: Any) -> bool:
    try:
        return ctx.portal.store.get(kind, int(id)) is not None
    except (TypeError, ValueError):
        return False


def _legacy_id(params: dict[str, Any]) -> int:
    raw: Any = params.get("id", params.get("ID"))
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_id_legacy() from None
    if value <= 0:
        raise bad_id_legacy()
    return value


def _fields_param(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields", params.get("FIELDS"))
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise ApiError("", "Parameter 'fields' must be array.", 400)
    return fields


# -- legacy rendering ------------------------------------------------------------------------------------


def _legacy_select(spec: EntitySpec, select: Any) -> tuple[list[str], bool]:
    """→ (explicit field names, include all UF_*). Empty or "*" = every standard non-multiple field."""
    names: list[str] = []
    uf_all = False
    raw = select if isinstance(select, list) else [select] if isinstance(select, str) and select else []
    if not raw:
        raw = ["*"]
    for item in raw:
        item = str(item)
        if item == "*":
            names.extend(
                n for n, fd in spec.fields.items() if not fd.multiple and fd.type != "crm_multifield"
            )
        elif item.upper() == "UF_*":
            uf_all = True
        else:
            canon = spec.canonical(item)
            if canon:
                names.append(canon)
    return list(dict.fromkeys(["ID", *names])), uf_all


def render_row(
    spec: EntitySpec, id: int, data: dict[str, Any], names: list[str], uf_all: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        if n == "ID":
            out["ID"] = str(id)
        elif spec.fields.get(n, FieldDef()).type == "crm_multifield":
            if data.get(n):
                out[n] = [render_legacy_value(x) for x in data[n]]
        else:
            out[n] = render_legacy_value(data.get(n))
    if uf_all:
        for k, v in data.items():
            if k.startswith("UF_") and k not in out:
                out[k] = render_legacy_value(v)
    return out


def _render_get(spec: EntitySpec, id: int, data: dict[str, Any]) -> dict[str, Any]:
    names = [n for n, fd in spec.fields.items() if not fd.multiple or fd.type == "crm_multifield"]
    return render_row(spec, id, data, names, True)


# -- legacy handlers ---------------------------------------------------------------------------------------


def _legacy_handlers(kind: str) -> dict[str, Any]:
    def add(ctx: Ctx, params: dict[str, Any]) -> Any:
        fields = _fields_param(params)
        opts = params.get("params") or {}
        importing = isinstance(opts, dict) and str(opts.get("IMPORT", "N")).upper() == "Y"
        new_id, _ = write_crm(ctx, kind, fields, importing=importing)
        return new_id

    def get(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _legacy_id(params)
        data = ctx.portal.store.get(kind, id)
        if data is None:
            raise not_found_legacy()
        return _render_get(spec_for(kind), id, data)

    def update(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _legacy_id(params)
        write_crm(ctx, kind, _fields_param(params), id=id)
        return True

    def delete(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _legacy_id(params)
        if not ctx.portal.store.delete(kind, id):
            raise not_found_legacy()
        _emit(ctx, spec_for(kind), "DELETE", id)
        return True

    def list_(ctx: Ctx, params: dict[str, Any]) -> Any:
        spec = spec_for(kind)
        conds = parse_filter(params.get("filter") or params.get("FILTER"), spec)
        where, args = build_where(spec, conds)
        order = build_order(spec, params.get("order") or params.get("ORDER"))
        start = parse_start(params)
        rows, total, nxt, cost = page_rows(ctx, kind, where, args, order, start)
        names, uf_all = _legacy_select(spec, params.get("select") or params.get("SELECT"))
        items = [render_row(spec, i, d, names, uf_all) for i, d in rows]
        return Answer(items, total=0 if total is None else total, next=nxt, records=len(items), cost=cost)

    def fields(ctx: Ctx, params: dict[str, Any]) -> Any:
        out = {n: fd.describe() for n, fd in spec_for(kind).fields.items()}
        out.update(user_fields(ctx.portal, kind))
        return out

    return {"add": add, "get": get, "update": update, "delete": delete, "list": list_, "fields": fields}


# -- crm.item ---------------------------------------------------------------------------------------------


def item_key(name: str) -> str:
    return _ITEM_ALIASES.get(name) or camel(name)


def _item_name_map(spec: EntitySpec) -> Callable[[str], str | None]:
    def mapper(key: str) -> str | None:
        low = key.lower()
        if low == "id":
            return "ID"
        if low in _ITEM_ALIASES_REV:
            return _ITEM_ALIASES_REV[low]
        for n in spec.fields:
            if camel(n).lower() == low:
                return n
        if low.startswith("uf"):
            return spec.canonical(key)
        return None if spec.strict else spec.canonical(key)

    return mapper


def render_item(
    spec: EntitySpec,
    id: int,
    data: dict[str, Any],
    select: list[str] | None = None,
    *,
    original_uf: bool = False,
) -> dict[str, Any]:
    """camelCase typed item; `useOriginalUfNames=Y` keeps `UF_CRM_…` names (crm-item-add.md)."""
    out: dict[str, Any] = {"id": id}
    fm: list[dict[str, Any]] = []
    for n, v in data.items():
        if n in MULTIFIELD_TYPES:
            for x in v or []:
                fm.append({"id": x["ID"], "typeId": n, "valueType": x["VALUE_TYPE"], "value": x["VALUE"]})
            continue
        if n.startswith("__") or n in ("HAS_PHONE", "HAS_EMAIL", "HAS_IMOL"):
            continue
        out[n if original_uf and n.startswith("UF_") else item_key(n)] = v
    out["entityTypeId"] = spec.entity_type_id
    out["fm"] = fm
    if select and "*" not in select:
        wanted = {s.lower() for s in select} | {"id"}
        out = {k: v for k, v in out.items() if k.lower() in wanted}
    return out


def _orig(params: dict[str, Any]) -> bool:
    return str(params.get("useOriginalUfNames", "N")).upper() in ("Y", "1", "TRUE")


def _item_id(params: dict[str, Any]) -> int:
    try:
        value = int(params.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError(
            "INVALID_ARG_VALUE", "Required parameter 'id' is not specified or invalid", 400
        ) from None
    return value


def _item_fields(ctx: Ctx, spec: EntitySpec, fields: Any) -> dict[str, Any]:
    if not isinstance(fields, dict):
        raise ApiError("INVALID_ARG_VALUE", "Parameter 'fields' must be an object", 400)
    mapper = _item_name_map(spec)
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if str(k).lower() == "fm" and isinstance(v, list):
            for x in v:
                if isinstance(x, dict) and x.get("typeId"):
                    out.setdefault(str(x["typeId"]).upper(), []).append(
                        {"VALUE": x.get("value"), "VALUE_TYPE": x.get("valueType"), "ID": x.get("id")}
                    )
            continue
        name = mapper(str(k))
        if name:
            out[name] = v
    return out


def _item_handlers() -> dict[str, Any]:
    def add(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        spec = spec_for(kind)
        new_id, data = write_crm(ctx, kind, _item_fields(ctx, spec, params.get("fields") or {}))
        return {"item": render_item(spec, new_id, data, original_uf=_orig(params))}

    def get(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        id = _item_id(params)
        data = ctx.portal.store.get(kind, id)
        if data is None:
            raise ApiError("NOT_FOUND", "Element not found", 400)
        return {"item": render_item(spec_for(kind), id, data, original_uf=_orig(params))}

    def update(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        spec = spec_for(kind)
        id = _item_id(params)
        if ctx.portal.store.get(kind, id) is None:
            raise ApiError("NOT_FOUND", "Element not found", 400)
        _, data = write_crm(ctx, kind, _item_fields(ctx, spec, params.get("fields") or {}), id=id)
        return {"item": render_item(spec, id, data, original_uf=_orig(params))}

    def delete(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        id = _item_id(params)
        if not ctx.portal.store.delete(kind, id):
            raise ApiError("NOT_FOUND", "Item not found", 400)
        _emit(ctx, spec_for(kind), "DELETE", id)
        return []

    def list_(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        spec = spec_for(kind)
        mapper = _item_name_map(spec)
        conds = parse_filter(params.get("filter"), spec, name_map=mapper)
        where, args = build_where(spec, conds)
        order = build_order(spec, params.get("order"), name_map=mapper, strict_dir=True)
        start = parse_start(params)
        rows, total, nxt, cost = page_rows(ctx, kind, where, args, order, start)
        select = params.get("select")
        sel = [str(s) for s in select] if isinstance(select, list) and select else None
        items = [render_item(spec, i, d, sel, original_uf=_orig(params)) for i, d in rows]
        return Answer(
            {"items": items}, total=0 if total is None else total, next=nxt, records=len(items), cost=cost
        )

    def fields(ctx: Ctx, params: dict[str, Any]) -> Any:
        kind = _kind_for_type(params.get("entityTypeId"))
        spec = spec_for(kind)
        out = {}
        for n, fd in spec.fields.items():
            d = fd.describe()
            d["upperName"] = n
            out[item_key(n)] = d
        for n, d in user_fields(ctx.portal, kind).items():
            out[item_key(n)] = {**d, "upperName": n}
        return {"fields": out}

    return {"add": add, "get": get, "update": update, "delete": delete, "list": list_, "fields": fields}


def register_crm(reg: Registry) -> None:
    for kind in CRM_KINDS:
        for op, fn in _legacy_handlers(kind).items():
            write = op in ("add", "update", "delete")
            reg.add(f"crm.{kind}.{op}", fn, scope="crm", write=write, pack="core")
    for op, fn in _item_handlers().items():
        reg.add(f"crm.item.{op}", fn, scope="crm", write=op in ("add", "update", "delete"), pack="core")
