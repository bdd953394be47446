"""Bundles: a discount in the cart when every item of the bundle is in it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from recommendations.bundles import active_bundles, cart_discounts
from shop.cart.pricing import PricingContext, calculate_totals
from shop.checkout.services import ShippingAddress, order_place
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

    assert cart_discounts(lines=[CartLineFactory(product=kettle)], context=PricingContext()) == []


def test_an_amount_bundle_applies_once_per_complete_set(kettle_set):
    bundle, kettle, descaler = kettle_set
    bundle.discount_type, bundle.discount_value = "amount", Decimal("4.00")
    bundle.save()
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle, quantity=2), CartLineFactory(cart=cart, product=descaler, quantity=3)]

    [adjustment] = cart_discounts(lines=lines, context=PricingContext())

    assert adjustment.amount == Decimal("8.00")


def test_an_inactive_bundle_gives_no_discount(kettle_set):
    bundle, kettle, descaler = kettle_set
    bundle.is_active = False
    bundle.save()
    cart = CartFactory()

    assert cart_discounts(lines=[CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)], context=PricingContext()) == []


def test_overlapping_bundles_apply_the_best_first_and_never_count_a_line_twice(kettle_set):
    small, kettle, descaler = kettle_set
    mug = ProductFactory(price=Decimal("8.00"))
    big = BundleFactory(name="Tea time", discount_type="amount", discount_value=Decimal("6.00"))
    BundleItemFactory(bundle=big, product=kettle)
    BundleItemFactory(bundle=big, product=mug)
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=p) for p in (kettle, descaler, mug)]

    adjustments = cart_discounts(lines=lines, context=PricingContext())

    assert [a.code for a in adjustments] == [f"bundle:{big.pk}"]
    assert adjustments[0].amount == Decimal("6.00")


def test_a_bundle_edit_takes_effect_at_once(kettle_set):
    bundle, kettle, descaler = kettle_set
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)]
    assert cart_discounts(lines=lines, context=PricingContext())[0].amount == Decimal("3.50")

    bundle.discount_value = Decimal("20")
    bundle.save()

    assert cart_discounts(lines=lines, context=PricingContext())[0].amount == Decimal("7.00")


def test_the_provider_is_registered_in_the_settings(settings):
    assert "recommendations.bundles.cart_discounts" in settings.CART_DISCOUNT_PROVIDERS


def test_a_price_drop_after_the_bundle_was_saved_never_makes_the_set_free(kettle_set):
    # given: "£30 off" saved while the set cost £70 (within the admin's limit then)
    bundle, kettle, descaler = kettle_set
    kettle.price = Decimal("65.00")
    kettle.save()
    bundle.discount_type, bundle.discount_value = "amount", Decimal("30.00")
    bundle.save()
    cart = CartFactory()
    lines = [CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)]
    assert calculate_totals(lines=lines).discount == Decimal("30.00")

    # when: the kettle goes on sale for £20 (the set now costs £25)
    kettle.price = Decimal("20.00")
    kettle.save()
    lines = list(cart.lines.select_related("product"))

    # then: the saving is re-worked at today's prices, capped at half the set
    totals = calculate_totals(lines=lines)
    assert totals.subtotal == Decimal("25.00")
    assert totals.discount == Decimal("12.50")
    assert totals.subtotal - totals.discount == Decimal("12.50")


def test_a_hundred_percent_bundle_written_past_the_admin_still_costs_half(kettle_set):
    bundle, kettle, descaler = kettle_set
    bundle.discount_value = Decimal("100")
    bundle.save()  # the database allows 100%; only the admin form stops it
    cart = CartFactory()

    [adjustment] = cart_discounts(lines=[CartLineFactory(cart=cart, product=kettle), CartLineFactory(cart=cart, product=descaler)], context=PricingContext())

    assert adjustment.amount == Decimal("17.50")


def test_the_floor_is_a_setting_and_rounds_in_the_shops_favour(kettle_set, settings):
    bundle, kettle, descaler = kettle_set
    settings.BUNDLE_MAX_DISCOUNT_PERCENT = Decimal("5")
    info = next(b for b in active_bundles() if b.bundle_id == bundle.pk)

    # 10% of £35.15 would be £3.52; 5% is £1.7575, rounded down
    assert info.discount_on(Decimal("35.15")) == Decimal("1.75")
    assert info.is_capped(Decimal("35.15"))
    assert info.discount_on(Decimal("0.00")) == Decimal("0.00")


def test_the_product_page_offer_shows_the_saving_the_cart_will_give(kettle_set, client):
    bundle, kettle, descaler = kettle_set
    bundle.discount_type, bundle.discount_value = "amount", Decimal("30.00")
    bundle.save()

    html = client.get(kettle.get_absolute_url()).content.decode()

    assert "Save £17.50" in html
    assert "£17.50</strong> for the set" in html


def test_placing_an_order_re_checks_the_bundle_against_the_prices_under_the_lock(kettle_set, settings):
    # given: a cart holding the set, reviewed while the kettle cost £30
    settings.CART_DISCOUNT_PROVIDERS = ["recommendations.bundles.cart_discounts"]
    bundle, kettle, descaler = kettle_set
    bundle.discount_type, bundle.discount_value = "amount", Decimal("15.00")
    bundle.save()
    cart = CartFactory()
    CartLineFactory(cart=cart, product=kettle)
    CartLineFactory(cart=cart, product=descaler)

    # when: the kettle's price drops to £10 before the order is placed
    Product.objects.filter(pk=kettle.pk).update(price=Decimal("10.00"))
    order = order_place(
        cart=cart, email="ada@example.com", payment_method="bank_transfer", idempotency_key="bundle-floor-1",
        address=ShippingAddress(name="Ada", line1="1 Road", city="London", postcode="SW1A 1AA"),
    )

    # then: the order carries the capped saving, not £15 off a £15 set
    assert (order.subtotal, order.discount) == (Decimal("15.00"), Decimal("7.50"))
    assert list(order.adjustments.values_list("amount", flat=True)) == [Decimal("7.50")]


def test_staff_see_when_a_bundle_is_held_at_the_floor(kettle_set, admin_client):
    bundle, kettle, _ = kettle_set
    bundle.discount_type, bundle.discount_value = "amount", Decimal("10.00")
    bundle.save()
    Product.objects.filter(pk=kettle.pk).update(price=Decimal("5.00"))

    html = admin_client.get(reverse("admin:recommendations_bundle_changelist")).content.decode()

    assert "£10.00 → £5.00 <strong>(capped by the floor)</strong>" in html
