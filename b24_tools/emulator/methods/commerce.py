"""Commerce pack: orders, payments and the product catalog.

Docs (api-reference/…): sale/order/sale-order-{add,get,list}.md, sale/payment/sale-payment-list.md,
catalog/product/catalog-product-{add,get,list}.md.
"""

from __future__ import annotations

from typing import Any

from .._errors import ApiError
from .._registry import Ctx, Registry
from .._table import Op, register_ops
from ._common import now as _now
from ._common import typed_missing as _typed_missing
from ._common import uid as _uid

__all__ = ["register"]

OPS: list[Op] = [
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
    Op("sale.order.update", "update", "sale_order", "sale", "commerce", style="typed",
       update_result=lambda row: {"order": row}, not_found=("ERROR_ORDER_NOT_EXISTS", "order does not exist", 400)),
    Op("sale.payment.add", "add", "sale_payment", "sale", "commerce", ("orderId", "paySystemId"), style="typed",
       missing=_typed_missing, add_result=lambda id, row: {"payment": row},
       defaults={"paid": "N", "sum": 0.0, "currency": "USD", "dateBill": _now}),
    Op("catalog.product.update", "update", "catalog_product", "catalog", "commerce", style="typed",
       update_result=lambda row: {"element": row},
       not_found=("ERROR_PRODUCT_NOT_EXISTS", "product does not exist", 400)),
    Op("catalog.price.list", "list", "catalog_price", "catalog", "commerce", style="typed",
       wrap=lambda r: {"prices": r}),
]  # fmt: skip


_DELIVERY = [{"ID": "1", "NAME": "Pickup", "ACTIVE": "Y", "CURRENCY": "USD", "CLASS_NAME": "\\Sale\\Handlers\\Delivery\\EmptyDeliveryService"},
             {"ID": "2", "NAME": "Courier", "ACTIVE": "Y", "CURRENCY": "USD", "CLASS_NAME": "\\Sale\\Handlers\\Delivery\\SimpleHandler"},
             {"ID": "3", "NAME": "Freight (off)", "ACTIVE": "N", "CURRENCY": "USD", "CLASS_NAME": "\\Sale\\Handlers\\Delivery\\SimpleHandler"}]  # fmt: skip


def delivery_getlist(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Delivery services, UPPER keys, FILTER by equality (sale/delivery/delivery/sale-delivery-get-list.md)."""
    flt = params.get("FILTER") or params.get("filter") or {}
    rows = (
        [d for d in _DELIVERY if all(str(d.get(str(k).upper())) == str(v) for k, v in flt.items())]
        if isinstance(flt, dict)
        else list(_DELIVERY)
    )
    select = params.get("SELECT") or params.get("select")
    if isinstance(select, list) and select and "*" not in select:
        rows = [{k: v for k, v in d.items() if k in {str(s).upper() for s in select}} for d in rows]
    return rows


def price_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    """The product must exist; price and currency are required (catalog/price/catalog-price-add.md)."""
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise _typed_missing("fields", "catalog.price.add")
    for name in ("productId", "catalogGroupId", "price", "currency"):
        if fields.get(name) in (None, ""):
            raise _typed_missing(name, "catalog.price.add")
    if ctx.portal.store.get("catalog_product", int(fields["productId"])) is None:
        raise ApiError("ERROR_PRODUCT_NOT_EXISTS", "product does not exist", 400)
    try:
        price = float(fields["price"])
    except (TypeError, ValueError):
        raise ApiError("ERROR_CORE", "Invalid value of field 'price'", 400) from None
    row = {"productId": int(fields["productId"]), "catalogGroupId": int(fields["catalogGroupId"]), "price": price,
           "currency": str(fields["currency"]), "quantityFrom": fields.get("quantityFrom"), "quantityTo": fields.get("quantityTo")}  # fmt: skip
    pid = ctx.portal.store.insert("catalog_price", row)
    return {"price": {"id": pid, **row}}


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
    reg.add("sale.delivery.getlist", delivery_getlist, scope="sale", pack="commerce")
    reg.add("catalog.price.add", price_add, scope="catalog", write=True, pack="commerce")
