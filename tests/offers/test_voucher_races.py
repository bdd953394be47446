"""Racing for a voucher's last uses on a real database: the voucher's row lock, taken at
placement, keeps its limits however many shoppers race for it."""

from decimal import Decimal

import pytest

from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.offers.models import Voucher, VoucherUse
from shop.orders.models import Order
from tests.checkout.test_concurrency import postgres_only, race  # noqa: F401 (fixture)
from tests.factories import CartFactory, CartLineFactory, ProductFactory, VoucherFactory

ADDRESS = ShippingAddress(name="Racer", line1="1 Fast Lane", city="Leeds", postcode="LS1 1AA")
RACERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_orders_racing_for_a_codes_last_uses_never_use_it_over_its_limit(postgres_only):  # noqa: F811
    # given: a code limited to 100 uses with 3 left, and 50 shoppers each buying something
    # different (so no product lock lines them up), each having seen the code's discount
    voucher = VoucherFactory(code="LAST3", usage_limit=100, times_used=97, per_customer_limit=None)
    carts = [CartFactory(voucher_code="LAST3") for _ in range(RACERS)]
    for cart in carts:
        CartLineFactory(cart=cart, product=ProductFactory(price=Decimal("60.00"), stock=5), quantity=1)

    # when: all of them place their order at once
    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email=f"racer{n}@example.com", address=ADDRESS, payment_method="bank_transfer",
                idempotency_key=f"voucher-race-{n:010d}", expected_total=Decimal("54.00"),
                seen_adjustments={f"voucher:{voucher.pk}": 0},
            ))
            for n, cart in enumerate(carts)
        ]
    )

    # then: three orders used it, 47 were told it's used up, and the count is exact
    orders = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, CheckoutError)]
    assert len(orders) == 3, [o for o in outcomes if not isinstance(o, (Order, CheckoutError))]
    assert len(refusals) == RACERS - 3
    assert all("this code has been used up" in " ".join(refusal.messages) for refusal in refusals)
    assert Voucher.objects.get(pk=voucher.pk).times_used == 100
    assert VoucherUse.objects.filter(voucher=voucher).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_customer_racing_orders_uses_a_once_per_customer_code_once(postgres_only):  # noqa: F811
    voucher = VoucherFactory(code="ONCE", per_customer_limit=1)
    carts = [CartFactory(voucher_code="ONCE") for _ in range(10)]
    for cart in carts:
        CartLineFactory(cart=cart, product=ProductFactory(price=Decimal("60.00"), stock=5))

    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email="same@example.com", address=ADDRESS, payment_method="bank_transfer",
                idempotency_key=f"voucher-once-{n:010d}",
            ))
            for n, cart in enumerate(carts)
        ]
    )

    assert all(isinstance(outcome, Order) for outcome in outcomes), outcomes
    assert VoucherUse.objects.filter(voucher=voucher).count() == 1
    assert sorted(order.discount for order in outcomes) == [Decimal("0.00")] * 9 + [Decimal("6.00")]


@pytest.mark.django_db(transaction=True)
def test_points_spent_by_racing_orders_never_take_the_balance_below_zero(postgres_only, settings):  # noqa: F811
    # given: one customer with 1000 points and ten carts (a shop with several devices per
    # customer would have them), each asking to spend all of them
    from shop.offers.models import PointsAccount, PointsEntry
    from tests.factories import UserFactory

    settings.CART_DISCOUNT_PROVIDERS = [*settings.CART_DISCOUNT_PROVIDERS, "shop.offers.pricing.points_adjustments"]
    ada = UserFactory()
    account = PointsAccount.objects.create(user=ada, balance=1000)
    PointsEntry.objects.create(account=account, kind=PointsEntry.Kind.EARNED, points=1000)
    carts = [CartFactory(points_to_redeem=1000) for _ in range(10)]
    for cart in carts:
        CartLineFactory(cart=cart, product=ProductFactory(price=Decimal("60.00"), stock=5))

    outcomes = race(
        [
            (lambda cart=cart, n=n: order_place(
                cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer",
                idempotency_key=f"points-race-{n:010d}", user=ada,
            ))
            for n, cart in enumerate(carts)
        ]
    )

    assert all(isinstance(outcome, Order) for outcome in outcomes), outcomes
    assert PointsAccount.objects.get(user=ada).balance == 0
    assert sum(order.discount for order in outcomes) == Decimal("10.00")
