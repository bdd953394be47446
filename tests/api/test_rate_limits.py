"""The API's cart adds count against the same limits as the pages' "Add to cart" buttons,
and a refusal is JSON, with Retry-After, that changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.cart.models import CartLine
from tests.api.conftest import HUMAN, App
from tests.factories import ProductFactory
from tests.security.conftest import frozen_window, small_limits  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def quantity_in_carts(product) -> int:
    return sum(CartLine.objects.filter(product=product).values_list("quantity", flat=True))


def test_page_adds_and_api_adds_of_one_visitor_share_one_counter(small_limits, caplog):
    product = ProductFactory(stock=50)
    browser = Client(HTTP_USER_AGENT=HUMAN, REMOTE_ADDR="203.0.113.7")
    browser.get(product.get_absolute_url())
    # A first visit has no session, so the first add (which opens it) is counted by address
    # only; the per-visitor counter starts with the next one.
    browser.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})
    allowed = int(small_limits["cart_add"]["session"].split("/")[0])
    for _ in range(allowed - 1):
        browser.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})
    assert browser.post("/api/v1/cart/items", {"product": product.pk}, content_type="application/json").status_code == 201

    refused = browser.post("/api/v1/cart/items", {"product": product.pk}, content_type="application/json")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["message"].startswith("Too many requests for adding to your cart")
    assert quantity_in_carts(product) == 1 + allowed
    assert "cart_add (per session) refused" in caplog.text  # the visitor's counter, not the address's


def test_a_guest_app_is_limited_per_session_and_per_address_like_a_browser(small_limits):
    product = ProductFactory(stock=50)
    app = App(ip="203.0.113.8")
    answers = [app.post("/cart/items", {"product": product.pk}).status_code for _ in range(5)]

    # The first add opens the session (counted by address only), the next ones by session too.
    assert answers == [201, 201, 201, 201, 429]
    other_on_same_address = App(ip="203.0.113.8")
    assert other_on_same_address.post("/cart/items", {"product": product.pk}).status_code == 429
    assert App(ip="203.0.113.9").post("/cart/items", {"product": product.pk}).status_code == 201


@pytest.mark.parametrize("endpoint", ["/cart/fbt", "/cart/bundles", "/cart/upgrades"])
def test_every_api_add_counts_against_the_cart_add_limit(small_limits, endpoint):
    product = ProductFactory(stock=50)
    app = App(ip="203.0.113.10")
    for _ in range(4):  # the first opens the session, the next three use up its counter
        app.post("/cart/items", {"product": product.pk})

    refused = app.post(endpoint, {"anchor": product.pk, "products": [product.pk], "bundle": 1, "line": 1, "product": product.pk})

    assert refused.status_code == 429
    assert quantity_in_carts(product) == 4


def test_reads_are_never_limited(small_limits):
    app = App(ip="203.0.113.11")

    assert all(app.get("/cart").status_code == 200 for _ in range(10))
