"""Deals and vouchers on cached page fragments (catalog.fragments): a deal that starts or
ends by the clock, with no write at that moment, shows at once; a cart with a voucher is
never served someone else's totals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import DealFactory, ProductFactory, VoucherFactory

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fragments_on(settings):
    settings.FRAGMENT_CACHE = True
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0


def page(client, url) -> str:
    response = client.get(url, HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 200
    return response.content.decode()


def later(monkeypatch, hours: int) -> None:
    moved = timezone.now() + timedelta(hours=hours)
    monkeypatch.setattr(timezone, "now", lambda: moved)


@pytest.mark.parametrize("url", ["product", "home"])
def test_a_deal_that_starts_while_the_page_is_cached_shows_when_it_starts(client, monkeypatch, url):
    # given: tomorrow's deal, and the page cached today
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"), is_featured=True)
    DealFactory(product=toaster, starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=10))
    url = toaster.get_absolute_url() if url == "product" else "/"
    page(client, url)
    assert "−20% today" not in page(client, url)

    # when: the clock reaches the deal
    later(monkeypatch, 3)

    # then
    assert "−20% today" in page(client, url)


def test_a_deal_that_ends_while_the_page_is_cached_goes_when_it_ends(client, monkeypatch):
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"))
    DealFactory(product=toaster, ends_at=timezone.now() + timedelta(hours=1))
    page(client, toaster.get_absolute_url())
    assert "data-deal-price>£32.00<" in page(client, toaster.get_absolute_url())

    later(monkeypatch, 2)

    html = page(client, toaster.get_absolute_url())
    assert "data-deal-price" not in html and "£40.00" in html


def test_a_voucher_entered_in_the_cart_shows_on_the_cart_page_at_once(client):
    mug = ProductFactory(price=Decimal("20.00"), stock=10)
    VoucherFactory(code="TEN")
    client.post(reverse("cart:add"), {"product": mug.pk, "quantity": 2}, HTTP_USER_AGENT=BROWSER_UA)
    page(client, reverse("cart:detail"))
    assert "Voucher TEN" not in page(client, reverse("cart:detail"))

    client.post(reverse("offers:voucher-apply"), {"code": "TEN"}, HTTP_USER_AGENT=BROWSER_UA)

    html = page(client, reverse("cart:detail"))
    assert "Voucher TEN (10% off)</dt>" in html and "−£4.00" in html


def test_a_voucher_staff_end_shows_on_the_cart_page_at_once(client):
    mug = ProductFactory(price=Decimal("20.00"), stock=10)
    voucher = VoucherFactory(code="TEN")
    client.post(reverse("cart:add"), {"product": mug.pk, "quantity": 2}, HTTP_USER_AGENT=BROWSER_UA)
    client.post(reverse("offers:voucher-apply"), {"code": "TEN"}, HTTP_USER_AGENT=BROWSER_UA)
    assert "−£4.00" in page(client, reverse("cart:detail"))

    type(voucher).objects.filter(pk=voucher.pk).update(ends_at=timezone.now() - timedelta(minutes=1))

    assert "−£4.00" not in page(client, reverse("cart:detail"))
