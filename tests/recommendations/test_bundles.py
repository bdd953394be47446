"""Bundles: a discount in the cart when every item of the bundle is in it."""

from decimal import Decimal

import pytest

from recommendations.bundles import cart_discounts
from shop.cart.pricing import calculate_totals
from tests.factories import BundleFactory, BundleItemFactory, CartFactory, CartLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle_set():
    kettle = ProductFactory(name="Kettle", price=Decimal("30.00"))
    descaler = ProductFactory(name="Descaler", price=Decimal("5.00"))
    bundle = BundleFactory(name="Kettle care set", discount_type="percent", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=kettle)
    BundleItemFactory(bundle=bundle, product=descaler)
    return bundle, kettle, descaler


def test_a_percent_bundle_discounts_the_set_when_every_item_is_in_the_cart(kettle_set):
    bundle, kettle, descaler = kettle_set
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)]

    totals = calculate_totals(lines=lines)

    assert totals.subtotal == Decimal("35.00")
    assert totals.discount == Decimal("3.50")
    assert [(a.label, a.amount, a.code) for a in totals.adjustments] == [
        ("Bundle: Kettle care set (10% off)", Decimal("3.50"), f"bundle:{bundle.pk}")
    ]
    assert totals.total == Decimal("31.50") + totals.shipping


def test_no_discount_while_an_item_of_the_bundle_is_missing(kettle_set):
    _, kettle, _ = kettle_set

    assert cart_discounts(lines=[CartLineFactory(product=kettle)]) == []


def test_an_amount_bundle_applies_once_per_complete_set(kettle_set):
    bundle, kettle, descaler = kettle_set
    bundle.discount_type, bundle.discount_value = "amount", Decimal("4.00")
    bundle.save()
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle, quantity=2), CartLineFactory(cart=cart, product=descaler, quantity=3)]

    [adjustment] = cart_discounts(lines=lines)

    assert adjustment.amount == Decimal("8.00")


def test_an_inactive_bundle_gives_no_discount(kettle_set):
    bundle, kettle, descaler = kettle_set
    bundle.is_active = False
    bundle.save()
    cart = CartFactory()

    assert cart_discounts(lines=[CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)]) == []


def test_overlapping_bundles_apply_the_best_first_and_never_count_a_line_twice(kettle_set):
    small, kettle, descaler = kettle_set
    mug = ProductFactory(price=Decimal("8.00"))
    big = BundleFactory(name="Tea time", discount_type="amount", discount_value=Decimal("6.00"))
    BundleItemFactory(bundle=big, product=kettle)
    BundleItemFactory(bundle=big, product=mug)
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=p) for p in (kettle, descaler, mug)]

    adjustments = cart_discounts(lines=lines)

    assert [a.code for a in adjustments] == [f"bundle:{big.pk}"]
    assert adjustments[0].amount == Decimal("6.00")


def test_a_bundle_edit_takes_effect_at_once(kettle_set):
    bundle, kettle, descaler = kettle_set
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)]
    assert cart_discounts(lines=lines)[0].amount == Decimal("3.50")

    bundle.discount_value = Decimal("20")
    bundle.save()

    assert cart_discounts(lines=lines)[0].amount == Decimal("7.00")


def test_the_provider_is_registered_in_the_settings(settings):
    assert "recommendations.bundles.cart_discounts" in settings.CART_DISCOUNT_PROVIDERS
