"""Service add-ons in a real browser: a warranty taken on the product page is in the cart and at
checkout, and goes when its item is removed; the offers (and the order's service lines) fit
the screen at 1280 and 390 px."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shop.addons.models import Service
from shop.cart.models import CartLine, CartLineService
from tests.factories import CategoryFactory, ProductFactory, ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/addons")


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


@pytest.fixture
def shop():
    """A kettle offered 2-year protection (15% of its price) and installation; a mug offered gift wrap."""
    appliances = CategoryFactory(name="Kitchen Appliances", slug="kitchen-appliances")
    kettle = ProductFactory(
        name="Rapid Boil 1.7 L Kettle", slug="rapid-boil-kettle", price=Decimal("29.99"), stock=8, category=appliances
    )
    mug = ProductFactory(name="Enamel Mug", slug="enamel-mug", price=Decimal("6.00"), stock=8)
    ServiceFactory(
        name="2-year protection", pricing=Service.Pricing.SHARE, price=None, share_percent=Decimal("15"), position=1,
        description="Repair or replacement if it breaks down in the two years after the maker's guarantee.",
        categories=[appliances],
    )
    ServiceFactory(name="installation", price=Decimal("12.00"), position=2, description="We plumb it in.", products=[kettle])
    ServiceFactory(name="gift wrap", price=Decimal("2.50"), products=[mug])
    return kettle, mug


def shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_details(page):
    page.get_by_label("Email").fill("shopper@example.com")
    page.get_by_label("Full name").fill("Jane Austen")
    page.get_by_label("Address line 1").fill("8 Gay Street")
    page.get_by_label("Town or city").fill("Bath")
    page.get_by_label("Postcode").fill("BA1 2PD")
    page.get_by_role("button", name="Continue to review").click()


def test_a_warranty_taken_on_the_product_page_is_in_the_cart_and_at_checkout_and_goes_with_its_item(live_server, page, shop):
    kettle, mug = shop

    # On the kettle's page the shopper ticks the protection and adds two kettles.
    page.goto(live_server.url + kettle.get_absolute_url())
    page.get_by_label("Add 2-year protection for £4.50").check()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".message-success")).to_have_text("Added 2 × “Rapid Boil 1.7 L Kettle” with “2-year protection” to your cart.")
    page.goto(live_server.url + mug.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()

    # The cart shows the protection under the kettle, for both kettles, in the subtotal.
    page.goto(live_server.url + "/cart/")
    kettle_line = page.locator(".cart-line", has_text="Rapid Boil")
    taken = kettle_line.locator(".line-service")
    expect(taken).to_contain_text("2-year protection")
    expect(taken).to_contain_text("£4.50 × 2")
    expect(taken.locator(".line-service-total")).to_have_text("£9.00")
    expect(kettle_line.get_by_role("button", name="Add installation for £12.00")).to_be_visible()
    expect(page.locator(".cart-summary .totals-row").first).to_contain_text("£74.98")  # 59.98 + 9.00 + 6.00

    # At checkout it is listed under the kettle and in the total.
    page.get_by_role("link", name="Check out").click()
    expect(page.locator(".mini-service")).to_contain_text("2-year protection")
    fill_details(page)
    review_line = page.locator(".review-lines li", has_text="Rapid Boil")
    expect(review_line.locator(".line-service")).to_contain_text("2-year protection")
    expect(page.locator("[data-total]")).to_have_text("£74.98")

    # Back in the cart, removing the kettle removes its protection; the mug stays.
    page.goto(live_server.url + "/cart/")
    page.get_by_role("button", name="Remove Rapid Boil 1.7 L Kettle").click()
    expect(page.locator(".message-success")).to_contain_text("Removed “Rapid Boil 1.7 L Kettle”")
    expect(page.locator(".line-service")).to_have_count(0)
    expect(page.locator(".cart-line")).to_have_count(1)
    assert list(CartLine.objects.values_list("product__name", flat=True)) == ["Enamel Mug"]
    assert not CartLineService.objects.exists()


def test_a_service_is_added_and_given_back_from_the_cart_and_from_checkout(live_server, page, shop):
    kettle, _ = shop
    page.goto(live_server.url + kettle.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()

    page.goto(live_server.url + "/cart/")
    page.get_by_role("button", name="Add installation for £12.00").click()
    expect(page.locator(".message-success")).to_have_text("Added “installation” to “Rapid Boil 1.7 L Kettle”.")
    expect(page.locator(".line-service")).to_contain_text("Installation")

    page.get_by_role("link", name="Check out").click()
    fill_details(page)
    page.get_by_role("button", name="Add 2-year protection for £4.50").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    expect(page.locator(".review-lines .line-service")).to_have_count(2)
    expect(page.locator("[data-total]")).to_have_text("£51.44")  # 29.99 + 12.00 + 4.50 + 4.95 delivery
    page.get_by_role("button", name="Remove installation from Rapid Boil 1.7 L Kettle").click()
    expect(page.locator(".review-lines .line-service")).to_have_count(1)
    expect(page.locator("[data-total]")).to_have_text("£39.44")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_offers_on_the_product_page_the_cart_and_checkout_fit_the_screen(live_server, page, shop, width):
    kettle, mug = shop
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + kettle.get_absolute_url())
    page.get_by_label("Add 2-year protection for £4.50").check()
    shoot(page, f"product-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Add to cart").click()
    page.goto(live_server.url + mug.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()

    page.goto(live_server.url + "/cart/")
    shoot(page, f"cart-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    offer = page.get_by_role("button", name="Add installation for £12.00")
    box = offer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width

    page.get_by_role("link", name="Check out").click()
    shoot(page, f"checkout-details-{width}")
    fill_details(page)
    shoot(page, f"checkout-review-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.locator(".order-service-line")).to_contain_text("2-year protection")
    shoot(page, f"confirmation-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
