from datetime import timedelta

import pytest
from django.utils import timezone

from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_give
from shop.cart.models import Cart
from shop.orders.models import Order
from tests.factories import (
    CartFactory,
    CartLineFactory,
    ComplementFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)


def agree_to_marketing(email: str) -> MarketingConsent:
    """The box ticked at checkout: follow-ups go only to addresses that agreed."""
    return marketing_consent_give(email=email, source=MarketingConsent.Source.CHECKOUT)


@pytest.fixture
def kettle_order(db):
    """A shipped order for a kettle, whose curated complement is a descaler; the customer
    agreed to marketing e-mail at checkout."""
    kettle = ProductFactory(name="Kettle", price="35.00")
    descaler = ProductFactory(name="Descaler", price="6.50")
    ComplementFactory(product=kettle, complement=descaler, pitch="Keeps it limescale-free")
    order = OrderFactory(
        email="Ada@Example.com",
        shipping_name="Ada Lovelace",
        status=Order.Status.SHIPPED,
        placed_at=timezone.now() - timedelta(days=17),
        shipped_at=timezone.now() - timedelta(days=15),
    )
    OrderLineFactory(order=order, product=kettle)
    agree_to_marketing(order.email)
    return order


def make_idle(cart: Cart, *, hours: float) -> Cart:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=hours))
    cart.refresh_from_db()
    return cart


@pytest.fixture
def abandoned_cart(db):
    """A guest's cart with a typed-in e-mail (consent ticked), idle for 25 hours; its toaster
    goes with a bread bin."""
    toaster = ProductFactory(name="Toaster", price="29.00")
    ComplementFactory(product=toaster, complement=ProductFactory(name="Bread bin", price="18.00"))
    cart = CartFactory(email="guest@example.com")
    CartLineFactory(cart=cart, product=toaster, quantity=2)
    agree_to_marketing(cart.email)
    return make_idle(cart, hours=25)
