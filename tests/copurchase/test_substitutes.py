"""Substitutes are told apart by the statistics: they share partners but rarely an order."""

import pytest

from recommendations.copurchase.selectors import Partner
from recommendations.copurchase.substitutes import substitute_pairs


def partner(pid, lift=2.0, count_b=100, orders=2000):
    count_ab = round(lift * 100 * count_b / orders)
    return Partner(pid, count_ab, 100, count_b, count_ab / orders, count_ab / 100, lift, 1.0)


# The toaster (1), two kettles (2, 3), mugs (4), descaler (5), tea (6), a toast rack (7).
def test_two_products_that_share_partners_and_are_never_kept_together_are_substitutes():
    lists = {
        2: [partner(1), partner(4), partner(5), partner(6)],
        3: [partner(1), partner(4), partner(5)],
    }

    assert substitute_pairs(lists) == {2: frozenset({3}), 3: frozenset({2})}


def test_products_that_share_partners_and_are_bought_together_are_complements():
    lists = {
        1: [partner(7, lift=3.0), partner(4), partner(5), partner(6)],
        7: [partner(1, lift=3.0), partner(4), partner(5), partner(6)],
    }

    assert substitute_pairs(lists) == {}


def test_kept_together_less_often_than_chance_is_instead_of_each_other():
    lists = {
        2: [partner(1), partner(4), partner(5), partner(3, lift=0.4)],
        3: [partner(1), partner(4), partner(5)],
    }

    assert substitute_pairs(lists) == {2: frozenset({3}), 3: frozenset({2})}


@pytest.mark.parametrize(
    "second",
    [
        [partner(1), partner(4)],  # two partners in common: too little evidence
        [partner(1), partner(4), partner(5), partner(8), partner(9), partner(10), partner(11), partner(12)],  # 3 of 8
    ],
)
def test_a_few_partners_in_common_do_not_make_substitutes(second):
    first = [partner(1), partner(4), partner(5), partner(6), partner(13), partner(14), partner(15), partner(16)]
    lists = {2: first, 3: second}

    assert substitute_pairs(lists) == {}


def test_sharing_only_the_best_sellers_says_little():
    # given: both lists hold the shop's three best sellers (in half of all orders) and each
    # its own distinctive partners
    best = [partner(1, count_b=1000, lift=1.2), partner(4, count_b=1000, lift=1.2), partner(5, count_b=900, lift=1.2)]
    lists = {2: [*best, partner(6), partner(7)], 3: [*best, partner(8), partner(9)]}

    assert substitute_pairs(lists) == {}
