"""Recency weights on the counts: newer orders weigh more, and counts stay additive.

Forward decay (Cormode et al. 2009): an order's weight grows with its age since a fixed
landmark, 2^((t − landmark)/half-life), instead of shrinking with its age at scoring time.
A ranking only compares scores of one night, so the growth is as good as a decay, and an
order's weight never changes once counted: the incremental run subtracts exactly what it
added. The landmark is the window start of the last full build (its params carry it).

The time is taken in buckets of the window (a quarter of it each), so a weight is one of a
few integers: the tuning (tuning.py) counts the training orders once per bucket and derives
every half-life from those counts, and a half-life it picks gives the published counts
exactly the weights it was scored with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BUCKETS_PER_WINDOW = 4
# A weight is an integer multiple of 1/DECAY_SCALE of the oldest bucket's, and at most
# 2^MAX_DOUBLINGS times it: with the size weight's 12 bits, 2^22 per order, so a pair's
# packed weighted count (39 bits, counting.py) holds over 100,000 of its newest orders.
DECAY_SCALE = 4
MAX_DOUBLINGS = 8


@dataclass(frozen=True)
class Recency:
    half_life_days: float | None
    landmark: float  # epoch seconds: the window start of the last full build
    bucket_seconds: float

    def buckets(self, placed: np.ndarray) -> np.ndarray:
        """The bucket (0 = the oldest) of each order time (epoch seconds)."""
        age = (np.asarray(placed, dtype=np.float64) - self.landmark) / max(self.bucket_seconds, 1.0)
        return np.clip(np.floor(age), 0, None).astype(np.int64)

    def bucket_multipliers(self, n_buckets: int) -> np.ndarray:
        """The integer weight of each bucket 0..n_buckets-1 (all 1 without a half-life)."""
        if not self.half_life_days:
            return np.ones(n_buckets, dtype=np.int64)
        doublings = np.arange(n_buckets) * self.bucket_seconds / (self.half_life_days * 86400)
        return np.rint(DECAY_SCALE * np.exp2(np.minimum(doublings, MAX_DOUBLINGS))).astype(np.int64)

    def multipliers(self, placed: np.ndarray) -> np.ndarray:
        buckets = self.buckets(placed)
        top = int(buckets.max()) + 1 if len(buckets) else 1
        return self.bucket_multipliers(top)[buckets]

    def as_params(self) -> dict:
        return {"half_life_days": self.half_life_days, "decay_landmark": self.landmark,
                "decay_bucket_seconds": self.bucket_seconds}

    @classmethod
    def for_window(cls, *, half_life_days: float | None, window_start: float, window_end: float) -> Recency:
        return cls(half_life_days, float(window_start), max((window_end - window_start) / BUCKETS_PER_WINDOW, 1.0))

    @classmethod
    def from_params(cls, params: dict) -> Recency | None:
        if not params.get("half_life_days"):
            return None
        return cls(float(params["half_life_days"]), float(params["decay_landmark"]), float(params["decay_bucket_seconds"]))


def multiplier_lookup(recency: Recency | None, *, order_ids: np.ndarray, placed: np.ndarray) -> Callable | None:
    """For count_lines: ascending order ids -> their multipliers, from (order id, epoch
    seconds) pairs; None when no recency weight applies (every order weighs the same)."""
    if recency is None or not recency.half_life_days:
        return None
    sort = np.argsort(order_ids, kind="stable")
    ids, times = np.asarray(order_ids)[sort], np.asarray(placed)[sort]

    def lookup(wanted: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(ids, wanted), 0, max(len(ids) - 1, 0))
        if len(wanted) and not np.array_equal(ids[pos], wanted):
            raise ValueError("an order's time is missing from the recency lookup")
        return recency.multipliers(times[pos])

    return lookup
