"""The single-use codes in the follow-up e-mails: "10% off your next order" after a purchase
and, when staff switch it on, in the cart reminder."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail

from recommendations.followups.models import FollowUp
from recommendations.followups.services import abandoned_carts_send_due, post_purchase_send_due
from shop.cart.pricing import PricingContext, calculate_totals
from shop.offers.models import OfferSettings, Voucher
from tests.factories import CartFactory, CartLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_post_purchase_email_carries_a_single_use_code_for_that_customer(kettle_order):
    post_purchase_send_due()

    voucher = Voucher.objects.get()
    assert voucher.code.startswith("THANKS-") and len(voucher.code) == len("THANKS-") + 10
    assert (voucher.kind, voucher.value, voucher.usage_limit, voucher.per_customer_limit) == ("percent", Decimal("10.00"), 1, 1)
    assert voucher.customer_email == "ada@example.com" and voucher.source == "post_purchase"
    [message] = mail.outbox
    assert f"10% off your next order: enter {voucher.code} in your cart" in message.body
    assert voucher.code in message.alternatives[0][0]


def test_each_customer_gets_their_own_code_and_another_address_cannot_use_it(kettle_order, settings):
    settings.CART_DISCOUNT_PROVIDERS = ["shop.offers.pricing.voucher_adjustments"]
    post_purchase_send_due()
    code = Voucher.objects.get().code
    cart = CartFactory(voucher_code=code, email="mallory@example.com")
    CartLineFactory(cart=cart, product=ProductFactory(price=Decimal("20.00")))
    totals = calculate_totals(lines=list(cart.lines.all()), context=PricingContext(cart=cart, email=cart.email))
    assert totals.discount == 0
    assert "belongs to another customer" in totals.notices[0].label


def test_no_code_when_staff_set_the_next_order_discount_to_nothing(kettle_order):
    OfferSettings.objects.create(pk=1, next_order_percent=Decimal("0"))
    post_purchase_send_due()
    assert not Voucher.objects.exists()
    assert "off your next order" not in mail.outbox[0].body


def test_a_code_whose_email_failed_is_withdrawn_with_the_claim(kettle_order):
    with mock.patch("recommendations.followups.emails.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        result = post_purchase_send_due()
    assert result.failed == 1
    assert not Voucher.objects.exists() and not FollowUp.objects.exists()


def test_the_cart_reminder_has_no_code_unless_staff_switch_it_on(abandoned_cart):
    abandoned_carts_send_due()
    assert not Voucher.objects.exists()
    assert "off your next order" not in mail.outbox[0].body


def test_the_cart_reminder_carries_a_code_when_staff_switch_it_on(abandoned_cart):
    OfferSettings.objects.create(pk=1, abandoned_cart_voucher=True, abandoned_cart_percent=Decimal("5"))
    abandoned_carts_send_due()
    voucher = Voucher.objects.get()
    assert voucher.code.startswith("WELCOMEBACK-") and voucher.customer_email == "guest@example.com"
    assert voucher.value == Decimal("5.00") and voucher.source == "abandoned_cart"
    assert voucher.code in mail.outbox[0].body
