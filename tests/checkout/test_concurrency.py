"""Racing checkouts on a real database: PostgreSQL's row locks are what stop overselling."""

import threading

import pytest
from django.db import connection, connections

from catalog.models import Product
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.orders.models import Order
from tests.factories import CartFactory, CartLineFactory, ProductFactory

ADDRESS = ShippingAddress(name="Racer", line1="1 Fast Lane", city="Leeds", postcode="LS1 1AA")
RACERS = 8


def race(targets):
    barrier = threading.Barrier(len(targets))
    outcomes = []
    lock = threading.Lock()

    def run(target):
        try:
            barrier.wait()
            result = target()
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected below
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises all writes): run with DATABASE_URL=postgres://…")


@pytest.mark.django_db(transaction=True)
def test_racing_checkouts_for_the_last_unit_sell_it_exactly_once(postgres_only):
    # given: one unit left and eight shoppers with it in their carts
    product = ProductFactory(stock=1)
    carts = [CartFactory() for _ in range(RACERS)]
    for cart in carts:
        CartLineFactory(cart=cart, product=product, quantity=1)

    # when: all of them place their order at the same moment
    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email=f"racer{n}@example.com", address=ADDRESS,
                payment_method="bank_transfer", idempotency_key=f"race-key-{n:012d}",
            ))
            for n, cart in enumerate(carts)
        ]
    )

    # then: one order, seven clear refusals, and stock never below zero
    orders = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, CheckoutError)]
    assert len(orders) == 1, outcomes
    assert len(refusals) == RACERS - 1, outcomes
    assert all("Out of stock" in " ".join(refusal.messages) for refusal in refusals)
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 0


@pytest.mark.django_db(transaction=True)
def test_a_form_submitted_several_times_at_once_places_one_order(postgres_only):
    product = ProductFactory(stock=10)
    cart = CartFactory()
    CartLineFactory(cart=cart, product=product, quantity=2)

    outcomes = race(
        [
            lambda: order_place(
                cart=cart, email="double@example.com", address=ADDRESS,
                payment_method="bank_transfer", idempotency_key="double-click-000000001",
            )
            for _ in range(4)
        ]
    )

    assert all(isinstance(outcome, Order) for outcome in outcomes), outcomes
    assert len({order.pk for order in outcomes}) == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 8
