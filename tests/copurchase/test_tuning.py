"""The self-tuning score (tuning.py) and the out-of-sample quality gate (quality.py)."""

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from recommendations.copurchase.counting import count_lines
from recommendations.copurchase.incremental import counts_of_snapshot
from recommendations.copurchase.loading import load_lines, load_order_times
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.recency import Recency, multiplier_lookup
from recommendations.copurchase.quality import GATE_K, hit_rate, snapshot_lists
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.tuning import History, Setting, backtest, one_standard_error_choice, split_holdout
from tests.factories import UserFactory

from .builders import place_baskets

DAY = 86400.0
A, C, B1, B2, B3, B4 = 1, 2, 11, 12, 13, 14


def recency_history() -> History:
    """A is bought with B1..B4 long ago (ten orders each) and with C lately (six orders in
    the last quarter, then ten in the last days): the newest orders say A goes with C."""
    orders, times = [], []
    for partner in (B1, B2, B3, B4):
        orders += [[A, partner]] * 10
        times += [5 * DAY] * 10
    orders += [[A, C]] * 6
    times += [300 * DAY] * 6
    orders += [[20 + i, 40 + i] for i in range(134)]  # filler pairs of their own, spread over the year
    times += [float(t) for t in np.linspace(10 * DAY, 340 * DAY, 134)]
    orders += [[A, C]] * 10
    times += [359 * DAY] * 10
    order_ids = np.repeat(np.arange(1, len(orders) + 1), [len(o) for o in orders])
    product_ids = np.array([p for o in orders for p in o], dtype=np.int64)
    return History(order_ids, product_ids, np.arange(1, len(orders) + 1), np.array(times))


def test_the_tuning_picks_a_recency_half_life_when_the_newest_orders_clearly_follow_the_recent_ones():
    # given: 200 orders, the newest 5% (the ten A+C orders) held out
    split = split_holdout(recency_history(), end=360 * DAY)
    assert set(split.item_ids[split.holdout.indices].tolist()) == {A, C} and split.holdout.shape[0] == 10

    # when
    result = backtest(split=split, default=Setting(0.5, None, 0.0), recency_start=0.0, recency_end=360 * DAY)

    # then: without recency A's three partners are B's (a miss), with it C comes first
    assert result.figures["default"].hit3 == pytest.approx(0.5)
    assert result.chosen.half_life_days is not None and result.figures["chosen"].hit3 == pytest.approx(1.0)
    assert result.chosen == result.best and result.queries == 20 and result.orders == 10


def test_the_tuning_keeps_the_default_when_no_setting_beats_it_by_more_than_one_standard_error():
    # given: undated orders (recency cannot matter) where every setting ranks alike
    history = recency_history()
    history = History(history.order_ids, history.product_ids, history.times_order_ids, np.zeros(len(history.times)))
    split = split_holdout(history, end=1.0)
    grid = [Setting(0.5, None, 0.0), Setting(0.5, 60.0, 0.0), Setting(1.0, None, 0.0)]

    # when
    result = backtest(split=split, default=grid[0], recency_start=0.0, recency_end=1.0, grid=grid)

    # then
    assert result.chosen == grid[0]


def now_minus(days):
    return timezone.now() - dt.timedelta(days=days)


def test_a_snapshot_that_only_looks_good_in_sample_is_refused_by_the_gate(settings, products):
    settings.COPURCHASE_QUALITY_MIN_QUERIES = 20
    settings.COPURCHASE_WINDOW_DAYS = 30
    a, b, c1, c2, c3, c4, *_ = products
    # given: the live snapshot learnt a+b from a 30-day window
    place_baskets([[a, b]] * 3, placed_at=now_minus(10))
    live = copurchase_refresh()
    # ... then a+b orders keep coming (the gate's questions, which live never saw) ...
    place_baskets([[a, b]] * 20, placed_at=timezone.now())
    # ... and the next refresh reaches back to a year that holds an old import pairing a with c1..c4
    place_baskets([[a, c] for c in (c1, c2, c3, c4)] * 5, placed_at=now_minus(200))
    settings.COPURCHASE_WINDOW_DAYS = 365

    refused = copurchase_refresh(full=True)

    # then: its published lists, which saw the new a+b orders, pass an in-sample check ...
    published = snapshot_lists(refused, product_ids={a, b}, k=GATE_K)
    assert hit_rate(published, [{a, b}] * 20) == (1.0, 40)
    assert refused.status == Snapshot.Status.REJECTED, refused.quality
    # ... but without those orders a's first partners are c's: half the questions missed
    assert refused.quality["new_hit_rate"] == pytest.approx(0.5) and refused.quality["live_hit_rate"] == 1.0
    assert "neither snapshot was built from" in refused.note
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live


def recent_pairs_history(products):
    """A with B1..B4 long ago, with C lately and in the newest orders (test_tuning's recency story, in the DB)."""
    a, c, b1, b2, b3, b4, *_ = products
    for partner in (b1, b2, b3, b4):
        place_baskets([[a, partner]] * 10, placed_at=now_minus(300))
    place_baskets([[a, c]] * 6, placed_at=now_minus(40))
    place_baskets([[a, c]] * 3, placed_at=now_minus(1))
    return a, c


def test_a_full_refresh_records_its_back_test_and_the_nightly_run_keeps_the_chosen_setting(products):
    a, c = recent_pairs_history(products)

    full = copurchase_refresh(full=True)
    place_baskets([[a, c]], placed_at=timezone.now())
    nightly = copurchase_refresh()

    assert full.backtest["chosen"]["half_life_days"] and full.params["half_life_days"] == full.backtest["chosen"]["half_life_days"]
    assert full.backtest["figures"]["chosen"]["hit3"] > full.backtest["figures"]["default"]["hit3"]
    assert nightly.mode == Snapshot.Mode.INCREMENTAL and nightly.backtest["reused_from"] == full.pk
    assert {k: nightly.params[k] for k in ("gamma", "alpha", "half_life_days", "decay_landmark")} == {
        k: full.params[k] for k in ("gamma", "alpha", "half_life_days", "decay_landmark")}


@pytest.mark.django_db
def test_staff_see_the_chosen_setting_the_back_test_figures_and_the_chart(products, client, django_assert_max_num_queries):
    recent_pairs_history(products)
    snapshots = [copurchase_refresh(full=True) for _ in range(3)]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_assert_max_num_queries(25):
        changelist = client.get(reverse("admin:copurchase_snapshot_changelist")).content.decode()
    detail = client.get(reverse("admin:copurchase_snapshot_change", args=[snapshots[-1].pk])).content.decode()

    assert "data-backtest-chart" in changelist and changelist.count("<polyline") == 3
    assert "Back-test hit@3 (co-count)" in changelist and "Quality gate of the live snapshot" in changelist
    assert "recency half-life" in detail and "Plain co-count" in detail and "held-out cart-sized orders" in detail


def test_evaluate_recommendations_prints_tuned_and_baselines_for_a_groceries_file(tmp_path):
    path = tmp_path / "baskets.csv"
    rows = ["milk,bread", "milk,bread,eggs", "beer,crisps", "beer,crisps,nuts", "milk,eggs"] * 40
    path.write_text("\n".join(rows) + "\n")
    out = StringIO()

    call_command("evaluate_recommendations", f"--groceries={path}", "--no-ease", stdout=out)

    text = out.getvalue()
    assert "random 80/20, seed 42" in text and "tuned: γ=" in text
    table = {line.split()[0]: line.split() for line in text.splitlines() if line[:1].isalpha() and len(line.split()) == 7}
    assert {"tuned", "chosen", "cocount", "popularity"} <= set(table)
    assert "cart-sized hit@3: tuned" in text


def test_the_best_setting_replaces_the_default_only_when_it_wins_by_more_than_one_standard_error():
    default, better = Setting(0.5, None, 0.0), Setting(1.0, 60.0, 0.2)
    order = np.repeat(np.arange(100), 2)  # 100 orders of two questions
    baseline = np.tile([True, False], 100)

    def choose(wins: int, losses: int = 0):
        improved = baseline.copy()
        improved[1 : 2 * wins : 2] = True  # the second question of the first `wins` orders
        improved[198 - 2 * losses + 2 :: 2][:losses] = False  # the first question of the last `losses` orders
        return one_standard_error_choice(hits={default: baseline, better: improved}, grid=[default, better],
                                         default=default, order=order)

    # two orders won, one lost, of 100: +0.5 points, within one SE (about 0.9)
    chosen, best, se = choose(2, losses=1)
    assert best == better and chosen == default and se > 0.005
    # twenty won: 10 points, far beyond it
    chosen, best, se = choose(20)
    assert chosen == better and se < 0.05


def test_the_nightly_counts_with_recency_weights_equal_a_recount_of_the_window_with_the_same_weights(products):
    a, c = recent_pairs_history(products)
    full = copurchase_refresh(full=True)
    assert full.params["half_life_days"]  # the back-test chose a recency weight
    place_baskets([[a, c], [a, products[2]]], placed_at=timezone.now())

    nightly = copurchase_refresh()

    recency = Recency.from_params(nightly.params)
    order_ids, product_ids = load_lines(window_start=nightly.window_start, window_end=nightly.window_end)
    ids, times = load_order_times(window_start=nightly.window_start, window_end=nightly.window_end)
    recount = count_lines(order_ids=order_ids, product_ids=product_ids, gamma=nightly.params["gamma"],
                          multiplier_of=multiplier_lookup(recency, order_ids=ids, placed=times))
    assert nightly.mode == Snapshot.Mode.INCREMENTAL
    assert counts_of_snapshot(nightly)[0].equals(recount)
    assert recount.weighted.max() > recount.pairs.max() * 4096  # the newest orders weigh more than the size weight alone
