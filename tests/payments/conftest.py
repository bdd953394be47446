import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.checkout.services import ShippingAddress, order_place
from shop.payments.services import card_payment_start
from tests.factories import CartFactory, CartLineFactory, ProductFactory

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")
RETURN_URL = "http://testserver/payments/return/x/"
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


def place_order(*, product=None, quantity=1, payment_method="card"):
    """An order placed through checkout (£20.00 × quantity + £4.95 delivery)."""
    cart = CartFactory()
    product = product or ProductFactory(price=Decimal("20.00"), stock=5)
    CartLineFactory(cart=cart, product=product, quantity=quantity)
    return order_place(
        cart=cart, email="ada@example.com", address=ADDRESS, payment_method=payment_method,
        idempotency_key=f"payments-test-key-{next(_keys):08d}",
    )


def start_card_payment(order) -> str:
    card_payment_start(order=order, success_url=RETURN_URL, cancel_url=RETURN_URL)
    return order.payments.get(status="pending").checkout_session_id


def post_event(client, standin, payload: str, signature: str | None = None):
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or standin.signature(payload)}
    return client.post(reverse("payments:webhook"), data=payload, content_type="application/json", **headers)


def pay_and_notify(client, standin, session_id: str, **kwargs):
    """The shopper pays on the hosted page and Stripe's webhook arrives."""
    session = standin.pay(session_id, **kwargs)
    return post_event(client, standin, standin.event("checkout.session.completed", session))
