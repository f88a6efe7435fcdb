"""Commerce pack: orders, payments and the product catalog.

Docs (api-reference/…): sale/order/sale-order-{add,get,list}.md, sale/payment/sale-payment-list.md,
catalog/product/catalog-product-{add,get,list}.md.
"""

from __future__ import annotations

from .._registry import Registry
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
]  # fmt: skip


def register(reg: Registry) -> None:
    register_ops(reg, OPS)
