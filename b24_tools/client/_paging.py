"""Paging arithmetic for `iter_list`, shared by the sync and async clients (no I/O here).

Fast mode follows settings/performance/huge-data.md: order by ID ascending, filter `>ID` = last seen ID,
`start=-1` (no COUNT), repeat until a page has fewer than 50 records. We chain up to 50 such pages in one `batch`:
command k filters on `$result[p{k-1}][49][ID]` — the last ID of the previous page (for wrapped results
`$result[p{k-1}][items][49][id]`, `$result[p{k-1}][tasks][49][id]`). When a page comes back short the reference of
the next command cannot resolve (the portal then substitutes an empty value or fails that command), so everything
after the first short page is ignored, and a page that does not continue after the previous one ends the chain.

The scan opens with one batch holding the first page and the largest matching ID (`order ID DESC`, one page of
IDs). That ID bounds the scan — records created after it started are not included, `>ID` resumes them — and sizes
every later chain, so the scan needs ceil(N / 2,500) + 1 requests and never a separate probe for the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .._errors import B24Error, B24ValidationError
from ._response import BatchResult

__all__ = [
    "refine_shape",
    "check_mode",
    "offset_commands",
    "ListShape",
    "shape_for",
    "extract",
    "prepare_fast",
    "page_params",
    "chain_commands",
    "consume_chain",
    "chain_length",
    "chain_segments",
    "auto_concurrency",
    "opening_commands",
    "open_scan",
    "slim_params",
    "record_id",
    "PAGE",
]

PAGE = 50  # list-methods-pecularities.md: pages of 50


@dataclass(frozen=True, slots=True)
class ListShape:
    """How a list method pages: where the records sit, which key is the ID, how it orders."""

    wrapper: str | None = None  # "items" (crm.item.list), "tasks" (tasks.task.list), None (plain array)
    id_field: str = "ID"  # the ID key in records
    filter_field: str = "ID"  # the ID key in filter/order/select
    sort_style: bool = False  # user.get: sort=ID&order=ASC instead of order[ID]=ASC
    asc: str = "ASC"
    desc: str = "DESC"


_SHAPES: dict[str, ListShape] = {
    "crm.item.list": ListShape("items", "id", "id"),
    "tasks.task.list": ListShape("tasks", "id", "ID", asc="asc", desc="desc"),
    "user.get": ListShape(None, "ID", "ID", sort_style=True),
    "user.search": ListShape(None, "ID", "ID", sort_style=True),
    "crm.type.list": ListShape("types", "id", "id"),
}


def shape_for(method: str) -> ListShape:
    return _SHAPES.get(method.strip().lower(), ListShape())


def extract(result: Any, shape: ListShape | None = None) -> list[dict[str, Any]]:
    """Records of one page: a list, or the list under the shape's wrapper, or a dict's only list value."""
    if isinstance(result, list):
        return result
    if isinstance(result, Mapping):
        if shape is not None and shape.wrapper and isinstance(result.get(shape.wrapper), list):
            return list(result[shape.wrapper])
        lists = [v for v in result.values() if isinstance(v, list)]
        if len(lists) == 1:
            return list(lists[0])
        if result and all(isinstance(v, Mapping) for v in result.values()):
            return list(result.values())  # some legacy lists answer {"0": {...}, "1": {...}}
    return []


def refine_shape(shape: ListShape, result: Any) -> ListShape:
    """Learn an unknown method's shape from its first page: `{"products": [...]}` → wrapper "products";
    records keyed `id` instead of `ID` → lowercase id (the filter key stays as configured)."""
    wrapper = shape.wrapper
    if wrapper is None and isinstance(result, Mapping):
        lists = [k for k, v in result.items() if isinstance(v, list)]
        if len(lists) == 1:
            wrapper = lists[0]
    records = extract(result, replace(shape, wrapper=wrapper))
    id_field = shape.id_field
    if records and isinstance(records[0], Mapping) and id_field not in records[0]:
        for candidate in ("ID", "id", "Id"):
            if candidate in records[0]:
                id_field = candidate
                break
    if wrapper == shape.wrapper and id_field == shape.id_field:
        return shape
    return replace(shape, wrapper=wrapper, id_field=id_field)


def record_id(record: Mapping[str, Any], shape: ListShape) -> int:
    value = record.get(shape.id_field, record.get(shape.id_field.upper(), record.get(shape.id_field.lower())))
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise B24Error(
            f"list record without a numeric {shape.id_field}: fast paging needs it",
            hint="use iter_list(..., mode='offset')",
        ) from exc


def prepare_fast(
    params: Mapping[str, Any] | None, shape: ListShape, method: str
) -> tuple[dict[str, Any], int]:
    """Validate a fast-mode request; return (base params without the cursor, initial last ID)."""
    base = dict(params or {})
    if "start" in base:
        raise B24ValidationError(
            "fast mode sets start itself (start=-1)", hint="drop 'start' or use mode='offset'", method=method
        )
    key = shape.filter_field
    order = base.pop("order", None)
    if shape.sort_style:
        sort = base.pop("sort", None)
        ok = (sort is None or str(sort).upper() == key.upper()) and (
            order is None or str(order).upper() == "ASC"
        )
    else:
        ok = order is None or (
            isinstance(order, Mapping)
            and len(order) == 1
            and str(next(iter(order))).upper() == key.upper()
            and str(next(iter(order.values()))).upper() == "ASC"
        )
    if not ok:
        raise B24ValidationError(
            f"fast mode pages by {key} ascending; got order {order!r}",
            hint="drop 'order' or use iter_list(..., mode='offset')",
            method=method,
        )
    filt = dict(base.get("filter") or {})
    last = 0
    for k in (f">{key}", f">{key.lower()}", f">{key.upper()}"):
        if k in filt:
            last = max(last, int(filt.pop(k)))
    for k in (f">={key}", f">={key.lower()}", f">={key.upper()}"):
        if k in filt:
            last = max(last, int(filt.pop(k)) - 1)
    base["filter"] = filt
    select = base.get("select")
    if select:
        names = [str(s) for s in select]
        if "*" not in names and key not in names and shape.id_field not in names:
            base["select"] = [*names, key]
    return base, last


def page_params(
    base: Mapping[str, Any],
    shape: ListShape,
    after: int | str,
    upper: int | None = None,
    *,
    descending: bool = False,
) -> dict[str, Any]:
    """Params of one cursor page: `>ID` after, optional `<=ID` upper, ordered by ID, start=-1."""
    p = dict(base)
    filt = dict(p.get("filter") or {})
    key = shape.filter_field
    filt[f">{key}"] = after
    if upper is not None:
        filt[f"<={key}"] = upper
    p["filter"] = filt
    direction = shape.desc if descending else shape.asc
    if shape.sort_style:
        p["sort"], p["order"] = key, direction
    else:
        p["order"] = {key: direction}
    p["start"] = -1
    return p


def ref_expr(name: str, shape: ListShape, index: int = PAGE - 1) -> str:
    wrap = f"[{shape.wrapper}]" if shape.wrapper else ""
    return f"$result[{name}]{wrap}[{index}][{shape.id_field}]"


def chain_commands(
    method: str, base: Mapping[str, Any], shape: ListShape, last: int, n: int, upper: int | None = None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """`n` chained page commands p0..p{n-1}: p0 after `last`, each next one after the previous page's last ID."""
    cmds: dict[str, tuple[str, dict[str, Any]]] = {}
    for k in range(n):
        after: int | str = last if k == 0 else ref_expr(f"p{k - 1}", shape)
        cmds[f"p{k}"] = (method, page_params(base, shape, after, upper))
    return cmds


def consume_chain(
    result: BatchResult, n: int, shape: ListShape, last: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """Records of a chained batch in order, the new last ID, and whether the list is exhausted.

    Stops at the first short page; a page that does not start after the previous page's last ID (the reference
    did not resolve) ends this chain without being used — the next round resumes from the last good ID.
    """
    out: list[dict[str, Any]] = []
    for k in range(n):
        name = f"p{k}"
        if name in result.errors:
            raise result.errors[name]
        if name not in result.results:
            return out, last, False
        records = extract(result.results[name], shape)
        if records and record_id(records[0], shape) <= last:
            return out, last, False
        out.extend(records)
        if records:
            last = record_id(records[-1], shape)
        if len(records) < PAGE:
            return out, last, True
    return out, last, False


def chain_length(last: int, upper: int | None) -> int:
    """How many pages can still exist below `upper` (dense IDs at most), capped at one batch."""
    if upper is None:
        return PAGE
    return max(1, min(PAGE, math.ceil((upper - last) / PAGE)))


def slim_params(base: Mapping[str, Any], shape: ListShape) -> dict[str, Any]:
    """The same query selecting only the ID (for the cheap min/max look-ups)."""
    slim = dict(base)
    slim["select"] = [shape.filter_field]
    return slim


def opening_commands(
    method: str, base: Mapping[str, Any], shape: ListShape, after: int
) -> dict[str, tuple[str, dict[str, Any]]]:
    """The first request of a fast scan: the first page and the largest matching ID, in one batch."""
    return {
        "p0": (method, page_params(base, shape, after)),
        "max": (method, page_params(slim_params(base, shape), shape, after, descending=True)),
    }


def open_scan(result: BatchResult, shape: ListShape) -> tuple[ListShape, list[dict[str, Any]], int | None]:
    """(shape learnt from the first page, its records, the largest matching ID or None when nothing matches)."""
    for name in ("p0", "max"):
        if name in result.errors:
            raise result.errors[name]
    shape = refine_shape(shape, result.results.get("p0"))
    highs = extract(result.results.get("max"), shape)
    return shape, extract(result.results.get("p0"), shape), (record_id(highs[0], shape) if highs else None)


def chain_segments(last: int, upper: int) -> list[tuple[int, int]]:
    """IDs (last, upper] cut into spans of one chain each (2,500 IDs): on dense IDs each span is one request,
    so reading the spans concurrently costs exactly the requests of the sequential scan."""
    span = PAGE * PAGE
    return [(a, min(a + span, upper)) for a in range(last, upper, span)]


# Cursors in flight when the caller does not say: enough to hide latency, few enough to stay far inside the
# portal's burst (50 on standard plans, bitrix24-wire-facts.md "Limits") and its operating-time budget.
AUTO_CONCURRENCY = 6


def auto_concurrency(jobs: int, burst: float, override: int | None = None) -> int:
    """How many requests to keep in flight for `jobs` independent requests under a bucket of `burst`."""
    if override is not None:
        return max(1, min(override, jobs))
    cap = AUTO_CONCURRENCY if burst == float("inf") else max(1, min(AUTO_CONCURRENCY, int(burst // 8)))
    return max(1, min(cap, jobs))


def check_mode(mode: str, parallel: int | None) -> None:
    if mode not in ("fast", "offset"):
        raise B24ValidationError(f"iter_list mode must be 'fast' or 'offset', not {mode!r}")
    if parallel is not None and (not isinstance(parallel, int) or isinstance(parallel, bool) or parallel < 1):
        raise B24ValidationError("parallel must be a positive integer (or None: chosen from the data)")
    if parallel is not None and parallel > 1 and mode != "fast":
        raise B24ValidationError("parallel cursors need mode='fast' (they split the ID range)")


def offset_commands(
    method: str, params: Mapping[str, Any], starts: Sequence[int]
) -> dict[str, tuple[str, dict]]:
    """Offset pages as batch commands `o{start}` (classic start/next paging, 50 pages per request)."""
    return {f"o{s}": (method, {**params, "start": s}) for s in starts}
