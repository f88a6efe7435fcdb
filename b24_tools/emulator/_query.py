"""Legacy list filters, order and select, translated to SQL over the JSON rows.

Filter keys carry an operator prefix (api-reference/crm/leads/crm-lead-list.md): `>=`, `>`, `<=`, `<`,
`@` (in), `!@` (not in), `%` (like substring), `=%` / `%=` (like with the caller's `%`), `!%` / `!=%` / `!%=`,
`=` (default), `!=` / `!` (not equal). Every field can be filtered; multi-fields (PHONE, EMAIL…) match any value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._errors import ApiError
from ._schema import FLOAT_TYPES, EntitySpec, FieldDef, is_int_type

__all__ = ["parse_filter", "build_where", "build_order", "Condition"]

_OPS = ("!=%", "!%=", "!@", "!=", "!%", ">=", "<=", "=%", "%=", ">", "<", "@", "%", "=", "!")

Condition = tuple[str, str, Any]  # (field, op, value)


def parse_filter(
    flt: Any, spec: EntitySpec, *, name_map: Callable[[str], str | None] | None = None
) -> list[Condition]:
    if not flt:
        return []
    if not isinstance(flt, Mapping):
        raise ApiError("", "Parameter 'filter' must be array.", 400)
    out: list[Condition] = []
    for raw_key, value in flt.items():
        key = str(raw_key)
        if key.startswith("::") or key.upper() == "LOGIC":
            continue
        op = "="
        for candidate in _OPS:
            if key.startswith(candidate):
                op, key = candidate, key[len(candidate) :]
                break
        mapper = name_map or spec.canonical
        name = mapper(key.strip())
        if name is None:
            raise ApiError(
                "INVALID_ARG_VALUE", f"Invalid filter: field '{key}' is not allowed in filter", 400
            )
        out.append((name, op, value))
    return out


def _typed(fd: FieldDef, value: Any) -> Any:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if is_int_type(fd.type) or fd.type in FLOAT_TYPES:
        try:
            f = float(value)
            return int(f) if f.is_integer() and is_int_type(fd.type) else f
        except (TypeError, ValueError):
            return value
    return value if isinstance(value, int | float) else ("" if value is None else str(value))


def _json_path(name: str) -> str:
    return '$."' + name.replace('"', "") + '"'


def build_where(spec: EntitySpec, conditions: list[Condition]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    for name, op, value in conditions:
        fd = spec.ftype(name)
        if name == "ID":
            col, fd = "id", FieldDef(type="integer")
        else:
            col = f"json_extract(data, '{_json_path(name)}')"
        sub_value: str | None = None
        if fd.type == "crm_multifield" or fd.multiple:
            # any element matches: EXISTS over json_each
            elem = "json_extract(j.value, '$.VALUE')" if fd.type == "crm_multifield" else "j.value"
            sub_value = f"EXISTS (SELECT 1 FROM json_each(data, '{_json_path(name)}') j WHERE {{cond}})"
            col = elem
        cond, cargs = _cond(col, op, value, fd)
        if sub_value is not None:
            negate = cond.startswith("NOT ")
            inner = cond[4:] if negate else cond
            cond = ("NOT " if negate else "") + sub_value.format(cond=inner)
        parts.append(cond)
        args.extend(cargs)
    return " AND ".join(f"({p})" for p in parts), args


def _cond(col: str, op: str, value: Any, fd: FieldDef) -> tuple[str, list[Any]]:
    if op in ("@", "!@"):
        items = value if isinstance(value, list) else [value]
        if not items:
            return ("0" if op == "@" else "1"), []
        marks = ",".join("?" for _ in items)
        expr = f"{col} IN ({marks})"
        return (expr if op == "@" else f"NOT ({expr})"), [_typed(fd, v) for v in items]
    if op in ("%", "!%"):
        expr = f"{col} LIKE ?"
        arg = f"%{value}%"
        return (expr if op == "%" else f"NOT ({expr})"), [arg]
    if op in ("=%", "%=", "!=%", "!%="):
        expr = f"{col} LIKE ?"
        return (expr if not op.startswith("!") else f"NOT ({expr})"), [str(value)]
    if isinstance(value, list):  # FIELD: [a, b] behaves like @ on the real portal
        return _cond(col, "@" if op == "=" else "!@", value, fd)
    if op in ("=", "!=", "!"):
        if value in ("", None, False) and op == "=" and fd.type not in ("char",):
            return f"({col} IS NULL OR {col} = '')", []
        if value in ("", None) and op in ("!=", "!"):
            return f"({col} IS NOT NULL AND {col} <> '')", []
        expr = f"{col} = ?"
        return (expr if op == "=" else f"({col} IS NULL OR NOT ({expr}))"), [_typed(fd, value)]
    sql_op = {">": ">", ">=": ">=", "<": "<", "<=": "<="}[op]
    return f"{col} {sql_op} ?", [_typed(fd, value)]


def build_order(
    spec: EntitySpec,
    order: Any,
    *,
    name_map: Callable[[str], str | None] | None = None,
    strict_dir: bool = False,
) -> str:
    if not order or not isinstance(order, Mapping):
        return "id ASC"
    parts = []
    for raw, direction in order.items():
        mapper = name_map or spec.canonical
        name = mapper(str(raw))
        d = str(direction).upper()
        if d not in ("ASC", "DESC"):
            if strict_dir:
                raise ApiError(
                    "INVALID_ARG_VALUE",
                    f"Invalid order: allowed sort directions are ASC, DESC. But got '{direction}' for field '{raw}'",
                    400,
                )
            d = "ASC"
        if name is None:
            continue
        col = "id" if name == "ID" else f"json_extract(data, '{_json_path(name)}')"
        parts.append(f"{col} {d}")
    if not any(p.startswith("id ") for p in parts):
        parts.append("id ASC")
    return ", ".join(parts)
