"""Storefront reads of the live snapshot: one query, whatever the number of partners."""

import datetime as dt

import pytest
from django.utils import timezone

from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.selectors import live_snapshot, pair_stats, partners_for, partners_for_many

from .builders import make_products, place_baskets

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    anchor, *others = [p.pk for p in make_products(26)]
    # anchor is bought with each other product i + 2 times: partners ranked by that.
    baskets = [[anchor, other] for i, other in enumerate(others) for _ in range(i + 2)]
    place_baskets(baskets, placed_at=timezone.now() - dt.timedelta(days=2))
    copurchase_refresh()
    return anchor, others


def test_partners_for_reads_the_top_partners_best_first_in_one_query(history, django_assert_num_queries):
    anchor, others = history

    with django_assert_num_queries(1):
        partners = partners_for(product_id=anchor, limit=5)

    assert [p.product_id for p in partners] == others[::-1][:5]
    best = partners[0]
    assert best.count_ab == 26 and best.count_b == 26 and best.confidence == pytest.approx(26 / best.count_a)
    assert best.count_a == sum(i + 2 for i in range(25))


def test_the_number_of_queries_does_not_grow_with_the_number_of_products(history, django_assert_num_queries):
    anchor, others = history

    with django_assert_num_queries(1):
        many = partners_for_many(product_ids=[anchor, *others, 999_999], limit=20)

    assert len(many[anchor]) == 20  # top K = 20 of 25
    assert [p.product_id for p in many[others[0]]] == [anchor]
    assert many[999_999] == []


def test_without_a_live_snapshot_there_are_no_partners(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert partners_for(product_id=1) == []
    assert live_snapshot() is None


def test_pair_stats_explains_a_pair_from_either_side(history, django_assert_num_queries):
    anchor, others = history
    best = others[-1]

    with django_assert_num_queries(1):
        explanation = pair_stats(a_id=best, b_id=anchor)

    assert explanation.count_ab == 26 and explanation.count_a == 26
    assert explanation.confidence_ab == 1.0 and explanation.rank_of_a_for_b == 0 and explanation.rank_of_b_for_a == 0
    assert pair_stats(a_id=others[0], b_id=others[1]) is None
