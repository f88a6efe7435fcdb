"""List paging shared by every list method: 50 a page, `start`/`next`/`total`, `start=-1` counts nothing.

Doc: settings/how-to-call-rest-api/list-methods-pecularities.md, settings/performance/huge-data.md.
The modelled cost of a counted page grows with the table size and the offset; an uncounted page is cheap.
"""

from __future__ import annotations

from typing import Any

from ._registry import Ctx

__all__ = ["PAGE", "parse_start", "page_rows", "list_cost"]

PAGE = 50


def parse_start(params: dict[str, Any]) -> int:
    raw = params.get("start", params.get("START", 0))
    try:
        start = int(raw) if raw not in (None, "") else 0
    except (TypeError, ValueError):
        start = 0
    return -1 if start < 0 else start


def list_cost(ctx: Ctx, table_rows: int, start: int) -> float:
    cfg = ctx.portal.config
    if not cfg.cost_model:
        return 0.0
    if start < 0:
        return cfg.page_cost
    return cfg.page_cost + cfg.count_cost_per_row * table_rows + cfg.offset_cost_per_row * start


def page_rows(
    ctx: Ctx, entity: str, where: str, args: list[Any], order: str, start: int, *, page: int = PAGE
) -> tuple[list[tuple[int, dict[str, Any]]], int | None, int | None, float]:
    """Rows of one page plus (total, next, cost); total/next are None when `start=-1`."""
    store = ctx.portal.store
    if start < 0:
        rows = store.select(entity, where, args, order=order, limit=page, offset=0)
        return rows, None, None, list_cost(ctx, 0, -1)
    total = store.count(entity, where, args)
    rows = store.select(entity, where, args, order=order, limit=page, offset=start)
    nxt = start + page if start + page < total else None
    return rows, total, nxt, list_cost(ctx, store.size(entity), start)
