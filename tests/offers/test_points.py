"""Loyalty points: earned when an order is paid, taken back when it is cancelled or refunded,
spent at checkout within the balance and the share allowed, in an append-only ledger."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.pricing import PricingContext, calculate_totals
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.offers.models import OfferSettings, PointsAccount, PointsEntry
from shop.offers.points import points_balance
from shop.orders.models import Order, OrderAdjustment
from shop.orders.workflow import Event, order_apply, orders_expire
from tests.factories import (
    BundleFactory,
    BundleItemFactory,
    CartFactory,
    CartLineFactory,
    DealFactory,
    ProductFactory,
    UserFactory,
    VoucherFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")


@pytest.fixture(autouse=True)
def _all_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = [
        "shop.offers.pricing.deal_adjustments",
        "recommendations.bundles.cart_discounts",
        "shop.offers.pricing.voucher_adjustments",
        "shop.offers.pricing.points_adjustments",
    ]


def give_points(user, points):
    account, _ = PointsAccount.objects.get_or_create(user=user)
    PointsEntry.objects.create(account=account, kind=PointsEntry.Kind.EARNED, points=points)
    PointsAccount.objects.filter(pk=account.pk).update(balance=points)


def placed(user, *lines, key="points-key-0000000001", **cart_fields):
    # A customer has one cart (emptied by each order); a guest a new one.
    cart = Cart.objects.filter(user=user).first() if user else None
    if cart is None:
        cart = CartFactory(user=user)
    Cart.objects.filter(pk=cart.pk).update(**cart_fields)
    cart.refresh_from_db()
    for product, quantity in lines:
        CartLineFactory(cart=cart, product=product, quantity=quantity)
    return order_place(cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer",
                       idempotency_key=key, user=user)


# Earning ----------------------------------------------------------------------------------------


def test_points_are_earned_per_whole_pound_of_goods_when_the_order_is_paid():
    ada = UserFactory()
    order = placed(ada, (ProductFactory(price=Decimal("40.75")), 3))  # 122.25 of goods
    assert points_balance(user_id=ada.pk) == 0  # not paid yet

    order_apply(order=order, event=Event.PAY)

    assert points_balance(user_id=ada.pk) == 122
    assert list(PointsEntry.objects.values_list("kind", "points", "order")) == [("earned", 122, order.pk)]


def test_a_second_payment_earns_nothing_more():
    ada = UserFactory()
    order = placed(ada, (ProductFactory(price=Decimal("60.00")), 1))
    order_apply(order=order, event=Event.PAY)
    order_apply(order=order, event=Event.PAY)  # refunded by the table; earns nothing
    assert points_balance(user_id=ada.pk) == 60


def test_points_per_pound_follow_the_settings_and_none_for_a_guest():
    OfferSettings.objects.create(pk=1, points_per_pound=3)
    ada = UserFactory()
    order_apply(order=placed(ada, (ProductFactory(price=Decimal("10.00")), 1)), event=Event.PAY)
    assert points_balance(user_id=ada.pk) == 30
    guest = placed(None, (ProductFactory(price=Decimal("10.00")), 1), key="points-key-guest000001")
    order_apply(order=guest, event=Event.PAY)
    assert PointsEntry.objects.filter(order=guest).count() == 0


@pytest.mark.parametrize("undo", ["cancel", "refund after dispatch"])
def test_points_earned_are_taken_back_when_the_order_is_cancelled_or_refunded(undo):
    ada = UserFactory()
    order = placed(ada, (ProductFactory(price=Decimal("60.00")), 1))
    order_apply(order=order, event=Event.PAY)
    if undo == "cancel":
        order_apply(order=order, event=Event.CANCEL)
    else:
        order_apply(order=order, event=Event.DISPATCH)
        order_apply(order=order, event=Event.REFUND)
        order_apply(order=order, event=Event.REFUND)  # replayed: once only
    assert points_balance(user_id=ada.pk) == 0
    assert sorted(PointsEntry.objects.filter(order=order).values_list("kind", "points")) == [
        ("earned", 60), ("earned_reversed", -60),
    ]


# Spending -----------------------------------------------------------------------------------------


def totals_for(user, *lines, points):
    cart = CartFactory(user=user, points_to_redeem=points)
    for product, quantity in lines:
        CartLineFactory(cart=cart, product=product, quantity=quantity)
    return calculate_totals(lines=list(cart.lines.all()), context=PricingContext(cart=cart, user_id=user.pk))


def test_points_spent_are_a_discount_line_of_their_own():
    ada = UserFactory()
    give_points(ada, 800)
    totals = totals_for(ada, (ProductFactory(price=Decimal("30.00")), 1), points=500)
    assert [(adj.label, adj.amount, adj.units) for adj in totals.adjustments] == [("500 loyalty points", Decimal("5.00"), 500)]


def test_points_pay_at_most_the_share_allowed_and_at_most_the_balance():
    ada = UserFactory()
    give_points(ada, 5000)
    # 50% of 20.00 = 10.00 = 1000 points, though 5000 were asked for
    assert totals_for(ada, (ProductFactory(price=Decimal("20.00")), 1), points=5000).adjustments[0].units == 1000
    grace = UserFactory()
    give_points(grace, 300)
    assert totals_for(grace, (ProductFactory(price=Decimal("90.00")), 1), points=900).adjustments[0].units == 300


def test_points_are_priced_last_in_the_one_order_of_discounts():
    # given: a kettle on a deal, in a bundle with a descaler, a voucher and points
    ada = UserFactory()
    give_points(ada, 10_000)
    kettle = ProductFactory(name="Kettle", price=Decimal("40.00"), stock=5)
    descaler = ProductFactory(name="Descaler", price=Decimal("10.00"), stock=5)
    deal = DealFactory(product=kettle, percent_off=Decimal("25"))  # 40 → 30
    bundle = BundleFactory(name="Kettle care", discount_type="percent", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=kettle)
    BundleItemFactory(bundle=bundle, product=descaler)
    voucher = VoucherFactory(code="TEN", value=Decimal("10"))

    # when: the order is placed with as many points as allowed
    order = placed(ada, (kettle, 1), (descaler, 1), voucher_code="TEN", points_to_redeem=10_000)

    # then: deal −10.00 → bundle 10% of 40.00 → voucher 10% of 36.00 → points 50% of 32.40
    assert list(OrderAdjustment.objects.filter(order=order).values_list("code", "amount")) == [
        (f"deal:{deal.pk}", Decimal("10.00")),
        (f"bundle:{bundle.pk}", Decimal("4.00")),
        (f"voucher:{voucher.pk}", Decimal("3.60")),
        ("points:redeem", Decimal("16.20")),
    ]
    assert (order.subtotal, order.discount, order.shipping, order.total) == (
        Decimal("50.00"), Decimal("33.80"), Decimal("4.95"), Decimal("21.15"),
    )
    assert points_balance(user_id=ada.pk) == 10_000 - 1620
    assert Cart.objects.get(user=ada).points_to_redeem == 0


def test_points_spent_elsewhere_since_are_repriced_before_the_order():
    ada = UserFactory()
    give_points(ada, 500)
    cart = CartFactory(user=ada, points_to_redeem=500)
    CartLineFactory(cart=cart, product=ProductFactory(price=Decimal("60.00")))
    PointsAccount.objects.filter(user=ada).update(balance=100)
    with pytest.raises(CheckoutError) as refused:
        order_place(cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer",
                    idempotency_key="points-key-0000000009", user=ada, expected_total=Decimal("55.00"))
    assert refused.value.code == "price_changed"
    assert not Order.objects.exists()


def test_points_spent_come_back_when_the_order_is_cancelled_or_expires():
    ada = UserFactory()
    give_points(ada, 500)
    cancelled = placed(ada, (ProductFactory(price=Decimal("60.00")), 1), points_to_redeem=200)
    assert points_balance(user_id=ada.pk) == 300
    order_apply(order=cancelled, event=Event.CANCEL)
    assert points_balance(user_id=ada.pk) == 500

    expired = placed(ada, (ProductFactory(price=Decimal("60.00")), 1), key="points-key-0000000002", points_to_redeem=200)
    orders_expire(order_ids=[expired.pk], now=timezone.now() + timedelta(days=5))
    assert points_balance(user_id=ada.pk) == 500


def test_the_ledger_is_append_only():
    ada = UserFactory()
    give_points(ada, 10)
    entry = PointsEntry.objects.get()
    entry.points = 10_000
    with pytest.raises(ValueError):
        entry.save()


# Pages ------------------------------------------------------------------------------------------


def test_the_product_page_says_what_a_customer_earns_and_asks_a_guest_to_sign_in(client):
    toaster = ProductFactory(price=Decimal("120.99"))
    assert "Sign in</a> to earn <strong>120 points</strong>" in client.get(toaster.get_absolute_url()).text
    client.force_login(UserFactory())
    assert "You’ll earn <strong>120 points</strong>" in client.get(toaster.get_absolute_url()).text


def test_the_product_page_counts_points_on_the_deal_price(client):
    toaster = ProductFactory(price=Decimal("100.00"))
    DealFactory(product=toaster, percent_off=Decimal("20"))
    assert "to earn <strong>80 points</strong>" in client.get(toaster.get_absolute_url()).text


def test_a_customer_spends_points_in_the_cart(client):
    ada = UserFactory()
    give_points(ada, 800)
    client.force_login(ada)
    client.post(reverse("cart:add"), {"product": ProductFactory(price=Decimal("30.00")).pk, "quantity": 1})

    page = client.post(reverse("offers:points-apply"), {"points": "500"}, follow=True).text

    assert "Using 500 points on this order." in page
    assert "500 loyalty points</dt>" in page and "−£5.00" in page
    assert "You’ll earn <strong>25 points</strong>" in page


def test_more_points_than_the_balance_are_refused_and_change_nothing(client):
    ada = UserFactory()
    give_points(ada, 100)
    client.force_login(ada)
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    page = client.post(reverse("offers:points-apply"), {"points": "101"}, follow=True).text
    assert "You have 100 points to spend." in page
    assert Cart.objects.get().points_to_redeem == 0


def test_a_guest_cannot_spend_points(client):
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    response = client.post(reverse("offers:points-apply"), {"points": "10"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Cart.objects.get().points_to_redeem == 0


def test_my_account_shows_the_balance_and_the_history_in_constant_queries(client, django_assert_max_num_queries):
    ada = UserFactory()
    client.force_login(ada)
    for n in range(3):
        order_apply(order=placed(ada, (ProductFactory(price=Decimal("25.00")), 1), key=f"points-key-h{n:011d}"), event=Event.PAY)
    client.get(reverse("accounts:points"))
    with django_assert_max_num_queries(8) as few:
        page = client.get(reverse("accounts:points")).text
    assert "data-points-balance>75<" in page and page.count("Earned on a paid order") == 3
    for n in range(3, 15):
        order_apply(order=placed(ada, (ProductFactory(price=Decimal("25.00")), 1), key=f"points-key-h{n:011d}"), event=Event.PAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("accounts:points"))


def test_the_review_page_form_carries_large_point_counts():
    from shop.cart.pricing import Adjustment
    from shop.checkout.forms import PlaceOrderForm

    seen = PlaceOrderForm.encode_adjustments(
        [Adjustment(label="1620 loyalty points", amount=Decimal("16.20"), code="points:redeem", units=1620),
         Adjustment(label="Voucher TEN", amount=Decimal("3.60"), code="voucher:12")]
    )
    form = PlaceOrderForm({"idempotency_key": "k" * 20, "expected_total": "21.15", "payment_method": "bank_transfer",
                           "seen_adjustments": seen})
    assert form.is_valid(), form.errors
    assert form.seen() == {"points:redeem": 1620, "voucher:12": 0}


def test_an_expired_order_paid_after_all_spends_its_points_again():
    # given: 200 points spent on an order that expired, which gave them back
    ada = UserFactory()
    give_points(ada, 500)
    order = placed(ada, (ProductFactory(price=Decimal("60.00"), stock=5), 1), points_to_redeem=200)
    orders_expire(order_ids=[order.pk], now=timezone.now() + timedelta(days=5))
    assert points_balance(user_id=ada.pk) == 500

    # when: the payment arrives late and the stock is still there
    order_apply(order=Order.objects.get(pk=order.pk), event=Event.PAY)
    order_apply(order=Order.objects.get(pk=order.pk), event=Event.PAY)  # a replayed payment

    # then: the order keeps its £2.00 points discount, so the points are spent again, once
    kinds = dict(PointsEntry.objects.filter(order=order).values_list("kind", "points"))
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert kinds[PointsEntry.Kind.REDEEMED_AGAIN] == -200
    assert points_balance(user_id=ada.pk) == 300 + kinds[PointsEntry.Kind.EARNED]
