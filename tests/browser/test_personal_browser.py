"""The personal blocks in a real browser: a guest's recently viewed products, kept when they
sign in, and "Recommended for you" after a purchase."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from shop.cart.models import CartLine
from shop.orders.models import Order
from tests.factories import CategoryFactory, ComplementFactory, ProductFactory, UserFactory
from tests.recommendations.conftest import publish_pairs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The shop's bot filter leaves HeadlessChrome out of everything personal, as it should.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SHOTS = Path("/tmp/shots/personal")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


@pytest.fixture
def tea_shop():
    tea = CategoryFactory(name="Tea", slug="tea")
    teapot = ProductFactory(name="Stoneware Teapot", slug="stoneware-teapot", price=Decimal("28.00"), category=tea, sales_count=40)
    cosy = ProductFactory(name="Knitted Tea Cosy", slug="tea-cosy", price=Decimal("12.00"),
                          category=CategoryFactory(name="Linen", slug="linen"), sales_count=30)
    cups = ProductFactory(name="Pair of Tea Cups", slug="tea-cups", price=Decimal("16.00"),
                          category=CategoryFactory(name="China", slug="china"), sales_count=20)
    lantern = ProductFactory(name="Zinc Lantern", slug="zinc-lantern", price=Decimal("9.50"),
                             category=CategoryFactory(name="Lights", slug="lights"), sales_count=50)
    ComplementFactory(product=teapot, complement=cosy, pitch="Keeps the pot hot")
    publish_pairs({teapot: [(cups, 40, 100, 60)]})
    # The home page's own grids (featured, new in) show other things: the blocks never repeat them.
    ProductFactory(name="Linen Apron", is_featured=True)
    ProductFactory.create_batch(4)
    return teapot, cosy, cups, lantern


def new_page(browser, width=1280):
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": width, "height": 900})
    return context, context.new_page()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_guest_sees_what_they_viewed_and_keeps_it_after_signing_in(live_server, browser, tea_shop):
    teapot, cosy, cups, lantern = tea_shop
    UserFactory(username="ada@example.com", email="ada@example.com")
    context, page = new_page(browser)

    # A first visit: today's best sellers, nothing personal yet.
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name=re.compile("bestsellers"))).to_be_visible()
    expect(page.get_by_role("heading", name="Recently viewed")).to_have_count(0)

    # They look at the lantern, then the teapot.
    page.goto(live_server.url + lantern.get_absolute_url())
    page.goto(live_server.url + teapot.get_absolute_url())
    recent = page.locator('[data-rec-block="product_recent"]')
    expect(recent.get_by_role("heading", name="Recently viewed")).to_be_visible()
    expect(recent.locator(".rec-card-name")).to_have_text(["Zinc Lantern"])  # never the page's own product
    # Kept in the browser: a signed, http-only cookie, and no session on the server.
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["rec_viewed"]["httpOnly"] and cookies["rec_viewed"]["sameSite"] == "Lax"
    assert "sessionid" not in cookies and not Session.objects.exists()

    # The home page now has them, newest first, and recommends what goes with them.
    page.goto(live_server.url + "/")
    expect(page.locator('[data-rec-block="home_recent"] .rec-card-name')).to_have_text(["Stoneware Teapot", "Zinc Lantern"])
    for_you = page.locator('[data-rec-block="home_for_you"]')
    expect(for_you.get_by_role("heading", name="Recommended for you")).to_be_visible()
    expect(for_you).to_contain_text("Knitted Tea Cosy")
    expect(for_you).to_contain_text("Goes with the Stoneware Teapot you viewed")
    shot(page, "home-returning-guest")

    # They sign in: the list comes with them, on the account.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".auth-card").get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/cart/")
    expect(page.locator('[data-rec-block="cart_recent"] .rec-card-name')).to_have_text(["Stoneware Teapot", "Zinc Lantern"])
    assert "rec_viewed" not in {cookie["name"] for cookie in context.cookies()}  # moved onto the account
    context.close()

    # And on another device too.
    context, page = new_page(browser, width=390)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".auth-card").get_by_role("button", name="Log in").click()
    page.goto(live_server.url + cups.get_absolute_url())
    expect(page.locator('[data-rec-block="product_recent"] .rec-card-name')).to_have_text(["Stoneware Teapot", "Zinc Lantern"])
    shot(page, "product-recently-viewed-390")
    context.close()


def test_recommended_for_you_after_a_purchase(live_server, browser, tea_shop):
    teapot, cosy, cups, lantern = tea_shop
    UserFactory(username="ada@example.com", email="ada@example.com")
    context, page = new_page(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator(".auth-card").get_by_role("button", name="Log in").click()

    # The customer buys the teapot.
    page.goto(live_server.url + teapot.get_absolute_url())
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    page.goto(live_server.url + "/cart/")
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 St James's Square")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postcode").fill("sw1y 4jh")
    for consent in page.get_by_role("checkbox").all():  # whatever the checkout asks to be ticked
        if consent.is_visible() and not consent.is_checked():
            consent.check()
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    assert Order.objects.filter(user__username="ada@example.com").count() == 1

    # Back on the home page: what goes with the teapot, and never the teapot itself.
    page.goto(live_server.url + "/")
    for_you = page.locator('[data-rec-block="home_for_you"]')
    expect(for_you.get_by_role("heading", name="Recommended for you")).to_be_visible()
    expect(for_you.locator(".rec-card-name")).to_contain_text(["Knitted Tea Cosy", "Pair of Tea Cups"])
    expect(for_you).to_contain_text("Goes with your Stoneware Teapot")
    expect(page.locator('[data-rec-block="home_recent"]')).to_have_count(0)  # the teapot is theirs now
    shot(page, "home-after-purchase")

    # One click adds a recommendation, credited to the block.
    for_you.get_by_role("button", name="Add Knitted Tea Cosy to cart").click()
    expect(page.locator(".message-success")).to_contain_text("Knitted Tea Cosy")
    assert CartLine.objects.get(product=cosy).rec_placement == "home_for_you"

    # My account: inspired by the order.
    page.goto(live_server.url + "/accounts/orders/")
    expect(page.get_by_role("heading", name="Inspired by your orders")).to_be_visible()
    expect(page.locator('[data-rec-block="account_inspired"]')).to_contain_text("Pair of Tea Cups")
    shot(page, "account-inspired")
    context.close()
