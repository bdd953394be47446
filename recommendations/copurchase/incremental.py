"""The counts a new snapshot is built from: its window counted whole, or (the nightly run)
the live snapshot's stored counts plus the orders placed since, minus those that have left
the window.

Counts are additive and exact (counting.py), so the incremental result equals a full
recount of the same orders. Orders cancelled after they were counted are the one thing an
incremental run cannot see, so `incremental_base` asks for a full recount every
COPURCHASE_FULL_EVERY_DAYS days. An incremental run stores only its delta (added minus
expired orders), chained to its base's counts (models.SnapshotCounts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from .counting import Counts, count_lines
from .loading import load_lines, load_order_times
from .models import Snapshot, SnapshotCounts
from .recency import Recency, multiplier_lookup
from .scoring import ScoreParams
from .timing import Timer

# Deltas chained on one full count before an incremental run stores its counts whole
# again. The weekly full rebuild usually restarts the chain long before.
COUNTS_MAX_CHAIN = 14


@dataclass(frozen=True)
class Build:
    """The counts of a new snapshot's window and, for an incremental run, how it got them."""

    counts: Counts
    base: Snapshot | None = None
    delta: Counts | None = None  # added minus expired orders: what is stored, chained to base


def incremental_base(*, window_start: dt.datetime, window_end: dt.datetime, params: ScoreParams) -> Snapshot | None:
    """The live snapshot if the new one can be derived from its counts, else None (full).

    The incremental run keeps the base's tuned parameters (its γ, α and recency weights), so
    it only needs the settings they were tuned from (`params`: the defaults) unchanged."""
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()
    if live is None or not SnapshotCounts.objects.filter(snapshot=live).exists():
        return None
    full_at = dt.datetime.fromisoformat(live.params.get("full_built_at", "1970-01-01T00:00:00+00:00"))
    # Snapshots from before the tuning have no "tuned_from": their own γ was the default.
    tuned_from = live.params.get("tuned_from") or {"gamma": live.params.get("gamma"), "alpha": live.params.get("alpha")}
    same_weights = tuned_from.get("gamma") == params.gamma and tuned_from.get("alpha") == params.alpha
    if (
        not same_weights
        or window_start < live.window_start
        or window_start > live.window_end  # a gap: orders in between were never counted
        or window_end < live.window_end
        or window_end - full_at > dt.timedelta(days=settings.COPURCHASE_FULL_EVERY_DAYS)
    ):
        return None
    return live


def counts_of_window(
    *, window_start: dt.datetime, window_end: dt.datetime, gamma: float, progress=None, timer: Timer | None = None,
    recency: Recency | None = None,
) -> Counts:
    """Read and count the counted orders placed in [window_start, window_end)."""
    timer = timer or Timer()
    with timer("read"):
        order_ids, product_ids = load_lines(window_start=window_start, window_end=window_end, progress=progress)
        lookup = None
        if recency is not None:
            ids, times = load_order_times(window_start=window_start, window_end=window_end)
            lookup = multiplier_lookup(recency, order_ids=ids, placed=times)
    with timer("count"):
        return count_lines(order_ids=order_ids, product_ids=product_ids, gamma=gamma, multiplier_of=lookup)


def counts_of_snapshot(snapshot: Snapshot) -> tuple[Counts, int]:
    """A snapshot's raw counts, following its chain of deltas; and the chain's length."""
    links, current = [], snapshot.pk
    while current is not None:
        base_id, data = SnapshotCounts.objects.values_list("base_id", "data").get(snapshot_id=current)
        links.append(data)
        current = base_id
        if len(links) > COUNTS_MAX_CHAIN + 1:
            raise ValueError(f"the counts of snapshot #{snapshot.pk} chain more than {COUNTS_MAX_CHAIN} deltas")
    counts = Counts.from_bytes(links[-1])
    deltas = [Counts.from_bytes(data) for data in links[:-1]]
    if deltas:
        # Small with small first: the big matrix is walked once.
        total = deltas[0]
        for delta in deltas[1:]:
            total = total + delta
        counts = counts.apply(total)
    return counts, len(links) - 1


def counts_incremental(
    *, base: Snapshot, window_start: dt.datetime, window_end: dt.datetime, gamma: float, timer: Timer | None = None,
    recency: Recency | None = None,
) -> Build:
    """The base's counts, plus the orders placed since its window ended, minus those placed
    before the new window starts. Reads only those orders' lines."""
    timer = timer or Timer()
    with timer("read_base"):
        counts, chained = counts_of_snapshot(base)
    added = counts_of_window(window_start=base.window_end, window_end=window_end, gamma=gamma, timer=timer,
                             recency=recency)
    expired = counts_of_window(window_start=base.window_start, window_end=window_start, gamma=gamma, timer=timer,
                               recency=recency)
    with timer("count"):
        delta = added.delta_to(expired)
        counts = counts.apply(delta)
    return Build(
        counts=counts,
        base=base,
        delta=delta if chained < COUNTS_MAX_CHAIN else None,
    )
