"""Offline evaluation: the hit-rate metric on hand-made orders, and the score choice on
the real Online Retail data."""

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from recommendations.copurchase.evaluation import Lines, evaluate, hit_rates, parse_cutoff, read_online_retail
from recommendations.copurchase.scoring import ScoreParams

ONLINE_RETAIL = Path(settings.BASE_DIR).parent / "shared" / "data" / "online_retail" / "online_retail.csv.xz"


def test_a_question_is_a_hit_when_another_product_of_the_order_is_in_the_first_k():
    item_ids = np.array([1, 2, 3, 4])
    # Lists hold column indexes: item 1 → items 3, 4; item 2 → 3; item 3 → 4, 1; item 4 → nothing.
    lists = np.array([[2, 3], [2, -1], [3, 0], [-1, -1]])
    # order 10: {1, 3}; order 11: {2, 4}; order 12: {5} (a single product: not asked)
    test = Lines(np.array([10, 10, 11, 11, 12]), np.array([1, 3, 2, 4, 5]), np.zeros(5, "datetime64[s]"))

    rates = hit_rates(lists=lists, item_ids=item_ids, test=test, ks=(1, 2))

    assert rates.queries == 4
    assert rates.hits[1] == pytest.approx(1 / 4)  # 1 → 3 at once
    assert rates.hits[2] == pytest.approx(2 / 4)  # and 3 → 1 in second place
    assert rates.coverage == pytest.approx(3 / 4)  # 4 has no list


@pytest.mark.skipif(not ONLINE_RETAIL.exists(), reason=f"Online Retail data not found at {ONLINE_RETAIL}")
def test_the_chosen_score_beats_co_count_on_cart_sized_orders_of_online_retail():
    lines = read_online_retail(ONLINE_RETAIL)
    train, test = lines.split(parse_cutoff("2011-11-01"))

    results = evaluate(train=train, test=test, params=ScoreParams(gamma=settings.COPURCHASE_SIZE_GAMMA), ease_reg=None)

    assert len(np.unique(lines.order_ids)) == 19773  # the README's cleaning
    chosen, cocount, lift = results["chosen"]["cart"], results["cocount"]["cart"], results["lift"]["cart"]
    assert chosen.hits[3] > cocount.hits[3] > lift.hits[3]
    assert results["chosen"]["all"].hits[3] >= results["cocount"]["all"].hits[3] - 0.005
