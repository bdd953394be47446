"""An order's units in and out of stock after placement: the functions every release (and
every reinstatement) goes through.

A cancellation by staff, a refund and the expiry of an unpaid order release stock through
`orders_release_stock`; a late payment that reinstates an expired order takes it again
through `orders_take_stock`. Both write through catalog.services.stock_move, so each change
is in the stock ledger (catalog.StockMovement: one movement per order and product, with the
order's number) where the stock changes. Order placement takes its stock in
shop.checkout.services.order_place, through stock_move as well.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.db.models.functions import Greatest

from catalog.models import Product, StockMovement
from catalog.services import StockChange, StockError, stock_move

from .models import OrderLine


def _units(order_ids: list[int]) -> list[dict]:
    """Units per order and product (a product on two lines of an order counts once)."""
    return list(
        OrderLine.objects.filter(order_id__in=order_ids, product__isnull=False)
        .values("order__number", "product_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("product_id", "order__number")
    )


def _count_sales(rows: list[dict], *, sign: int) -> None:
    """sales_count counts the orders that are sales of a product: one more or one fewer per order."""
    orders_per_product = Counter(row["product_id"] for row in rows)
    change = Case(*(When(pk=pk, then=Value(n)) for pk, n in orders_per_product.items()), output_field=IntegerField())
    if sign > 0:
        Product.objects.filter(pk__in=orders_per_product).update(sales_count=F("sales_count") + change)
    else:
        Product.objects.filter(pk__in=orders_per_product).update(
            sales_count=Greatest(F("sales_count") - change, Value(0))
        )


# Both run inside the caller's transaction (which holds the orders' locks): no savepoint.
@transaction.atomic(savepoint=False)
def orders_release_stock(*, order_ids: list[int], kind: str = StockMovement.Kind.CANCELLATION) -> None:
    """Put the orders' units back in stock, as ledger movements of `kind` (CANCELLATION or
    EXPIRY), and stop counting the orders as sales of their products.

    The caller holds the orders' row locks and has checked (by their status) that they
    still hold stock, so each order is released once; stock_move locks the products in id
    order, as order placement does, so the two never deadlock.
    """
    rows = _units(order_ids)
    if not rows:
        return
    stock_move(changes=[StockChange(r["product_id"], r["quantity"], r["order__number"]) for r in rows], kind=kind)
    _count_sales(rows, sign=-1)


@transaction.atomic(savepoint=False)
def orders_take_stock(*, order_ids: list[int]) -> bool:
    """Take the orders' units out of stock again (a reinstated order), all or nothing, as
    SALE movements; False, with nothing changed, when any product is short."""
    rows = _units(order_ids)
    if not rows:
        return True
    try:
        stock_move(
            changes=[StockChange(r["product_id"], -r["quantity"], r["order__number"]) for r in rows],
            kind=StockMovement.Kind.SALE,
        )
    except StockError:
        return False
    _count_sales(rows, sign=+1)
    return True
