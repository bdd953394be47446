"""The tuning step of a full refresh: read the window once, back-test the grid on its newest
orders (tuning.py), count the whole window with the chosen setting.

An incremental run does not tune: it keeps its base's chosen setting (`base_setting`), whose
recency weights its counts were made with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .counting import count_baskets
from .incremental import Build
from .loading import load_lines
from .models import Snapshot
from .recency import Recency
from .scoring import ScoreParams
from .timing import Timer
from .tuning import BackTest, History, Setting, backtest, split_baskets


def tuned_params(params: ScoreParams, setting: Setting) -> ScoreParams:
    return replace(params, gamma=setting.gamma, alpha=setting.alpha)


def setting_params(*, defaults: ScoreParams, setting: Setting, recency: Recency | None) -> dict:
    """What a snapshot's params record of its setting (read back by `base_setting`)."""
    return {
        "gamma": setting.gamma, "alpha": setting.alpha,
        "tuned_from": {"gamma": defaults.gamma, "alpha": defaults.alpha},
        **(recency.as_params() if recency else {"half_life_days": None}),
    }


def base_setting(base: Snapshot, defaults: ScoreParams) -> tuple[Setting, Recency | None]:
    params = base.params
    setting = Setting(float(params.get("gamma", defaults.gamma)), params.get("half_life_days"),
                      float(params.get("alpha", defaults.alpha)))
    return setting, Recency.from_params(params)


def counts_tuned(
    *, window_start: dt.datetime, window_end: dt.datetime, defaults: ScoreParams, progress=None, timer: Timer,
) -> tuple[Build, Setting, Recency | None, BackTest | None]:
    """The window's counts with the setting the back-test chose (the default when there is
    nothing to back-test on), the setting, its recency weights and the back-test."""
    with timer("read"):
        order_times: list = []
        order_ids, product_ids = load_lines(
            window_start=window_start, window_end=window_end, progress=progress, order_times=order_times
        )
        ids, times = order_times
    start, end = window_start.timestamp(), window_end.timestamp()
    default = Setting(defaults.gamma, None, defaults.alpha)
    with timer("count"):  # the basket matrix, shared by the back-test and the count
        baskets, row_times = History(order_ids, product_ids, ids, times).baskets()
        del order_ids, product_ids
    with timer("tune"):
        split = split_baskets(baskets, row_times, end=end)
        result = backtest(split=split, default=default, recency_start=start, recency_end=end,
                          min_count=defaults.min_count)
        del split
    setting = result.chosen if result else default
    recency = Recency.for_window(half_life_days=setting.half_life_days, window_start=start, window_end=end)
    with timer("count"):
        multipliers = recency.multipliers(row_times) if setting.half_life_days else None
        counts = count_baskets(baskets, gamma=setting.gamma, multipliers=multipliers)
    return Build(counts=counts), setting, (recency if setting.half_life_days else None), result
