"""Curated catalog entries of the commerce pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import _ORDER, _SELECT, _START, Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    Curated(
        method="sale.order.list",
        pack="commerce",
        risk="read",
        description="Find orders, 50 per page.",
        params=_m(
            "SaleOrderList",
            select=_SELECT,
            filter=(dict[str, Any], None, '{">=dateInsert":"2026-01-01","payed":"N"}'),
            order=_ORDER,
            start=_START,
        ),
        result="orders",
        scope=("sale",),
        example={"filter": {"payed": "N"}},
    ),
    Curated(
        method="sale.order.get",
        pack="commerce",
        risk="read",
        description="Get one order.",
        params=_m("SaleOrderGet", id=(int, ..., "order ID")),
        result="order",
        scope=("sale",),
        example={"id": 1},
    ),
    Curated(
        method="sale.order.add",
        pack="commerce",
        risk="write",
        description="Create an order.",
        params=_m(
            "SaleOrderAdd", fields=(dict[str, Any], ..., '{"lid":"s1","personTypeId":1,"currency":"USD"}')
        ),
        result="order",
        scope=("sale",),
        example={"fields": {"lid": "s1", "personTypeId": 1, "currency": "USD"}},
    ),
    Curated(
        method="sale.payment.list",
        pack="commerce",
        risk="read",
        description="Find payments.",
        params=_m(
            "SalePaymentList",
            select=_SELECT,
            filter=(dict[str, Any], None, '{"orderId":5}'),
            order=_ORDER,
            start=_START,
        ),
        result="payments",
        scope=("sale",),
        example={"filter": {"orderId": 1}},
    ),
    Curated(
        method="catalog.product.list",
        pack="commerce",
        risk="read",
        description="Find products of a catalog.",
        params=_m(
            "CatalogProductList",
            select=(list[str], ..., '["id","iblockId","name"] (id, iblockId required)'),
            filter=(dict[str, Any], ..., '{"iblockId":1,"%name":"chair"}'),
            order=_ORDER,
            start=_START,
        ),
        result="products",
        scope=("catalog",),
        example={"select": ["id", "iblockId", "name"], "filter": {"iblockId": 1}},
    ),
    Curated(
        method="catalog.product.get",
        pack="commerce",
        risk="read",
        description="Get one product.",
        params=_m("CatalogProductGet", id=(int, ..., "product ID")),
        result="product",
        scope=("catalog",),
        example={"id": 1},
    ),
    Curated(
        method="catalog.product.add",
        pack="commerce",
        risk="write",
        description="Create a product.",
        params=_m("CatalogProductAdd", fields=(dict[str, Any], ..., '{"iblockId":1,"name":"Chair"}')),
        result="product",
        scope=("catalog",),
        example={"fields": {"iblockId": 1, "name": "Chair"}},
    ),
)
