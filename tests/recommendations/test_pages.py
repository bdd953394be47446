"""The blocks in their pages: what shoppers see, the holdout, and bounded query counts."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AttributeFactory,
    BundleFactory,
    BundleItemFactory,
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    OrderFactory,
    OrderLineFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    TierLadderFactory,
    UpgradeFactory,
)

pytestmark = pytest.mark.django_db


def build_product_page(publish, *, partners: int, tiers: int):
    category = CategoryFactory(name="Kitchen")
    toaster = ProductFactory(name="Toaster", price=Decimal("20.00"), category=category)
    ladder = TierLadderFactory(name="Toasters")
    LadderTierFactory(ladder=ladder, product=toaster, position=0, label="2-slice")
    attributes = AttributeFactory.create_batch(3, kind="boolean")
    for i in range(1, tiers):
        tier = ProductFactory(name=f"Toaster tier {i}", price=Decimal(20 + i), category=category)
        LadderTierFactory(ladder=ladder, product=tier, position=i, label=f"Tier {i}", is_recommended=i == 1)
        for attribute in attributes:
            ProductAttributeValueFactory(product=tier, attribute=attribute, value="yes" if i % 2 else "no")
    others = ProductFactory.create_batch(partners, category=category)
    ComplementFactory(product=toaster, complement=others[0], pitch="Crumb-free counters")
    publish({toaster: [(p, 50 - i, 100, 100) for i, p in enumerate(others[1:])]})
    UpgradeFactory(product=toaster, upgrade=ProductFactory(name="Toaster Pro", price=Decimal("29.00")), pitch="Toasts bagels too")
    return toaster


def test_the_product_page_shows_the_upgrade_fbt_with_its_total_and_the_tier_chart(client, publish):
    toaster = build_product_page(publish, partners=4, tiers=3)

    response = client.get(toaster.get_absolute_url())

    html = response.content.decode()
    assert "Frequently bought together" in html
    assert "Staff pick — Crumb-free counters" in html
    assert "Bought together by 50% of customers who bought this" in html
    fbt = response.context["fbt"]
    assert len(fbt.items) == 3
    assert f"£{fbt.total:.2f}" in html and "Add all 4 to cart" in html
    assert "Compare the range" in html and "You're viewing" in html and "Recommended" in html
    assert "Upgrade to <a" in html and "Toasts bagels too" in html


def test_the_holdout_group_sees_no_recommendation_block(client, publish):
    toaster = build_product_page(publish, partners=4, tiers=3)
    session = client.session
    session["rec_group"] = "control"
    session.save()

    html = client.get(toaster.get_absolute_url()).content.decode()

    assert "Frequently bought together" not in html
    assert "Compare the range" not in html
    assert "data-rec-block" not in html


def count_queries(client, url) -> int:
    client.get(url)  # warm the caches as production would be
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_product_page_queries_do_not_grow_with_recommendations_or_tiers(client, publish, django_assert_max_num_queries):
    small = build_product_page(publish, partners=2, tiers=2)
    few = count_queries(client, small.get_absolute_url())
    big = build_product_page(publish, partners=12, tiers=8)
    many = count_queries(client, big.get_absolute_url())

    assert few == many
    with django_assert_max_num_queries(10):
        client.get(big.get_absolute_url())


def test_product_page_cold_cache_queries_are_bounded_too(client, publish, django_assert_max_num_queries):
    big = build_product_page(publish, partners=12, tiers=8)
    client.get(big.get_absolute_url())
    cache.clear()
    # Two of these are the service add-ons offered beside "Add to cart" (their category
    # parents come with the category tree's read), one the candidates' partner lists for the
    # substitute pairs; two are the offers, each read once into its cache: the deals of the day
    # (every block and the price) and the offer settings ("You'll earn 120 points").
    with django_assert_max_num_queries(24):
        client.get(big.get_absolute_url())


def fill_cart(client, publish, *, lines: int):
    category = CategoryFactory()
    products = ProductFactory.create_batch(lines, category=category, price=Decimal("5.00"))
    partners = ProductFactory.create_batch(lines, category=category, price=Decimal("12.00"))
    publish({p: [(partners[i], 40, 100, 100), (partners[(i + 1) % lines], 20, 100, 100)] for i, p in enumerate(products)})
    for product in products:
        UpgradeFactory(product=product, upgrade=ProductFactory(price=Decimal("6.00")))
        client.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})
    return products


def test_the_cart_page_shows_complements_upgrades_and_the_shipping_bar(client, publish):
    fill_cart(client, publish, lines=2)

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Complete your purchase" in html
    assert "more for <strong>free delivery</strong>" in html
    assert html.count("rec-line-upgrade") == 2
    assert 'aria-valuenow="20"' in html  # £10 of £50


def test_cart_page_queries_do_not_grow_with_lines(client, publish, django_assert_max_num_queries):
    fill_cart(client, publish, lines=2)
    few = count_queries(client, reverse("cart:detail"))
    other = Client()
    fill_cart(other, publish, lines=9)
    many = count_queries(other, reverse("cart:detail"))

    assert few == many
    with django_assert_max_num_queries(12):
        other.get(reverse("cart:detail"))


def test_the_product_page_offers_an_active_bundle(client):
    teapot = ProductFactory(name="Teapot", price=Decimal("20.00"))
    bundle = BundleFactory(name="Tea for two", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=teapot)
    BundleItemFactory(bundle=bundle, product=ProductFactory(name="Cup", price=Decimal("5.00")), quantity=2)

    html = client.get(teapot.get_absolute_url()).content.decode()

    assert "Tea for two" in html and "Save £3.00" in html and "£27.00" in html


def test_the_holdout_group_sees_no_cart_blocks(client, publish):
    fill_cart(client, publish, lines=2)
    session = client.session
    session["rec_group"] = "control"
    session.save()

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Complete your purchase" not in html
    assert "rec-line-upgrade" not in html
    assert "data-rec-block" not in html


def test_the_confirmation_page_shows_customers_who_bought_x_also_bought(client, publish):
    kettle, mug, jam = ProductFactory.create_batch(3)
    kettle.name = "Enamel Kettle"
    kettle.save()
    publish({kettle: [(mug, 60, 100, 100), (jam, 40, 100, 100)]})
    order = OrderFactory()
    OrderLineFactory(order=order, product=kettle)
    OrderLineFactory(order=order, product=mug)

    html = client.get(reverse("orders:confirmation", kwargs={"token": order.access_token})).content.decode()

    assert "Customers who bought Enamel Kettle also bought" in html
    assert f'data-rec-product="{jam.pk}"' in html
    assert f'data-rec-product="{mug.pk}"' not in html
