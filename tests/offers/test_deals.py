"""Deals of the day: what the cart charges, what placement counts, and what staff may schedule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from shop.cart.pricing import PricingContext, calculate_totals
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.offers.models import Deal
from shop.orders.models import OrderAdjustment
from tests.factories import (
    BundleFactory,
    BundleItemFactory,
    CartFactory,
    CartLineFactory,
    DealFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")


def place(cart, key="deal-key-00000000001", **kwargs):
    return order_place(
        cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer",
        idempotency_key=key, **kwargs,
    )


def cart_with(product, quantity=1):
    cart = CartFactory()
    CartLineFactory(cart=cart, product=product, quantity=quantity)
    return cart


# What the cart charges --------------------------------------------------------------------------


def test_a_percentage_deal_is_an_adjustment_line_of_its_own():
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"))
    deal = DealFactory(product=toaster, percent_off=Decimal("25"))
    totals = calculate_totals(lines=list(cart_with(toaster, 2).lines.all()))
    [adjustment] = totals.adjustments
    assert (adjustment.label, adjustment.code, adjustment.amount) == ("Deal of the day: Toaster", f"deal:{deal.pk}", Decimal("20.00"))
    assert (totals.subtotal, totals.total) == (Decimal("80.00"), Decimal("60.00"))


def test_a_deal_price_charges_that_price():
    kettle = ProductFactory(price=Decimal("30.00"))
    DealFactory(product=kettle, kind="price", deal_price=Decimal("24.99"), percent_off=None)
    assert calculate_totals(lines=list(cart_with(kettle).lines.all())).discount == Decimal("5.01")


def test_a_deal_price_above_a_price_staff_lowered_since_gives_nothing():
    kettle = ProductFactory(price=Decimal("30.00"))
    DealFactory(product=kettle, kind="price", deal_price=Decimal("24.99"), percent_off=None)
    kettle.price = Decimal("20.00")
    kettle.save()
    assert calculate_totals(lines=list(cart_with(kettle).lines.all())).adjustments == []


def test_a_capped_deal_covers_only_the_units_it_has_left():
    mug = ProductFactory(name="Mug", price=Decimal("10.00"))
    DealFactory(product=mug, percent_off=Decimal("50"), quantity_cap=5, units_sold=3)
    [adjustment] = calculate_totals(lines=list(cart_with(mug, 4).lines.all())).adjustments
    assert adjustment.amount == Decimal("10.00")
    assert adjustment.units == 2
    assert "2 of 4" in adjustment.label


@pytest.mark.parametrize(
    "deal",
    [
        {"quantity_cap": 3, "units_sold": 3},
        {"starts_at": timezone.now() - timedelta(days=2), "ends_at": timezone.now() - timedelta(days=1)},
        {"starts_at": timezone.now() + timedelta(days=1), "ends_at": timezone.now() + timedelta(days=2)},
    ],
    ids=["sold out", "over", "not started"],
)
def test_a_deal_that_is_sold_out_over_or_not_started_charges_the_usual_price(deal):
    mug = ProductFactory(price=Decimal("10.00"))
    DealFactory(product=mug, **deal)
    assert calculate_totals(lines=list(cart_with(mug).lines.all())).discount == Decimal("0.00")


def test_a_bundle_is_priced_at_the_deal_price_after_the_deal(settings):
    settings.CART_DISCOUNT_PROVIDERS = ["shop.offers.pricing.deal_adjustments", "recommendations.bundles.cart_discounts"]
    kettle = ProductFactory(price=Decimal("40.00"))
    descaler = ProductFactory(price=Decimal("10.00"))
    DealFactory(product=kettle, percent_off=Decimal("50"))
    bundle = BundleFactory(discount_type="percent", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=kettle)
    BundleItemFactory(bundle=bundle, product=descaler)
    cart = cart_with(kettle)
    CartLineFactory(cart=cart, product=descaler)

    totals = calculate_totals(lines=list(cart.lines.all()))

    # deal first (−20.00), then 10% of the set at its deal price (20 + 10 = 30 → −3.00)
    assert [adj.amount for adj in totals.adjustments] == [Decimal("20.00"), Decimal("3.00")]
    assert totals.subtotal - totals.discount == Decimal("27.00")


# Placement ----------------------------------------------------------------------------------------


def test_placing_an_order_counts_the_deals_units_and_snapshots_the_deal():
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"), stock=10)
    deal = DealFactory(product=toaster, percent_off=Decimal("25"), quantity_cap=10)
    order = place(cart_with(toaster, 3), expected_total=Decimal("90.00"))
    assert Deal.objects.get(pk=deal.pk).units_sold == 3
    assert list(OrderAdjustment.objects.filter(order=order).values_list("label", "code", "amount")) == [
        ("Deal of the day: Toaster", f"deal:{deal.pk}", Decimal("30.00"))
    ]
    assert (order.subtotal, order.discount, order.total) == (Decimal("120.00"), Decimal("30.00"), Decimal("90.00"))


def test_a_deal_that_ended_while_in_the_cart_is_repriced_with_a_clear_message_before_the_order():
    # given: the shopper reviewed the order at the deal price
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"), stock=10)
    deal = DealFactory(product=toaster, percent_off=Decimal("25"))
    cart = cart_with(toaster)
    seen = {f"deal:{deal.pk}": 1}
    # when: the deal ends before they press "Place order"
    Deal.objects.filter(pk=deal.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CheckoutError) as refused:
        place(cart, expected_total=Decimal("30.00"), seen_adjustments=seen)
    # then: nothing is placed, and they are told why the price changed
    assert refused.value.code == "price_changed"
    assert "The deal of the day on Toaster has ended" in " ".join(refused.value.messages)
    assert "£44.95" in " ".join(refused.value.messages)  # 40.00 + delivery
    assert not cart.lines.get().product.order_lines.exists()


def test_a_deal_that_sold_out_while_in_the_cart_says_so():
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"), stock=10)
    deal = DealFactory(product=toaster, percent_off=Decimal("25"), quantity_cap=5)
    cart = cart_with(toaster)
    Deal.objects.filter(pk=deal.pk).update(units_sold=5)
    with pytest.raises(CheckoutError) as refused:
        place(cart, expected_total=Decimal("30.00"), seen_adjustments={f"deal:{deal.pk}": 1})
    assert "The deal of the day on Toaster has sold out" in " ".join(refused.value.messages)


def test_the_review_page_carries_the_deals_it_showed_and_placement_words_the_change(client):
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"), stock=10)
    deal = DealFactory(product=toaster, percent_off=Decimal("25"))
    client.post(reverse("cart:add"), {"product": toaster.pk, "quantity": 1})
    client.post(reverse("checkout:start"), {
        "email": "ada@example.com", "name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "",
        "city": "London", "postcode": "SW1Y 4JH", "country": "United Kingdom", "phone": "",
    })
    review = client.get(reverse("checkout:review"))
    form = review.context["form"]
    assert form.initial["seen_adjustments"] == f"deal:{deal.pk}=1"
    assert form.initial["expected_total"] == Decimal("34.95")

    Deal.objects.filter(pk=deal.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse("checkout:place"), {**form.initial, "payment_method": "bank_transfer"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("checkout:review")
    page = response.content.decode()
    assert "The deal of the day on Toaster has ended" in page
    assert not toaster.order_lines.exists()


def test_a_forged_seen_list_is_refused_as_a_bad_form(client):
    from shop.checkout.forms import PlaceOrderForm

    form = PlaceOrderForm({"idempotency_key": "k" * 20, "expected_total": "1.00", "payment_method": "bank_transfer",
                           "seen_adjustments": "<script>=1"})
    assert not form.is_valid()


# Staff ------------------------------------------------------------------------------------------


def deal_form(product, **values):
    now = timezone.now()
    return {
        "product": product.pk, "kind": "percent", "percent_off": "20", "deal_price": "",
        "starts_at_0": (now + timedelta(hours=1)).strftime("%Y-%m-%d"), "starts_at_1": "00:00:00",
        "ends_at_0": (now + timedelta(days=2)).strftime("%Y-%m-%d"), "ends_at_1": "00:00:00",
        "quantity_cap": "", **values,
    }


def test_staff_schedule_a_deal_in_the_admin(staff_client):
    product = ProductFactory(price=Decimal("10.00"))
    response = staff_client.post(reverse("admin:offers_deal_add"), deal_form(product, quantity_cap="25"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    deal = Deal.objects.get()
    assert (deal.kind, deal.percent_off, deal.deal_price, deal.quantity_cap) == ("percent", Decimal("20.00"), None, 25)


def test_an_overlapping_deal_for_one_product_is_a_form_error(staff_client):
    product = ProductFactory(name="Toaster")
    DealFactory(product=product, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=5))
    response = staff_client.post(reverse("admin:offers_deal_add"), deal_form(product))
    assert response.status_code == 200
    assert "Toaster already has a deal" in response.content.decode()
    assert Deal.objects.count() == 1


def test_a_deal_on_another_product_at_the_same_time_is_fine(staff_client):
    DealFactory(starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=5))
    response = staff_client.post(reverse("admin:offers_deal_add"), deal_form(ProductFactory()))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "price", "deal_price": "12.00", "percent_off": ""}, "deal_price", "below the product's price"),
        ({"kind": "price", "deal_price": "", "percent_off": ""}, "deal_price", "Give the deal price"),
        ({"percent_off": "95"}, "percent_off", "between 1 and 90"),
        ({"percent_off": "0"}, "percent_off", "between 1 and 90"),
        ({"ends_at_0": "2000-01-01"}, "ends_at", "end after it starts"),
    ],
)
def test_a_bad_deal_is_a_form_error_and_saves_nothing(staff_client, values, field, message):
    product = ProductFactory(price=Decimal("10.00"))
    response = staff_client.post(reverse("admin:offers_deal_add"), deal_form(product, **values))
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not Deal.objects.exists()


def test_lowering_a_cap_below_what_has_sold_is_a_form_error(staff_client):
    deal = DealFactory(quantity_cap=10, units_sold=6)
    data = deal_form(deal.product, quantity_cap="5")
    response = staff_client.post(reverse("admin:offers_deal_change", args=[deal.pk]), data)
    assert "6 units have already sold" in " ".join(response.context["adminform"].form.errors["quantity_cap"])


def test_ending_deals_now_needs_the_change_permission(client):
    deal = DealFactory()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_deal"))
    client.force_login(viewer)
    client.post(reverse("admin:offers_deal_changelist"), {"action": "end_now", ACTION_CHECKBOX_NAME: [deal.pk]})
    assert Deal.objects.get(pk=deal.pk).ends_at > timezone.now()

    viewer.user_permissions.add(Permission.objects.get(codename="change_deal"))
    client.post(reverse("admin:offers_deal_changelist"), {"action": "end_now", ACTION_CHECKBOX_NAME: [deal.pk]})
    assert Deal.objects.get(pk=deal.pk).ends_at <= timezone.now()


def test_ending_a_scheduled_deal_never_makes_it_live(staff_client):
    deal = DealFactory(starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=2))
    staff_client.post(reverse("admin:offers_deal_changelist"), {"action": "end_now", ACTION_CHECKBOX_NAME: [deal.pk]})
    deal.refresh_from_db()
    assert deal.starts_at < deal.ends_at <= timezone.now()
