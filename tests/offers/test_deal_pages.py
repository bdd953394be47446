"""Deals on the pages: product page, home page, recommendation blocks and the cart, in
constant queries."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CategoryFactory, ComplementFactory, DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    client.get(url)  # warm the caches as production would be
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_product_page_shows_the_deal_price_the_was_price_and_when_it_ends(client):
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"))
    deal = DealFactory(product=toaster, percent_off=Decimal("25"), quantity_cap=30, units_sold=4)

    html = client.get(toaster.get_absolute_url()).content.decode()

    assert 'data-deal-price>£30.00<' in html
    assert "£40.00</s>" in html
    assert "−25% today" in html
    assert f'data-ends="{timezone.localtime(deal.ends_at).isoformat()}"' in html
    assert "26 left at this price" in html
    assert "js/deals.js" in html


def test_the_product_page_without_a_live_deal_shows_the_plain_price(client):
    toaster = ProductFactory(price=Decimal("40.00"))
    DealFactory(product=toaster, starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=2))
    html = client.get(toaster.get_absolute_url()).content.decode()
    assert "data-deal-price" not in html and "data-countdown" not in html
    assert '<p class="product-price price">£40.00</p>' in html


def test_a_deal_staff_schedule_shows_at_once_despite_the_cache(client, django_capture_on_commit_callbacks):
    toaster = ProductFactory(price=Decimal("40.00"))
    client.get(toaster.get_absolute_url())  # the deals' cache now holds "none"
    with django_capture_on_commit_callbacks(execute=True):
        DealFactory(product=toaster)
    assert "data-deal-price" in client.get(toaster.get_absolute_url()).content.decode()


def test_the_home_page_lists_todays_deals_soonest_ending_first_and_nothing_else(client):
    later = DealFactory(product=ProductFactory(name="Teapot"), ends_at=timezone.now() + timedelta(hours=20))
    sooner = DealFactory(product=ProductFactory(name="Kettle"), ends_at=timezone.now() + timedelta(hours=2))
    DealFactory(product=ProductFactory(name="Sold out mug"), quantity_cap=2, units_sold=2)
    DealFactory(product=ProductFactory(name="Tomorrow's toaster"), starts_at=timezone.now() + timedelta(days=1),
                ends_at=timezone.now() + timedelta(days=2))
    DealFactory(product=ProductFactory(name="Empty shelf", stock=0))

    html = client.get(reverse("home")).content.decode()

    start = html.index("Today's deals")
    section = html[start:html.index("</section>", start)]
    assert section.index(sooner.product.name) < section.index(later.product.name)
    for name in ("Sold out mug", "Tomorrow&#x27;s toaster", "Empty shelf"):
        assert name not in section


def test_the_home_page_without_deals_has_no_deals_section(client):
    assert "Today's deals" not in client.get(reverse("home")).content.decode()


def test_home_page_queries_do_not_grow_with_deals(client):
    for _ in range(2):
        DealFactory()
    few = count_queries(client, reverse("home"))
    for _ in range(10):
        DealFactory()
    assert count_queries(client, reverse("home")) == few


def test_product_page_queries_are_the_same_with_or_without_a_deal(client):
    plain = ProductFactory()
    on_deal = DealFactory().product
    assert count_queries(client, plain.get_absolute_url()) == count_queries(client, on_deal.get_absolute_url())


def test_a_complement_on_deal_is_badged_and_the_fbt_total_uses_deal_prices(client, publish):
    category = CategoryFactory()
    toaster = ProductFactory(name="Toaster", price=Decimal("20.00"), category=category)
    crumb_tray = ProductFactory(name="Crumb tray", price=Decimal("10.00"), category=category)
    ComplementFactory(product=toaster, complement=crumb_tray)
    publish({toaster: [(crumb_tray, 40, 100, 100)]})
    DealFactory(product=crumb_tray, percent_off=Decimal("20"))

    response = client.get(toaster.get_absolute_url())

    html = response.content.decode()
    assert response.context["fbt"].total == Decimal("28.00")
    assert "£28.00" in html
    assert "−20% today" in html
    assert 'data-price="8.00"' in html


def test_the_cart_shows_the_deal_on_its_line_and_as_a_discount(client):
    toaster = ProductFactory(name="Toaster", price=Decimal("40.00"))
    DealFactory(product=toaster, percent_off=Decimal("25"), quantity_cap=3)
    client.post(reverse("cart:add"), {"product": toaster.pk, "quantity": 5})

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Deal of the day</span> £30.00 each for 3 of 5" in html
    assert "Deal of the day: Toaster (3 of 5 at the deal price)" in html
    assert "−£30.00" in html


def test_cart_page_queries_do_not_grow_with_lines_on_deal(client):
    def add_deals(n):
        for _ in range(n):
            product = DealFactory().product
            client.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})

    add_deals(2)
    few = count_queries(client, reverse("cart:detail"))
    add_deals(10)
    assert count_queries(client, reverse("cart:detail")) == few


def test_the_structured_data_offers_the_deal_price_until_the_deal_ends(client):
    toaster = ProductFactory(price=Decimal("40.00"))
    deal = DealFactory(product=toaster, percent_off=Decimal("25"))

    html = client.get(toaster.get_absolute_url()).content.decode()

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["offers"]["price"] == "30.00"
    assert data["offers"]["priceValidUntil"] == deal.ends_at.date().isoformat()
