"""A shopper buys something as a guest, in a real browser."""

import re
from decimal import Decimal
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from playwright.sync_api import expect

from catalog.models import Product
from shop.accounts.models import MarketingConsent
from shop.orders.models import Order
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


def test_a_guest_adds_a_product_changes_the_quantity_checks_out_and_sees_the_confirmation(live_server, page):
    product = ProductFactory(
        name="Regency Teacup and Saucer",
        slug="regency-teacup-and-saucer",
        price=Decimal("12.50"),
        stock=6,
        category=CategoryFactory(name="Kitchen", slug="kitchen"),
    )

    # The shopper adds the teacup from its product page.
    page.goto(live_server.url + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("1")

    # In the cart they change the quantity to 3.
    page.goto(live_server.url + "/cart/")
    quantity = page.get_by_label("Quantity of Regency Teacup and Saucer")
    quantity.fill("3")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".message-success")).to_contain_text("Updated")
    expect(page.locator(".cart-line-total")).to_have_text("£37.50")
    expect(page.locator("[data-cart-count]")).to_have_text("3")

    # They check out as a guest.
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Email").fill("shopper@example.com")
    page.get_by_label("Full name").fill("Jane Austen")
    page.get_by_label("Address line 1").fill("8 Gay Street")
    page.get_by_label("Town or city").fill("Bath")
    page.get_by_label("Postcode").fill("ba1 2pd")
    consent = page.get_by_label("E-mail me now and then")
    expect(consent).not_to_be_checked()
    consent.check()
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    expect(page.locator("address").first).to_contain_text("BA1 2PD")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    # The confirmation shows the order.
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    order = Order.objects.get()
    expect(page.locator("[data-order-number]")).to_have_text(order.number)
    expect(page.locator(".order-lines")).to_contain_text("Regency Teacup and Saucer")
    assert (order.subtotal, order.shipping, order.total) == (Decimal("37.50"), Decimal("4.95"), Decimal("42.45"))
    assert Product.objects.get(pk=product.pk).stock == 3
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    assert MarketingConsent.objects.opted_in().filter(email="shopper@example.com", opted_in_source="checkout").exists()


def test_a_shopper_who_clicks_add_too_fast_sees_the_slow_down_page_and_can_go_back(
    live_server, page, settings, monkeypatch
):
    # The limiter's clock stands still, so the clicks can't straddle two windows.
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cart_add": {**settings.RATE_LIMITS["cart_add"], "session": "2/m"}}
    product = ProductFactory(name="Tin lantern", slug="tin-lantern", stock=20)
    page.goto(live_server.url + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()  # opens the session
    for _ in range(2):
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator(".message-success")).to_contain_text("Added")

    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", name="Please slow down a little")).to_be_visible()
    expect(page.locator("[data-cart-count]")).to_have_text("3")
    page.get_by_role("link", name="Back to the shop").click()
    expect(page).to_have_url(live_server.url + "/")
