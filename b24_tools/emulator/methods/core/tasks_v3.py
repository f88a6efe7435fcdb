"""REST 3.0 tasks (`/rest/api/…/tasks.task.*`): camelCase typed items, `{"item"}` / `{"items"}` / `{"result": true}`,
filters as `[field, operator, value]` with `{"logic": "or"}` groups, `pagination`; plus rest.scope.list and the
OpenAPI document. Docs: api-reference/rest-v3.md, api-reference/tasks/tasks-task-{add,get,list,update,delete}-rest-v3.md.
"""

from __future__ import annotations

from typing import Any

from ..._errors import ApiError
from ..._registry import Answer, Ctx, Registry
from ..._v3 import V3_REGISTRY
from .tasks import PRIORITY_WORDS, STATUS_WORDS, _emit, create_task, update_task

__all__ = ["register", "render_v3"]

_V3_FIELDS = {
    "id": "ID", "title": "TITLE", "description": "DESCRIPTION", "creatorId": "CREATED_BY",
    "responsibleId": "RESPONSIBLE_ID", "deadline": "DEADLINE", "status": "STATUS", "priority": "PRIORITY",
    "groupId": "GROUP_ID", "parentId": "PARENT_ID", "created": "CREATED_DATE", "changed": "CHANGED_DATE",
    "closed": "CLOSED_DATE", "startPlan": "START_DATE_PLAN", "endPlan": "END_DATE_PLAN",
    "accomplices": "ACCOMPLICES", "auditors": "AUDITORS", "crmItemIds": "UF_CRM_TASK", "xmlId": "XML_ID",
}  # fmt: skip
_V3_OPS = {"=", "!=", ">", ">=", "<", "<=", "in", "between"}


def _v3_not_found(id: Any) -> ApiError:
    return ApiError("BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION", f"Task with id {id} not found", 400)


def _v3_validation(field: str, message: str) -> ApiError:
    return ApiError(
        "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION",
        "Error validating request object",
        400,
        extra={"validation": [{"message": message, "field": field}]},
    )


def render_v3(id: int, data: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    def conv(upper: str) -> Any:
        v = data.get(upper)
        if upper == "STATUS":
            return STATUS_WORDS.get(str(v), str(v))
        if upper == "PRIORITY":
            return PRIORITY_WORDS.get(str(v), str(v))
        if upper in ("PARENT_ID", "GROUP_ID") and not v:
            return None
        return v

    out: dict[str, Any] = {"id": id}
    for key, upper in _V3_FIELDS.items():
        if key != "id":
            out[key] = conv(upper)
    if select:
        out = {k: v for k, v in out.items() if k in select or k == "id"}
    return out


_RELATIONS = {"responsible": "RESPONSIBLE_ID", "creator": "CREATED_BY"}
_USER_FIELDS = {
    "id": "ID",
    "name": "NAME",
    "lastName": "LAST_NAME",
    "email": "EMAIL",
    "workPosition": "WORK_POSITION",
}


def with_relations(
    ctx: Ctx, item: dict[str, Any], data: dict[str, Any], select: list[str] | None
) -> dict[str, Any]:
    """`select: ["responsible.name"]` adds `{"responsible": {"name": …}}` (rest-v3.md#connection); an unknown
    related field is refused, an unknown own field is silently omitted."""
    for entry in select or []:
        if "." not in entry:
            continue
        relation, _, field = entry.partition(".")
        if relation not in _RELATIONS or field not in _USER_FIELDS:
            raise ApiError(
                "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION", f"Unknown field `{entry}`", 400
            )
        user_id = int(data.get(_RELATIONS[relation]) or 0)
        user = ctx.portal.store.get("user", user_id) or {}
        value = user_id if field == "id" else user.get(_USER_FIELDS[field])
        item.setdefault(relation, {})[field] = value
    return item


def _v3_id(params: dict[str, Any]) -> int:
    if "id" not in params:
        raise _v3_validation("id", "Required field `id` is not specified")
    try:
        return int(params["id"])
    except (TypeError, ValueError):
        raise _v3_validation("id", "Field `id` must be an integer") from None


def v3_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise _v3_validation("fields", "Required field `fields` is not specified")
    for req in ("title", "creatorId", "responsibleId"):
        if fields.get(req) in (None, ""):
            raise _v3_validation(req, f"Required field `{req}` is not specified")
    unknown = [k for k in fields if k not in _V3_FIELDS]
    if unknown:
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION", f"Unknown field `{unknown[0]}`", 400
        )
    mapped = {_V3_FIELDS[k]: v for k, v in fields.items()}
    new_id, data = create_task(ctx, {k: v for k, v in mapped.items()}, v3=False)
    return {"item": render_v3(new_id, data)}


def v3_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _v3_id(params)
    data = ctx.portal.store.get("task", id)
    if data is None:
        raise _v3_not_found(id)
    select = [str(s) for s in params["select"]] if isinstance(params.get("select"), list) else None
    return {"item": with_relations(ctx, render_v3(id, data, select), data, select)}


def v3_update(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _v3_id(params)
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _v3_validation("fields", "Required field `fields` is not specified")
    unknown = [k for k in fields if k not in _V3_FIELDS]
    if unknown:
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION", f"Unknown field `{unknown[0]}`", 400
        )
    if ctx.portal.store.get("task", id) is None:
        raise _v3_not_found(id)
    update_task(ctx, id, {_V3_FIELDS[k]: v for k, v in fields.items()}, v3=True)
    return {"result": True}


def v3_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    id = _v3_id(params)
    if not ctx.portal.store.delete("task", id):
        raise _v3_not_found(id)
    _emit(ctx, "DELETE", id)
    return {"result": True}


def _v3_condition(cond: Any) -> tuple[str, list[Any]]:
    if isinstance(cond, dict):
        logic = str(cond.get("logic", "and")).lower()
        parts = [_v3_condition(c) for c in cond.get("conditions") or []]
        if not parts:
            return "1", []
        joiner = " OR " if logic == "or" else " AND "
        return "(" + joiner.join(p for p, _ in parts) + ")", [a for _, args in parts for a in args]
    if not isinstance(cond, list) or len(cond) not in (2, 3):
        raise _v3_validation("filter", "Filter condition must be [field, operator, value]")
    field = str(cond[0])
    op, value = (
        ("in" if isinstance(cond[1], list) else "=", cond[1]) if len(cond) == 2 else (str(cond[1]), cond[2])
    )
    if field not in _V3_FIELDS:
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION", f"Unknown field `{field}`", 400
        )
    if op not in _V3_OPS:
        raise ApiError(
            "BITRIX_REST_V3_EXCEPTION_UNKNOWNFILTEROPERATOREXCEPTION", f"Unknown operator `{op}`", 400
        )
    upper = _V3_FIELDS[field]

    def norm(v: Any) -> Any:
        if upper == "STATUS":
            return next((k for k, w in STATUS_WORDS.items() if w == v), str(v))
        if upper == "PRIORITY":
            return next((k for k, w in PRIORITY_WORDS.items() if w == v), str(v))
        return v

    col = "id" if upper == "ID" else f"json_extract(data, '$.\"{upper}\"')"
    if op == "in":
        items = [norm(v) for v in (value if isinstance(value, list) else [value])]
        return (f"{col} IN ({','.join('?' for _ in items)})" if items else "0"), items
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise _v3_validation("filter", "`between` needs [from, to]")
        return f"{col} BETWEEN ? AND ?", [norm(value[0]), norm(value[1])]
    sql_op = "<>" if op == "!=" else op
    return f"{col} {sql_op} ?", [norm(value)]


def v3_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    flt = params.get("filter") or []
    if not isinstance(flt, list):
        raise _v3_validation("filter", "Filter must be a list of conditions")
    parts = [_v3_condition(c) for c in flt]
    where = " AND ".join(p for p, _ in parts)
    args = [a for _, xs in parts for a in xs]
    order_parts = []
    for k, d in (params.get("order") or {}).items():
        if k not in _V3_FIELDS:
            raise ApiError(
                "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION", f"Unknown field `{k}`", 400
            )
        upper = _V3_FIELDS[k]
        col = "id" if upper == "ID" else f"json_extract(data, '$.\"{upper}\"')"
        order_parts.append(f"{col} {'DESC' if str(d).upper() == 'DESC' else 'ASC'}")
    order_parts.append("id ASC")
    pag = params.get("pagination") or {}
    limit = max(1, min(int(pag.get("limit", 50) or 50), 1000))
    offset = int(pag.get("offset", 0) or 0)
    if pag.get("page"):
        offset = (int(pag["page"]) - 1) * limit
    rows = ctx.portal.store.select(
        "task", where, args, order=", ".join(order_parts), limit=limit, offset=offset
    )
    select = params.get("select")
    sel = [str(s) for s in select] if isinstance(select, list) and select else None
    items = [with_relations(ctx, render_v3(i, d, sel), d, sel) for i, d in rows]
    return Answer({"items": items}, records=len(items))


def rest_scope_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    out: dict[str, list[str]] = {}
    for m in ctx.portal.registry:
        out.setdefault(m.scope, []).append(m.name)
    return {"items": [{"scope": s, "methods": ms} for s, ms in sorted(out.items())]}


def openapi(ctx: Ctx, params: dict[str, Any]) -> Any:
    paths = {f"/{m.name}": {"post": {"tags": [m.name.split(".")[0]]}} for m in V3_REGISTRY}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Bitrix24 REST 3.0 (emulator)", "version": "3.0"},
        "paths": paths,
    }


def register(reg: Registry) -> None:
    for name, fn, write in (
        ("tasks.task.add", v3_add, True), ("tasks.task.get", v3_get, False), ("tasks.task.list", v3_list, False),
        ("tasks.task.update", v3_update, True), ("tasks.task.delete", v3_delete, True),
    ):  # fmt: skip
        V3_REGISTRY.add(name, fn, scope="task", write=write, pack="core")
    V3_REGISTRY.add("rest.scope.list", rest_scope_list, scope="basic")
    V3_REGISTRY.add("rest.documentation.openapi", openapi, scope="basic")
    V3_REGISTRY.add("documentation", openapi, scope="basic")
