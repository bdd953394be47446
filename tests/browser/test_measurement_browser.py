"""Measurement and follow-ups in a real browser: staff reading the figures, a shopper coming
back from a reminder e-mail."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.followups.services import abandoned_carts_send_due
from recommendations.measurement.models import Event
from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_give
from shop.cart.models import Cart
from tests.factories import (
    CartFactory,
    CartLineFactory,
    ComplementFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UserFactory,
)
from tests.recommendations.conftest import publish_pairs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/measure")
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _log_in_as_staff(page, live_server):
    UserFactory(username="manager", is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_staff_explain_a_pair_picked_with_the_autocomplete(live_server, page):
    toaster = ProductFactory(name="Toaster 4-slice")
    bread_bin = ProductFactory(name="Enamel bread bin")
    publish_pairs({toaster: [(bread_bin, 31, 100, 62)]}, order_count=1000)
    _log_in_as_staff(page, live_server)
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Explain a pair").click()

    for label, term, name in (("Product A", "Toast", "Toaster 4-slice"), ("Product B", "bread", "Enamel bread bin")):
        page.locator(".m-field", has_text=label).locator(".select2-selection").click()
        page.locator(".select2-search__field").fill(term)
        page.locator(".select2-results__option", has_text=name).click()
    page.get_by_role("button", name="Explain").click()

    table = page.locator(".m-pair")
    expect(table).to_contain_text("31")
    expect(table.locator("tr", has_text="Confidence Toaster 4-slice → Enamel bread bin")).to_contain_text("31.0%")
    expect(table.locator("tr", has_text="Confidence Enamel bread bin → Toaster 4-slice")).to_contain_text("50.0%")
    expect(table.locator("tr", has_text="Lift")).to_contain_text("5.00")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explain-pair.png"), full_page=True)


def test_staff_read_the_dashboard_with_its_charts(live_server, page):
    anchor, partner = ProductFactory(name="Chef knife"), ProductFactory(name="Honing steel", price=Decimal("12.50"))
    for days_ago in range(6):
        when = timezone.now() - timedelta(days=days_ago)
        Event.objects.create(
            kind="impression",
            placement="product_fbt",
            source="curated",
            product=partner,
            anchor=anchor,
            view_id=f"v{days_ago}",
            created_at=when,
        )
        Event.objects.create(
            kind="click", placement="product_fbt", source="curated", product=partner, anchor=anchor, created_at=when
        )
        order = OrderFactory(rec_group="treatment", placed_at=when, total=Decimal("46.50"))
        OrderLineFactory(
            order=order, product=partner, rec_placement="product_fbt", rec_source="curated", rec_anchor=anchor
        )
    _log_in_as_staff(page, live_server)
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Recommendations dashboard").click()

    expect(page.get_by_role("heading", name="Uplift versus holdout")).to_be_visible()
    expect(page.locator("tr.verdict-too_small").first).to_contain_text("Sample too small to tell")
    expect(page.locator("tr.m-placement")).to_contain_text("£75.00")
    expect(page.locator(".m-chart svg polyline").first).to_be_visible()
    expect(page.locator("table", has_text="Shown for")).to_contain_text("Honing steel")
    page.screenshot(path=str(SHOTS / "dashboard-browser.png"), full_page=True)


def test_a_shopper_restores_their_cart_from_the_reminder_and_unsubscribes(live_server, browser):
    toaster = ProductFactory(name="Retro toaster", price=Decimal("29.00"))
    ComplementFactory(product=toaster, complement=ProductFactory(name="Bread bin"))
    cart = CartFactory(email="guest@example.com")
    CartLineFactory(cart=cart, product=toaster, quantity=2)
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=30))
    marketing_consent_give(email="guest@example.com", source=MarketingConsent.Source.CHECKOUT)
    abandoned_carts_send_due()
    body = mail.outbox[0].body
    restore = next(w for w in body.split() if "/followups/cart/" in w).split("127.0.0.1:8000")[1]
    unsubscribe = next(w for w in body.split() if "/followups/unsubscribe/" in w).split("127.0.0.1:8000")[1]

    context = browser.new_context(user_agent=BROWSER_UA)
    page = context.new_page()
    page.goto(live_server.url + restore)
    expect(page.get_by_role("heading", name="Your saved cart")).to_be_visible()
    page.screenshot(path=str(SHOTS / "restore-cart.png"), full_page=True)
    page.get_by_role("button", name="Restore my cart").click()
    expect(page).to_have_url(live_server.url + "/cart/")
    expect(page.locator("main")).to_contain_text("Retro toaster")

    page.goto(live_server.url + unsubscribe)
    page.get_by_role("button", name="Unsubscribe guest@example.com").click()
    expect(page.get_by_role("heading", name="You’re unsubscribed")).to_be_visible()
    assert not MarketingConsent.objects.get(email="guest@example.com").opted_in
    page.screenshot(path=str(SHOTS / "unsubscribed.png"), full_page=True)
    context.close()
