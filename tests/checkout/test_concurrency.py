"""Racing checkouts on a real database: PostgreSQL's row locks are what stop overselling."""

import threading

import pytest
from django.db import connection, connections

from catalog.models import Product
from shop.cart.line_services import cart_line_service_add
from shop.cart.models import CartLineService
from shop.cart.services import CartError
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.orders.models import Order, OrderLine
from tests.factories import CartFactory, CartLineFactory, ProductFactory, ServiceFactory

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


@pytest.mark.django_db(transaction=True)
def test_a_service_taken_while_the_order_is_placed_is_in_the_order_or_refused_never_lost(postgres_only):
    for attempt in range(5):
        # given: a kettle in the cart, offered a protection
        cart = CartFactory()
        line = CartLineFactory(cart=cart, product=ProductFactory(stock=5))
        service = ServiceFactory(products=[line.product])

        # when: the shopper takes the protection at the very moment the order is placed
        outcomes = race(
            [
                lambda: order_place(
                    cart=cart, email="racer@example.com", address=ADDRESS,
                    payment_method="bank_transfer", idempotency_key=f"race-service-{attempt:08d}",
                ),
                lambda: cart_line_service_add(cart=cart, line_id=line.pk, service=service),
            ]
        )

        # then: the protection was either taken before placement (and is in the order) or refused
        order = next(outcome for outcome in outcomes if isinstance(outcome, Order))
        taken = [outcome for outcome in outcomes if isinstance(outcome, CartLineService)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, CartError)]
        in_order = OrderLine.objects.filter(order=order, service=service).exists()
        assert (len(taken), len(refused)) in ((1, 0), (0, 1)), outcomes
        assert in_order == bool(taken)
        assert order.total == sum(OrderLine.objects.filter(order=order).values_list("line_total", flat=True)) + order.shipping
