"""The caps and the cart-reminder cooldown under concurrent requests, on PostgreSQL."""

import pytest
from django.core import mail

from recommendations.followups.models import FollowUp
from recommendations.followups.services import abandoned_cart_send
from shop.cart.models import CartLine
from shop.cart.services import CartError, cart_add_product
from tests.checkout.test_concurrency import postgres_only, race  # noqa: F401 - fixture
from tests.factories import CartFactory, CartLineFactory, ComplementFactory, ProductFactory
from tests.followups.conftest import agree_to_marketing, make_idle

RACERS = 8


@pytest.mark.django_db(transaction=True)
def test_racing_adds_to_a_nearly_full_cart_take_the_last_place_once(postgres_only, settings):
    # given: a cart one line short of the cap
    settings.MAX_CART_LINES = 5
    cart = CartFactory()
    for _ in range(settings.MAX_CART_LINES - 1):
        CartLineFactory(cart=cart)
    products = [ProductFactory() for _ in range(RACERS)]

    # when: eight different products are added at the same moment
    outcomes = race([lambda product=product: cart_add_product(cart=cart, product=product) for product in products])

    # then: one fits, the others are refused with the cart-full message
    assert CartLine.objects.filter(cart=cart).count() == settings.MAX_CART_LINES
    refusals = [outcome for outcome in outcomes if isinstance(outcome, CartError)]
    assert len(refusals) == RACERS - 1 and {refusal.code for refusal in refusals} == {"too_many_lines"}


@pytest.mark.django_db(transaction=True)
def test_racing_reminder_claims_for_one_address_send_one_email(postgres_only):
    # given: eight idle carts left by one address that agreed to marketing e-mail
    toaster = ProductFactory(stock=500)
    ComplementFactory(product=toaster, complement=ProductFactory())
    agree_to_marketing("hoarder@example.com")
    carts = []
    for _ in range(RACERS):
        cart = CartFactory(email="hoarder@example.com")
        CartLineFactory(cart=cart, product=toaster)
        carts.append(make_idle(cart, hours=30))

    # when: eight workers claim a reminder for each of them at once
    outcomes = race([lambda cart=cart: abandoned_cart_send(cart=cart) for cart in carts])

    # then: one claim wins, the rest see it under the consent row's lock
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert sum(outcome is not None for outcome in outcomes) == 1
    assert FollowUp.objects.count() == 1 and len(mail.outbox) == 1
