"""Exactness on the arules "Groceries" data, loaded as orders: item and pair supports equal
the figures published in ../shared/data/groceries/README.md."""

import csv
from pathlib import Path

import pytest
from django.conf import settings

from recommendations.copurchase.counting import Counts
from recommendations.copurchase.models import PairStat, ProductStat, SnapshotCounts
from recommendations.copurchase.refresh import copurchase_refresh

from .builders import make_products, place_baskets

GROCERIES = Path(settings.BASE_DIR).parent / "shared" / "data" / "groceries" / "groceries.csv"

pytestmark = pytest.mark.skipif(not GROCERIES.exists(), reason=f"Groceries data not found at {GROCERIES}")

ITEM_SUPPORT = {
    "whole milk": 0.2555160, "other vegetables": 0.1934926, "rolls/buns": 0.1839349, "soda": 0.1743772,
    "yogurt": 0.1395018, "bottled water": 0.1105236, "root vegetables": 0.1089985, "tropical fruit": 0.1049314,
    "shopping bags": 0.0985257, "sausage": 0.0939502,
}
PAIR_SUPPORT = {
    ("other vegetables", "whole milk"): 0.0748348, ("whole milk", "rolls/buns"): 0.0566345,
    ("whole milk", "yogurt"): 0.0560244, ("root vegetables", "whole milk"): 0.0489070,
    ("root vegetables", "other vegetables"): 0.0473818, ("other vegetables", "yogurt"): 0.0434164,
    ("other vegetables", "rolls/buns"): 0.0426030, ("tropical fruit", "whole milk"): 0.0422979,
    ("whole milk", "soda"): 0.0400610, ("rolls/buns", "soda"): 0.0383325,
}
PAIRS_AT_SUPPORT = {0.01: 213, 0.005: 605, 0.002: 1674, 0.001: 2981}


@pytest.fixture
def groceries(db):
    with GROCERIES.open(newline="") as handle:
        baskets = [row for row in csv.reader(handle)]
    names = sorted({item for basket in baskets for item in basket})
    ids = dict(zip(names, (p.pk for p in make_products(len(names), prefix="G")), strict=True))
    place_baskets([[ids[item] for item in basket] for basket in baskets])
    return ids


def test_item_supports_pair_supports_and_pair_counts_equal_the_published_groceries_figures(groceries):
    # when
    snapshot = copurchase_refresh(full=True)

    # then
    assert snapshot.order_count == 9835
    counts = dict(ProductStat.objects.filter(snapshot=snapshot).values_list("product_id", "order_count"))
    for item, support in ITEM_SUPPORT.items():
        assert round(counts[groceries[item]] / 9835, 4) == round(support, 4), item
    for (a, b), support in PAIR_SUPPORT.items():
        for anchor, partner in ((a, b), (b, a)):
            row = PairStat.objects.get(snapshot=snapshot, product_id=groceries[anchor], partner_id=groceries[partner])
            assert round(row.support, 4) == round(support, 4), (anchor, partner)
    milk_soda = PairStat.objects.get(snapshot=snapshot, product_id=groceries["whole milk"], partner_id=groceries["soda"])
    assert round(milk_soda.lift, 7) == 0.8991124
    # The raw counts kept for incremental runs hold every pair, not only the top K.
    raw = Counts.from_bytes(SnapshotCounts.objects.get(snapshot=snapshot).data)

    assert raw.pairs.nnz == 9636
    for threshold, expected in PAIRS_AT_SUPPORT.items():
        assert int((raw.pairs.data / raw.n_orders >= threshold).sum()) == expected, threshold
