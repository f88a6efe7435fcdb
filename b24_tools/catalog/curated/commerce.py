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
    Curated(
        method="sale.order.update",
        pack="commerce",
        risk="write",
        description="Change an order.",
        params=_m(
            "SaleOrderUpdate", id=(int, ..., "order ID"), fields=(dict[str, Any], ..., '{"statusId":"P"}')
        ),
        result="{order}",
        scope=("sale",),
        example={"id": 1, "fields": {"comments": "call first"}},
    ),
    Curated(
        method="sale.payment.add",
        pack="commerce",
        risk="write",
        description="Add a payment to an order.",
        params=_m(
            "SalePaymentAdd",
            fields=(dict[str, Any], ..., '{"orderId":1,"paySystemId":1,"sum":100}'),
        ),
        result="{payment}",
        scope=("sale",),
        example={"fields": {"orderId": 1, "paySystemId": 1, "sum": 100}},
    ),
    Curated(
        method="sale.delivery.getlist",
        pack="commerce",
        risk="read",
        description="List delivery services.",
        params=_m("SaleDeliveryGetlist", FILTER=(dict[str, Any], None, '{"ACTIVE":"Y"}')),
        result="list",
        scope=("sale",),
        example={},
    ),
    Curated(
        method="catalog.product.update",
        pack="commerce",
        risk="write",
        description="Change a product.",
        params=_m(
            "CatalogProductUpdate", id=(int, ..., "product ID"), fields=(dict[str, Any], ..., '{"name":".."}')
        ),
        result="{element}",
        scope=("catalog",),
        example={"id": 1, "fields": {"name": "Renamed"}},
    ),
    Curated(
        method="catalog.price.list",
        pack="commerce",
        risk="read",
        description="Find product prices.",
        params=_m(
            "CatalogPriceList",
            filter=(dict[str, Any], None, '{"productId":1}'),
            start=(int, None, "answer's next"),
        ),
        result="{prices}",
        scope=("catalog",),
        example={},
    ),
    Curated(
        method="catalog.price.add",
        pack="commerce",
        risk="write",
        description="Set a product price.",
        params=_m(
            "CatalogPriceAdd",
            fields=(dict[str, Any], ..., '{"productId":1,"catalogGroupId":1,"price":10,"currency":"USD"}'),
        ),
        result="{price}",
        scope=("catalog",),
        example={"fields": {"productId": 1, "catalogGroupId": 1, "price": 10, "currency": "USD"}},
    ),
)
