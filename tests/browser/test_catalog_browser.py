"""A shopper finds a product by searching and reads its price and stock."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shopper_searches_opens_a_product_and_sees_price_and_stock(page, live_server):
    # given
    lighting = CategoryFactory(name="Lighting")
    ProductFactory(name="Star Lantern", category=lighting, price=Decimal("12.75"), stock=3)
    ProductFactory(name="Hanging Heart Lantern", category=lighting, price=Decimal("2.95"), stock=0)
    ProductFactory(name="Teapot", price=Decimal("20.00"))

    # when the shopper searches from the header
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Search products").fill("lantern")
    page.get_by_role("button", name="Search").click()

    # then both lanterns, and only they, are listed
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “lantern”")
    cards = page.locator(".product-card")
    expect(cards).to_have_count(2)
    expect(page.locator(".product-card", has_text="Teapot")).to_have_count(0)

    # when they open the star lantern
    page.get_by_role("link", name="Star Lantern").first.click()

    # then its page shows the price, the low stock and a usable add-to-cart button
    expect(page).to_have_url(re.compile(r"/product/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Star Lantern")
    expect(page.locator(".product-price")).to_have_text("£12.75")
    expect(page.locator(".product-stock")).to_contain_text("Only 3 left")
    expect(page.get_by_label("Quantity")).to_have_attribute("max", "3")
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
    # the generated placeholder picture really loads (a broken image has no natural width)
    main_image = page.locator(".product-main-image img")
    expect(main_image).to_have_js_property("complete", True)
    assert main_image.evaluate("img => img.naturalWidth") == 600

    # and the sold-out lantern cannot be added
    page.go_back()
    page.get_by_role("link", name="Hanging Heart Lantern").first.click()
    expect(page.locator(".product-stock")).to_contain_text("Out of stock")
    expect(page.get_by_role("button", name="Out of stock")).to_be_disabled()
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)


def test_shopper_sorts_a_category_by_price(page, live_server):
    category = CategoryFactory(name="Bags")
    for name, price in (("Tote", "5.00"), ("Shopper", "1.50"), ("Holdall", "9.99")):
        ProductFactory(name=name, category=category, price=Decimal(price))

    page.goto(live_server.url + category.get_absolute_url())
    page.get_by_label("Sort by").select_option("price-asc")  # submits itself with JavaScript

    expect(page).to_have_url(re.compile(r"sort=price-asc"))
    expect(page.locator(".product-card-title")).to_have_text(["Shopper", "Tote", "Holdall"])
