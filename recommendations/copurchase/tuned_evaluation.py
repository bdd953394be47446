"""Offline evaluation of the tuned score (tuning.py) against its baselines, and the
Groceries data's reader and random split (the data has no dates)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np

from .counting import count_baskets
from .evaluation import CART_SIZES, Lines, hit_rates, lists_from_top, popularity_lists
from .recency import Recency
from .scoring import ScoreParams, score_counts
from .tuning import BackTest, History, Setting, backtest, split_baskets


def read_groceries(path: Path | str) -> Lines:
    """The Groceries baskets (one per line, items comma-separated) as undated orders 1..N."""
    orders, items = [], []
    item_ids: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            for item in filter(None, (name.strip() for name in line.split(","))):
                orders.append(number)
                items.append(item_ids.setdefault(item, len(item_ids) + 1))
    placed = np.zeros(len(orders), dtype="datetime64[s]")  # no dates: every order at one instant
    return Lines(np.array(orders, dtype=np.int64), np.array(items, dtype=np.int64), placed)


def random_split(lines: Lines, *, share: float = 0.2, seed: int = 42) -> tuple[Lines, Lines]:
    """Orders to the test side at random: one draw of random.Random(seed) per order, in the
    order of the file (first appearance), below `share` → test."""
    rng = random.Random(seed)
    orders, first = np.unique(lines.order_ids, return_index=True)
    in_file_order = orders[np.argsort(first, kind="stable")]
    test_orders = np.array([o for o in in_file_order.tolist() if rng.random() < share], dtype=np.int64)
    test = np.isin(lines.order_ids, test_orders)
    return lines._take(~test), lines._take(test)  # noqa: SLF001


def history_of(lines: Lines) -> History:
    orders, first = np.unique(lines.order_ids, return_index=True)
    return History(lines.order_ids, lines.product_ids, orders, lines.placed_at[first].astype(np.int64).astype(np.float64))


def evaluate_tuned(*, train: Lines, test: Lines, params: ScoreParams, k: int = 5) -> tuple[BackTest | None, dict]:
    """The refresh's tuning on the training orders (its own held-out part of them), then the
    chosen setting built on all training orders, beside the default score, plain co-count and
    popularity, all asked on the test orders."""
    history = history_of(train)
    start, end = float(history.times.min()), float(history.times.max()) + 1
    baskets, row_times = history.baskets()
    default = Setting(params.gamma, None, params.alpha)
    result = backtest(split=split_baskets(baskets, row_times, end=end), default=default, recency_start=start,
                      recency_end=end, min_count=params.min_count)
    chosen = result.chosen if result else default
    recency = Recency.for_window(half_life_days=chosen.half_life_days, window_start=start, window_end=end)
    item_ids = baskets.item_ids
    lists = {}
    for name, setting in (("tuned", chosen), ("default", default)):
        multipliers = recency.multipliers(row_times) if chosen.half_life_days and setting is chosen else None
        counts = count_baskets(baskets, gamma=setting.gamma, multipliers=multipliers)
        top = score_counts(counts, replace(params, gamma=setting.gamma, alpha=setting.alpha, top_k=k))
        lists[name] = lists_from_top(top, item_ids, k=k)
    counts = count_baskets(baskets, gamma=params.gamma)
    lists["cocount"] = lists_from_top(
        score_counts(counts, ScoreParams(min_count=params.min_count, top_k=k, method="cocount")), item_ids, k=k
    )
    lists["popularity"] = popularity_lists(counts.item_counts, k=k)
    return result, {
        name: {
            "all": hit_rates(lists=lst, item_ids=item_ids, test=test),
            "cart": hit_rates(lists=lst, item_ids=item_ids, test=test, sizes=CART_SIZES),
        }
        for name, lst in lists.items()
    }
