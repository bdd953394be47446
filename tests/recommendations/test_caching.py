"""Blocks read cached candidates: no statistics or curation query on a warm cache, and
every source of change invalidates them."""

from decimal import Decimal

import pytest

from recommendations.selectors.candidates import candidates_for_many
from recommendations.selectors.placements import product_page_recommendations
from tests.factories import ComplementFactory, ProductFactory, UpgradeFactory

pytestmark = pytest.mark.django_db


def test_a_warm_cache_reads_no_curation_or_statistics(publish, django_assert_num_queries):
    knife, board, steel = ProductFactory.create_batch(3)
    ComplementFactory(product=knife, complement=steel)
    publish({knife: [(board, 30, 100, 100)]})
    candidates_for_many([knife.pk])

    with django_assert_num_queries(0):
        entry = candidates_for_many([knife.pk])[knife.pk]

    assert [c.product_id for c in entry.complements][:2] == [steel.pk, board.pk]


def test_a_cold_cache_builds_many_products_in_a_constant_number_of_queries(publish, django_assert_max_num_queries):
    products = ProductFactory.create_batch(12)
    publish({p: [(products[(i + 1) % 12], 10, 50, 50)] for i, p in enumerate(products)})
    for p in products[:6]:
        ComplementFactory(product=p, complement=products[-1 - products.index(p)])

    # One of these reads the candidates' own partner lists, for the substitute pairs.
    with django_assert_max_num_queries(11):
        built = candidates_for_many([p.pk for p in products])

    assert len(built) == 12


def test_prices_and_stock_are_read_fresh_even_when_candidates_are_cached(publish):
    knife, board = ProductFactory.create_batch(2)
    publish({knife: [(board, 30, 100, 100)]})
    product_page_recommendations(product=knife)

    board.price = Decimal("99.00")
    board.save()
    assert product_page_recommendations(product=knife).fbt.items[0].product.price == Decimal("99.00")
    board.stock = 0
    board.save()
    assert product_page_recommendations(product=knife).fbt is None


def test_a_new_upgrade_link_shows_at_once(publish):
    toaster = ProductFactory(price=Decimal("20.00"))
    assert product_page_recommendations(product=toaster).upgrade is None

    UpgradeFactory(product=toaster, upgrade=ProductFactory(price=Decimal("25.00")))

    assert product_page_recommendations(product=toaster).upgrade is not None
