"""A shopper pays by card through the (stand-in) Stripe page, and another by bank transfer,
in a real browser against the live server."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from shop.orders.models import Order, OrderEmail
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


def fill_cart_and_details(page, live_server, product):
    page.goto(live_server.url + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    page.goto(live_server.url + "/checkout/")
    page.get_by_label("Email").fill("shopper@example.com")
    page.get_by_label("Full name").fill("Jane Austen")
    page.get_by_label("Address line 1").fill("8 Gay Street")
    page.get_by_label("Town or city").fill("Bath")
    page.get_by_label("Postcode").fill("ba1 2pd")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()


def make_product():
    return ProductFactory(
        name="Copper Kettle", slug="copper-kettle", price=Decimal("45.00"), stock=3,
        category=CategoryFactory(name="Kitchen", slug="kitchen"),
    )


def test_a_guest_pays_by_card_on_the_payment_page_and_lands_on_a_confirmation_saying_paid(live_server, page, stripe_standin):
    stripe_standin.webhook_url = live_server.url + "/payments/webhook/"
    product = make_product()
    fill_cart_and_details(page, live_server, product)

    page.locator("input[name=payment_method][value=card]").check()
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    # Stripe's (stand-in) hosted page, for the server's total.
    expect(page.get_by_role("heading", name="Pay 49.95 GBP")).to_be_visible()
    order = Order.objects.get()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert Product.objects.get(pk=product.pk).stock == 2
    page.get_by_role("button", name="Pay").click()

    expect(page.locator("[data-payment-state]")).to_have_text("Paid")
    expect(page.locator("[data-order-number]")).to_have_text(order.number)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payments.get().status == "succeeded"
    assert OrderEmail.objects.filter(order=order, kind="paid").exists()


def test_a_guest_checks_out_by_bank_transfer_and_is_told_how_and_by_when_to_pay(live_server, page, stripe_standin):
    product = make_product()
    fill_cart_and_details(page, live_server, product)

    page.locator("input[name=payment_method][value=bank_transfer]").check()
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()
    expect(page.locator(".payment-instructions")).to_contain_text("Please transfer £49.95")
    expect(page.locator(".payment-instructions [data-payment-deadline]")).to_contain_text("Please pay by")
    order = Order.objects.get()
    assert (order.status, order.payment_method) == (Order.Status.AWAITING_PAYMENT, "bank_transfer")
    assert Product.objects.get(pk=product.pk).stock == 2
