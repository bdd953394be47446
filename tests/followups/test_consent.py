"""Marketing e-mail needs consent, and one address gets at most one cart reminder per cooldown."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from recommendations.followups.models import FollowUp
from recommendations.followups.services import (
    abandoned_cart_send,
    abandoned_carts_send_due,
    opt_out,
    post_purchase_send,
    post_purchase_send_due,
)
from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_withdraw
from tests.factories import CartFactory, CartLineFactory, ComplementFactory, ProductFactory

from .conftest import agree_to_marketing, make_idle

pytestmark = pytest.mark.django_db


def test_no_post_purchase_email_without_consent(kettle_order):
    MarketingConsent.objects.all().delete()
    assert post_purchase_send_due().sent == 0
    assert post_purchase_send(order=kettle_order) is None
    assert mail.outbox == [] and not FollowUp.objects.exists()


def test_no_cart_reminder_without_consent(abandoned_cart):
    MarketingConsent.objects.all().delete()
    assert abandoned_carts_send_due().sent == 0
    assert abandoned_cart_send(cart=abandoned_cart) is None
    assert mail.outbox == []


def test_consent_withdrawn_after_the_run_picked_the_order_wins_at_the_claim(kettle_order):
    marketing_consent_withdraw(email=kettle_order.email, source=MarketingConsent.Source.UNSUBSCRIBE)
    assert post_purchase_send(order=kettle_order) is None
    assert mail.outbox == []


def test_two_hundred_idle_carts_with_one_address_get_one_reminder():
    toaster = ProductFactory(stock=500)
    ComplementFactory(product=toaster, complement=ProductFactory())
    agree_to_marketing("hoarder@example.com")
    for number in range(200):
        cart = CartFactory(email="hoarder@example.com" if number % 2 else "Hoarder@Example.com")
        CartLineFactory(cart=cart, product=toaster)
        make_idle(cart, hours=25 + number / 100)

    first = abandoned_carts_send_due()
    second = abandoned_carts_send_due()

    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    assert FollowUp.objects.filter(kind=FollowUp.Kind.ABANDONED_CART).count() == 1


def test_the_claim_itself_refuses_a_second_reminder_to_an_address_within_the_cooldown(abandoned_cart, settings):
    other = CartFactory(email="GUEST@example.com")
    CartLineFactory(cart=other, product=ProductFactory())
    make_idle(other, hours=30)

    assert abandoned_cart_send(cart=abandoned_cart) is not None
    assert abandoned_cart_send(cart=other) is None

    FollowUp.objects.update(created_at=timezone.now() - timedelta(days=settings.FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS + 1))
    assert abandoned_cart_send(cart=other) is not None
    assert len(mail.outbox) == 2


def test_the_cooldown_is_a_setting(abandoned_cart, settings):
    settings.FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS = 1
    abandoned_carts_send_due()
    CartLineFactory(cart=abandoned_cart, product=ProductFactory())
    make_idle(abandoned_cart, hours=26)
    FollowUp.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert abandoned_carts_send_due().sent == 1


def test_every_marketing_email_carries_an_unsubscribe_link(kettle_order, abandoned_cart):
    post_purchase_send_due()
    abandoned_carts_send_due()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "/followups/unsubscribe/" in message.body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribed_then_ticked_again_at_checkout_gets_emails_again(kettle_order):
    opt_out(email=kettle_order.email)
    assert post_purchase_send_due().sent == 0
    agree_to_marketing(kettle_order.email)
    assert post_purchase_send_due().sent == 1


def test_an_opt_out_added_by_staff_withdraws_consent(kettle_order, admin_client):
    admin_client.post("/admin/followups/optout/add/", {"email": "ADA@example.com"})
    assert not MarketingConsent.objects.get(email="ada@example.com").opted_in
    assert post_purchase_send_due().sent == 0
