"""Racing for a deal's last units on a real database: the row locks taken at placement keep
a deal's cap."""

from decimal import Decimal

import pytest

from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.offers.models import Deal
from shop.orders.models import Order, OrderAdjustment
from tests.checkout.test_concurrency import postgres_only, race  # noqa: F401 (fixture)
from tests.factories import CartFactory, CartLineFactory, DealFactory, ProductFactory

ADDRESS = ShippingAddress(name="Racer", line1="1 Fast Lane", city="Leeds", postcode="LS1 1AA")
RACERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_orders_racing_for_a_deals_last_units_never_exceed_its_cap(postgres_only):  # noqa: F811
    # given: a deal capped at 20 with 3 left, and 50 shoppers who reviewed it at the deal price
    product = ProductFactory(name="Toaster", price=Decimal("40.00"), stock=500)
    deal = DealFactory(product=product, percent_off=Decimal("25"), quantity_cap=20, units_sold=17)
    carts = [CartFactory() for _ in range(RACERS)]
    for cart in carts:
        CartLineFactory(cart=cart, product=product, quantity=1)

    # when: all of them place their order at once
    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email=f"racer{n}@example.com", address=ADDRESS, payment_method="bank_transfer",
                idempotency_key=f"deal-race-{n:012d}", expected_total=Decimal("34.95"),
                seen_adjustments={f"deal:{deal.pk}": 1},
            ))
            for n, cart in enumerate(carts)
        ]
    )

    # then: three orders at the deal price, 47 told it sold out, and the cap holds
    orders = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, CheckoutError)]
    assert len(orders) == 3, outcomes
    assert len(refusals) == RACERS - 3, [o for o in outcomes if not isinstance(o, (Order, CheckoutError))]
    assert all("has sold out" in " ".join(refusal.messages) for refusal in refusals)
    assert Deal.objects.get(pk=deal.pk).units_sold == 20
    assert OrderAdjustment.objects.filter(code=f"deal:{deal.pk}").count() == 3


@pytest.mark.django_db(transaction=True)
def test_orders_that_accept_any_price_get_the_deal_only_while_units_last(postgres_only):  # noqa: F811
    product = ProductFactory(price=Decimal("40.00"), stock=500)
    deal = DealFactory(product=product, percent_off=Decimal("25"), quantity_cap=10, units_sold=5)
    carts = [CartFactory() for _ in range(RACERS)]
    for n, cart in enumerate(carts):
        CartLineFactory(cart=cart, product=product, quantity=1 + n % 3)

    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email=f"racer{n}@example.com", address=ADDRESS, payment_method="bank_transfer",
                idempotency_key=f"deal-any-{n:012d}",
            ))
            for n, cart in enumerate(carts)
        ]
    )

    assert all(isinstance(outcome, Order) for outcome in outcomes), outcomes
    sold_at_deal = Deal.objects.get(pk=deal.pk).units_sold
    assert sold_at_deal == 10
    discounted = sum(adj.amount for adj in OrderAdjustment.objects.filter(code=f"deal:{deal.pk}"))
    assert discounted == Decimal("10.00") * 5
