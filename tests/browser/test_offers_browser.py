"""Deals of the day in a real browser: the countdown ticks, and the price at checkout is
the server's."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shop.offers.models import Deal
from shop.orders.models import Order
from tests.factories import CategoryFactory, DealFactory, ProductFactory, VoucherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _offers_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = [
        "shop.offers.pricing.deal_adjustments",
        "shop.offers.pricing.voucher_adjustments",
        "shop.offers.pricing.points_adjustments",
    ]


def fill_details(page):
    page.get_by_label("Email").fill("shopper@example.com")
    page.get_by_label("Full name").fill("Jane Austen")
    page.get_by_label("Address line 1").fill("8 Gay Street")
    page.get_by_label("Town or city").fill("Bath")
    page.get_by_label("Postcode").fill("BA1 2PD")
    page.get_by_role("button", name="Continue to review").click()


def test_the_deal_countdown_ticks_and_says_when_the_deal_is_over(live_server, page):
    toaster = ProductFactory(name="Toaster", slug="toaster", price=Decimal("40.00"), category=CategoryFactory(slug="kitchen"))
    DealFactory(product=toaster, percent_off=Decimal("25"), ends_at=timezone.now() + timedelta(seconds=8))

    page.goto(live_server.url + toaster.get_absolute_url())

    expect(page.locator("[data-deal-price]")).to_have_text("£30.00")
    expect(page.locator(".deal-price-was")).to_contain_text("£40.00")
    value = page.locator("[data-countdown-value]")
    # Ticked by the script (the server wrote "0 minutes"), the seconds counting down.
    expect(value).to_have_text(re.compile(r"^00:00:0\d$"))
    first = value.text_content()
    expect(value).not_to_have_text(first, timeout=2500)
    expect(page.locator(".deal-countdown")).to_have_text(re.compile("This deal has ended"), timeout=15000)


def test_a_deal_that_ends_during_checkout_is_repriced_before_the_order_is_placed(live_server, page):
    toaster = ProductFactory(name="Toaster", slug="toaster", price=Decimal("40.00"), stock=5,
                             category=CategoryFactory(slug="kitchen"))
    deal = DealFactory(product=toaster, percent_off=Decimal("25"))

    # The shopper buys the toaster on its deal.
    page.goto(live_server.url + toaster.get_absolute_url())
    expect(page.locator("[data-countdown-value]")).to_have_text(re.compile(r"^2[23]:\d\d:\d\d$"))
    page.get_by_role("button", name="Add to cart").click()
    page.goto(live_server.url + "/cart/")
    expect(page.locator(".cart-summary")).to_contain_text("Deal of the day: Toaster")
    page.get_by_role("link", name="Check out").click()
    fill_details(page)
    expect(page.locator("[data-total]").first).to_have_text("£34.95")

    # The deal ends while they read the review page.
    Deal.objects.filter(pk=deal.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    # They are told, shown the new total, and nothing is placed until they confirm it.
    expect(page.locator(".message-error").first).to_contain_text("The deal of the day on Toaster has ended")
    expect(page.locator("[data-total]").first).to_have_text("£44.95")
    assert not Order.objects.exists()
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    assert Order.objects.get().total == Decimal("44.95")


def test_a_shopper_enters_a_voucher_in_the_cart_and_pays_the_discounted_total(live_server, page):
    teapot = ProductFactory(name="Teapot", slug="teapot", price=Decimal("30.00"), stock=5,
                            category=CategoryFactory(slug="kitchen"))
    VoucherFactory(code="TEATIME", value=Decimal("20"), minimum_spend=Decimal("50.00"))

    page.goto(live_server.url + teapot.get_absolute_url())
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(live_server.url + "/cart/")

    # Under the minimum spend the code is refused with what is missing.
    page.get_by_label("Voucher code").fill("teatime")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".message-error")).to_contain_text("spend £20.00 more to use this code")

    # With two teapots it applies, as a line of its own.
    page.get_by_label("Quantity of Teapot").fill("2")
    page.get_by_role("button", name="Update").click()
    page.get_by_label("Voucher code").fill("teatime")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".message-success")).to_contain_text("Voucher TEATIME (20% off) applied: −£12.00.")
    expect(page.locator(".cart-summary")).to_contain_text("Voucher TEATIME (20% off)")
    # 60.00 − 12.00 is under the free-delivery threshold again: delivery is charged.
    expect(page.locator("[data-total]").first).to_have_text("£52.95")

    page.get_by_role("link", name="Check out").click()
    fill_details(page)
    expect(page.locator(".checkout-aside")).to_contain_text("Voucher TEATIME (20% off)")
    expect(page.locator("[data-total]").first).to_have_text("£52.95")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    order = Order.objects.get()
    assert (order.discount, order.total) == (Decimal("12.00"), Decimal("52.95"))
    assert order.voucher_use.voucher.code == "TEATIME"


def test_a_customer_spends_points_at_checkout_and_sees_them_in_my_account(live_server, page):
    from shop.offers.models import PointsAccount, PointsEntry
    from tests.factories import UserFactory

    ada = UserFactory(username="ada@example.com", email="ada@example.com")
    ada.set_password("correct horse battery")
    ada.save()
    account = PointsAccount.objects.create(user=ada, balance=800)
    PointsEntry.objects.create(account=account, kind=PointsEntry.Kind.EARNED, points=800)
    lamp = ProductFactory(name="Desk lamp", slug="desk-lamp", price=Decimal("60.00"), stock=5,
                          category=CategoryFactory(slug="lighting"))

    # A guest is asked to sign in to earn; signed in, they are told what they'll earn.
    page.goto(live_server.url + lamp.get_absolute_url())
    expect(page.locator(".points-note")).to_contain_text("Sign in to earn 60 points")
    page.locator(".points-note a").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.locator(".auth-card").get_by_role("button", name="Log in").click()
    page.goto(live_server.url + lamp.get_absolute_url())
    expect(page.locator(".points-note")).to_contain_text("You’ll earn 60 points")
    page.get_by_role("button", name="Add to cart").click()

    # In the cart they spend 500 of their 800 points.
    page.goto(live_server.url + "/cart/")
    expect(page.locator("[data-points-box]")).to_contain_text("You have 800 points (worth £8.00)")
    page.get_by_label("Points to use").fill("500")
    page.get_by_role("button", name="Use points").click()
    expect(page.locator(".message-success")).to_contain_text("Using 500 points on this order.")
    expect(page.locator(".cart-summary")).to_contain_text("500 loyalty points")
    expect(page.locator("[data-total]").first).to_have_text("£55.00")

    page.get_by_role("link", name="Check out").click()
    fill_details(page)
    expect(page.locator("[data-total]").first).to_have_text("£55.00")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    assert Order.objects.get().discount == Decimal("5.00")

    page.goto(live_server.url + "/accounts/points/")
    expect(page.locator("[data-points-balance]")).to_have_text("300")
    expect(page.locator(".points-history")).to_contain_text("Spent on an order")
