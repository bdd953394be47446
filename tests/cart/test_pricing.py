from decimal import Decimal
from types import SimpleNamespace

import pytest

from shop.cart.pricing import Adjustment, calculate_totals


def line(price: str, quantity: int, product_id: int = 1):
    return SimpleNamespace(product=SimpleNamespace(price=Decimal(price)), product_id=product_id, quantity=quantity)


@pytest.fixture(autouse=True)
def _shipping(settings):
    settings.FREE_SHIPPING_THRESHOLD = Decimal("50.00")
    settings.SHIPPING_FLAT_RATE = Decimal("4.95")
    settings.CART_DISCOUNT_PROVIDERS = []


def test_subtotal_is_the_sum_of_price_times_quantity():
    totals = calculate_totals(lines=[line("2.10", 3), line("0.85", 2, product_id=2)])
    assert totals.subtotal == Decimal("8.00")
    assert totals.discount == Decimal("0.00")


def test_shipping_is_the_flat_rate_under_the_threshold():
    totals = calculate_totals(lines=[line("49.99", 1)])
    assert totals.shipping == Decimal("4.95")
    assert totals.total == Decimal("54.94")
    assert totals.free_shipping_gap == Decimal("0.01")


def test_shipping_is_free_at_exactly_the_threshold():
    totals = calculate_totals(lines=[line("25.00", 2)])
    assert totals.shipping == Decimal("0.00")
    assert totals.total == Decimal("50.00")
    assert totals.free_shipping_gap == Decimal("0.00")


def test_an_empty_cart_costs_nothing_not_even_shipping():
    totals = calculate_totals(lines=[])
    assert (totals.subtotal, totals.shipping, totals.total) == (Decimal("0.00"),) * 3


def fake_provider(*, lines, context):
    return [Adjustment(label="Bundle: mug + saucer", amount=Decimal("5.00"), code="bundle-1")]


def huge_provider(*, lines, context):
    return [Adjustment(label="Everything free", amount=Decimal("1000.00"), code="oops")]


def test_discount_providers_from_settings_add_adjustments_and_shipping_counts_after_discount(settings):
    settings.CART_DISCOUNT_PROVIDERS = ["tests.cart.test_pricing.fake_provider"]
    totals = calculate_totals(lines=[line("27.50", 2)])
    assert totals.adjustments == [Adjustment(label="Bundle: mug + saucer", amount=Decimal("5.00"), code="bundle-1")]
    assert totals.discount == Decimal("5.00")
    # 55.00 - 5.00 = 50.00: still reaches free shipping.
    assert totals.shipping == Decimal("0.00")
    assert totals.total == Decimal("50.00")

    totals = calculate_totals(lines=[line("27.00", 2)])
    assert totals.shipping == Decimal("4.95")
    assert totals.total == Decimal("53.95")


def test_a_discount_never_makes_the_goods_cost_less_than_nothing(settings):
    settings.CART_DISCOUNT_PROVIDERS = ["tests.cart.test_pricing.huge_provider"]
    totals = calculate_totals(lines=[line("10.00", 1)])
    assert totals.discount == Decimal("10.00")
    assert totals.total == Decimal("4.95")
