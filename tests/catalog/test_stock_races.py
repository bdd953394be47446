"""The stock ledger under concurrent writers on PostgreSQL: row locks keep every delta."""

import pytest
from django.db.models import Sum

from catalog.models import Product, StockMovement
from catalog.services import StockChange, StockError, stock_move
from shop.checkout.services import CheckoutError, order_place
from shop.orders.models import Order
from tests.checkout.test_concurrency import ADDRESS, postgres_only, race  # noqa: F401 - postgres_only is a fixture
from tests.factories import CartFactory, CartLineFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

Kind = StockMovement.Kind


def stocked(units: int) -> Product:
    product = ProductFactory(stock=0)
    stock_move(changes=[StockChange(product.pk, units)], kind=Kind.ADJUSTMENT, note="delivery")
    return product


def ledger_total(product: Product) -> int:
    return StockMovement.objects.filter(product=product).aggregate(total=Sum("delta"))["total"]


def test_ten_staff_taking_one_unit_each_from_five_leave_zero_and_five_clear_refusals(postgres_only):
    product = stocked(5)

    outcomes = race(
        [
            lambda: stock_move(changes=[StockChange(product.pk, -1)], kind=Kind.ADJUSTMENT, note="damaged")
            for _ in range(10)
        ]
    )

    assert sum(isinstance(outcome, dict) for outcome in outcomes) == 5, outcomes
    assert sum(isinstance(outcome, StockError) for outcome in outcomes) == 5, outcomes
    product.refresh_from_db()
    assert product.stock == 0
    assert ledger_total(product) == 0
    assert sorted(StockMovement.objects.filter(product=product, delta=-1).values_list("stock_after", flat=True)) == [
        0, 1, 2, 3, 4,
    ]


def test_deliveries_booked_while_shoppers_check_out_are_all_kept_and_the_ledger_sums_to_the_stock(postgres_only):
    # given: 3 in stock, eight shoppers wanting one each, and four deliveries of one
    product = stocked(3)
    carts = [CartFactory() for _ in range(8)]
    for cart in carts:
        CartLineFactory(cart=cart, product=product, quantity=1)

    def checkout(n, cart):
        return order_place(
            cart=cart, email=f"s{n}@example.com", address=ADDRESS, payment_method="bank_transfer",
            idempotency_key=f"ledger-race-{n:08d}",
        )

    # when: all at once
    outcomes = race(
        [(lambda n=n, cart=cart: checkout(n, cart)) for n, cart in enumerate(carts)]
        + [lambda: stock_move(changes=[StockChange(product.pk, 1)], kind=Kind.ADJUSTMENT, note="delivery")] * 4
    )

    # then: every unit either sold or still there, never below zero, every move in the ledger
    sold = Order.objects.filter(lines__product=product).count()
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, CheckoutError)], outcomes
    product.refresh_from_db()
    assert 3 <= sold <= 7
    assert product.stock == 3 + 4 - sold >= 0
    assert ledger_total(product) == product.stock
    assert StockMovement.objects.filter(product=product, kind=Kind.SALE).count() == sold
