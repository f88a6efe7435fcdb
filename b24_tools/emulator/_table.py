"""A table-driven entity engine: one `Op` row per method (add / get / list / update / delete / fields).

Most pack methods differ only in where the fields live, which fields are required, how ids are named and how
the answer is wrapped; `Op` says that, `make_handler()` does the rest. A new method is a new row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._errors import ApiError
from ._paging import page_rows, parse_start
from ._query import build_order, build_where, parse_filter
from ._registry import Answer, Ctx, Registry
from ._schema import EntitySpec, camel, render_legacy_value

__all__ = ["Op", "make_handler", "register_ops", "render_row"]


def _identity(x: Any) -> Any:
    return x


@dataclass(frozen=True)
class Op:
    method: str
    op: str  # add | get | list | update | delete | fields
    entity: str
    scope: str
    pack: str
    required: tuple[str, ...] = ()
    fields_param: str | None = "fields"  # None: the fields are the top-level params
    id_param: str = "id"
    style: str = "legacy"  # legacy: UPPER keys, strings | typed: camelCase keys, numbers
    wrap: Callable[[Any], Any] = _identity  # get / list / fields answers
    add_result: Callable[[int, dict[str, Any]], Any] = lambda id, row: id
    update_result: Callable[[dict[str, Any]], Any] = lambda row: True
    delete_result: Any = True
    defaults: dict[str, Any] = field(default_factory=dict)
    not_found: tuple[str, str, int] = ("NOT_FOUND", "Not found", 400)
    missing: Callable[[str, str], ApiError] | None = None  # error for a missing required field
    batch_ok: bool = True
    event: str | None = None  # e.g. ONCALENDARENTRYADD; ADD/UPDATE/DELETE is appended by op
    filter_param: str = "filter"
    paged: bool = True  # list answers carry total/next
    app_only: bool = False
    scope_filter: tuple[str, ...] = ()  # params copied into the filter (e.g. ENTITY for entity.item.get)


def _id_key(op: Op) -> str:
    return "ID" if op.style == "legacy" else "id"


def render_row(op: Op, id: int, data: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    if op.style == "legacy":
        out: dict[str, Any] = {"ID": str(id)}
        out.update({k: render_legacy_value(v) for k, v in data.items() if not k.startswith("__")})
    else:
        out = {"id": id}
        out.update({k: v for k, v in data.items() if not k.startswith("__")})
    if select and "*" not in select:
        wanted = {s.lower() for s in select} | {"id"}
        out = {k: v for k, v in out.items() if k.lower() in wanted}
    return out


def _get_param(params: dict[str, Any], name: str) -> Any:
    if name in params:
        return params[name]
    low = name.lower()
    for k, v in params.items():
        if str(k).lower() == low:
            return v
    return None


def _missing(op: Op, name: str) -> ApiError:
    if op.missing is not None:
        return op.missing(name, op.method)
    return ApiError("", f'The required parameter "{name}" for the method "{op.method}" is not set', 400)


def _fields(op: Op, params: dict[str, Any]) -> dict[str, Any]:
    if op.fields_param is None:
        return {k: v for k, v in params.items() if k not in ("auth_connector", "__body__")}
    value = _get_param(params, op.fields_param)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ApiError("", f"Parameter '{op.fields_param}' must be array.", 400)
    return value


def _id(op: Op, params: dict[str, Any]) -> int:
    raw = _get_param(params, op.id_param)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _missing(op, op.id_param) from None
    return value


def make_handler(op: Op) -> Callable[[Ctx, dict[str, Any]], Any]:
    spec = EntitySpec(op.entity, strict=False)

    def emit(ctx: Ctx, action: str, id: int) -> None:
        if op.event:
            ctx.emit(op.event + action, {"FIELDS": {"ID": id}}, f"{op.entity}:{id}")

    def add(ctx: Ctx, params: dict[str, Any]) -> Any:
        fields = _fields(op, params)
        for name in op.required:
            value = _get_param(fields, name)
            if value in (None, "", []):
                raise _missing(op, name)
        data: dict[str, Any] = {}
        for k, v in op.defaults.items():
            data[k] = v(ctx) if callable(v) else v
        for k, v in fields.items():
            key = str(k) if op.style == "typed" else str(k).upper()
            data[key] = v
        new_id = ctx.portal.store.insert(op.entity, data)
        emit(ctx, "ADD", new_id)
        return op.add_result(new_id, render_row(op, new_id, data))

    def get(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _id(op, params)
        data = ctx.portal.store.get(op.entity, id)
        if data is None:
            raise ApiError(*op.not_found)
        return op.wrap(render_row(op, id, data))

    def update(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _id(op, params)
        data = ctx.portal.store.get(op.entity, id)
        if data is None:
            raise ApiError(*op.not_found)
        for k, v in _fields(op, params).items():
            data[str(k) if op.style == "typed" else str(k).upper()] = v
        ctx.portal.store.put(op.entity, id, data)
        emit(ctx, "UPDATE", id)
        return op.update_result(render_row(op, id, data))

    def delete(ctx: Ctx, params: dict[str, Any]) -> Any:
        id = _id(op, params)
        if not ctx.portal.store.delete(op.entity, id):
            raise ApiError(*op.not_found)
        emit(ctx, "DELETE", id)
        return op.delete_result

    def list_(ctx: Ctx, params: dict[str, Any]) -> Any:
        flt = _get_param(params, op.filter_param) or {}
        if not isinstance(flt, dict):
            flt = {}
        flt = dict(flt)
        for name in op.scope_filter:
            value = _get_param(params, name)
            if value in (None, ""):
                raise _missing(op, name)
            flt[name.upper() if op.style == "legacy" else name] = value
        if op.style == "legacy":
            flt = {str(k).upper(): v for k, v in flt.items()}
        conds = parse_filter(flt, spec, name_map=lambda k: k if op.style == "typed" else k.upper())
        where, args = build_where(spec, conds)
        order = _get_param(params, "order") or _get_param(params, "sort")
        sql_order = build_order(spec, order if isinstance(order, dict) else None,
                                name_map=lambda k: ("ID" if k.lower() == "id" else k if op.style == "typed" else k.upper()))  # fmt: skip
        start = parse_start(params)
        rows, total, nxt, cost = page_rows(ctx, op.entity, where, args, sql_order, start)
        select = _get_param(params, "select")
        sel = [str(s) for s in select] if isinstance(select, list) and select else None
        items = [render_row(op, i, d, sel) for i, d in rows]
        if not op.paged:
            return Answer(op.wrap(items), records=len(items), cost=cost)
        return Answer(
            op.wrap(items), total=0 if total is None else total, next=nxt, records=len(items), cost=cost
        )

    def fields(ctx: Ctx, params: dict[str, Any]) -> Any:
        names = set(op.required) | set(op.defaults)
        return op.wrap({(camel(n) if op.style == "typed" else n): {"type": "string", "isRequired": n in op.required,
                        "isReadOnly": False, "title": n} for n in sorted(names)})  # fmt: skip

    return {"add": add, "get": get, "update": update, "delete": delete, "list": list_, "fields": fields}[
        op.op
    ]


def register_ops(reg: Registry, ops: list[Op]) -> None:
    for op in ops:
        reg.add(
            op.method,
            make_handler(op),
            scope=op.scope,
            write=op.op in ("add", "update", "delete"),
            app_only=op.app_only,
            batch_ok=op.batch_ok,
            pack=op.pack,
        )
