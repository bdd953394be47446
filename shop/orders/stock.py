"""Giving an order's units back to stock: the one function every release goes through.

A cancellation by staff and the expiry of an unpaid order both call `orders_release_stock`,
so each release is written to the stock ledger (catalog.StockMovement, one movement per
order and product, with the order's number) exactly where the stock changes.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.db.models.functions import Greatest

from catalog.models import Product, StockMovement
from catalog.services import StockChange, stock_move

from .models import OrderLine


@transaction.atomic
def orders_release_stock(*, order_ids: list[int], kind: str = StockMovement.Kind.CANCELLATION) -> None:
    """Put the orders' units back in stock, each as a ledger movement of `kind`
    (CANCELLATION or EXPIRY), and stop counting the orders as sales of their products.

    The caller holds the orders' row locks and has checked that they still hold stock, so
    each order is released once; the products are locked by stock_move, in id order.
    """
    rows = list(
        OrderLine.objects.filter(order_id__in=order_ids, product__isnull=False)
        .values("order__number", "product_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("product_id", "order__number")
    )
    if not rows:
        return
    stock_move(
        changes=[StockChange(row["product_id"], row["quantity"], row["order__number"]) for row in rows],
        kind=kind,
    )
    # sales_count counts the orders that are sales of a product; these no longer are.
    orders_per_product = Counter(row["product_id"] for row in rows)
    fewer = Case(
        *(When(pk=pk, then=Value(n)) for pk, n in orders_per_product.items()), output_field=IntegerField()
    )
    Product.objects.filter(pk__in=orders_per_product).update(
        sales_count=Greatest(F("sales_count") - fewer, Value(0))
    )
