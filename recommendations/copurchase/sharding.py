"""A full refresh split over order-id ranges, for a Celery chord (the tasks are in tasks.py).

Map: each shard counts the orders of its id range and saves its partial counts (npz) in
ShardCounts. Reduce: sum the partials, then the same scoring, gate and publish as a
single-process run. Orders are partitioned, and counts are exact integers, so the sum is
bit for bit the single-process count and the snapshot is identical.

The refresh lease is held across the chord by the run id and released by the reduce step;
if the whole chord is lost the lease expires and the next refresh marks the snapshot failed.

A worker lost in the middle of a shard does not lose the run. Shard tasks are acks_late:
their message stays unacknowledged in Redis until the shard's counts are saved. A pool
child that dies (the OOM killer's usual victim) is requeued at once by its parent
(reject_on_worker_lost); a whole worker that dies leaves the message to the broker, which
hands it to another worker once CELERY_VISIBILITY_TIMEOUT has passed (kept below
COPURCHASE_LOCK_SECONDS, so the redelivery lands while the run still holds its lease). The
redelivered shard counts the same id range again and overwrites its own row. The reduce
step publishes only when every shard of the plan has saved its counts: a snapshot is never
built from part of the orders (`ShardsMissing`).

Whether a refresh is sharded at all is decided here too (`refresh_should_shard`): above
COPURCHASE_SHARD_ABOVE_ORDERS orders in the window the counting is spread over the workers
instead of one process.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.utils import timezone

from .counting import COUNT_BITS, COUNT_MASK, MAX_ORDERS_PER_COUNT, Counts, count_lines, relabel
from .incremental import Build
from .lease import LeaseBusy, lease_acquire, lease_release
from .loading import load_lines, order_id_bounds
from .models import ShardCounts, Snapshot
from .pruning import snapshots_fail_abandoned
from .refresh import refresh_window, score_params, snapshot_finish, snapshot_start
from .timing import Timer


class ShardsMissing(RuntimeError):
    """The reduce step found fewer shards' counts than the plan made."""


@dataclass(frozen=True)
class ShardPlan:
    run_id: str
    snapshot_id: int
    ranges: list[tuple[int, int]]
    window_start: dt.datetime
    window_end: dt.datetime
    gamma: float
    started_at: float


def refresh_should_shard(*, now: dt.datetime | None = None) -> bool:
    """Whether a refresh run now should fan out into a chord: more than
    COPURCHASE_SHARD_ABOVE_ORDERS counted orders in its window."""
    window_start, window_end = refresh_window(now or timezone.now())
    orders = order_id_bounds(window_start=window_start, window_end=window_end)[2]
    return orders > settings.COPURCHASE_SHARD_ABOVE_ORDERS


def shard_ranges(*, lo: int, hi: int, count: int, shard_orders: int) -> list[tuple[int, int]]:
    """Half-open id ranges [a, b) covering lo..hi, about `shard_orders` orders each."""
    if count == 0:
        return [(lo, hi + 1)]
    shards = max(1, math.ceil(count / shard_orders))
    edges = [lo + (hi + 1 - lo) * i // shards for i in range(shards + 1)]
    return [(edges[i], edges[i + 1]) for i in range(shards) if edges[i] < edges[i + 1]]


def sharded_refresh_start(*, now: dt.datetime | None = None, shard_orders: int | None = None) -> ShardPlan:
    """Take the lease and set the snapshot aside; the caller runs the chord."""
    run_id = uuid.uuid4().hex
    if not lease_acquire(holder=run_id, seconds=settings.COPURCHASE_LOCK_SECONDS):
        raise LeaseBusy("another co-purchase refresh is running")
    try:
        snapshots_fail_abandoned()
        params = score_params()
        window_start, window_end = refresh_window(now or timezone.now())
        snapshot = snapshot_start(
            mode=Snapshot.Mode.SHARDED, window_start=window_start, window_end=window_end, params=params, base=None, holder=run_id
        )
        lo, hi, count = order_id_bounds(window_start=window_start, window_end=window_end)
        ranges = shard_ranges(lo=lo, hi=hi, count=count, shard_orders=shard_orders or settings.COPURCHASE_SHARD_ORDERS)
        snapshot.params["shards"] = len(ranges)
        Snapshot.objects.filter(pk=snapshot.pk).update(params=snapshot.params)
    except BaseException:
        lease_release(holder=run_id)
        raise
    return ShardPlan(run_id, snapshot.pk, ranges, window_start, window_end, params.gamma, time.time())


def shard_count(
    *, run_id: str, shard: int, id_range: tuple[int, int], window_start: dt.datetime, window_end: dt.datetime, gamma: float,
    snapshot_id: int | None = None,
) -> int | None:
    """Count one shard and store its partial counts (idempotent: a redelivery overwrites).

    A shard redelivered after its run was given up (failed, or published without it: it
    cannot be) does nothing: None."""
    if snapshot_id is not None and not Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.BUILDING).exists():
        return None
    order_ids, product_ids = load_lines(window_start=window_start, window_end=window_end, id_range=id_range)
    counts = count_lines(order_ids=order_ids, product_ids=product_ids, gamma=gamma)
    ShardCounts.objects.update_or_create(run_id=run_id, shard=shard, defaults={"data": counts.to_bytes()})
    return counts.n_orders


def sharded_refresh_finish(*, run_id: str, snapshot_id: int, started_at: float) -> Snapshot | None:
    """Sum the shards and publish; a repeated reduce for a finished run does nothing."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.BUILDING).first()
    if snapshot is None:
        ShardCounts.objects.filter(run_id=run_id).delete()
        return None
    params = score_params()
    timer = Timer()
    try:
        with timer("merge"):
            counts = shards_merge(run_id=run_id, shards=snapshot.params.get("shards"), gamma=params.gamma)
        snapshot = snapshot_finish(
            snapshot=snapshot, build=Build(counts=counts), params=params, timer=timer,
            started=time.perf_counter() - (time.time() - started_at), holder=run_id,
        )
    except BaseException as exc:
        Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.BUILDING).update(
            status=Snapshot.Status.FAILED, note=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    finally:
        ShardCounts.objects.filter(run_id=run_id).delete()
        lease_release(holder=run_id)
    return snapshot


def shards_merge(*, run_id: str, shards: int | None, gamma: float) -> Counts:
    """The sum of the run's partial counts; ShardsMissing unless all `shards` are there."""
    saved = ShardCounts.objects.filter(run_id=run_id)
    if shards is not None:
        present = set(saved.values_list("shard", flat=True))
        missing = sorted(set(range(shards)) - present)
        if missing:
            raise ShardsMissing(f"shards {missing} of {shards} have no counts")
    rows = saved.order_by("shard").values_list("data", flat=True).iterator(chunk_size=1)
    return counts_sum((Counts.from_bytes(data) for data in rows), gamma=gamma)


@dataclass(frozen=True)
class _Packed:
    """Counts of real orders with both matrices in one, as the counting packs them
    (counting.py: weight << COUNT_BITS + count): one sparse sum per addition, not two."""

    item_ids: np.ndarray
    item_counts: np.ndarray
    packed: sp.csr_matrix
    n_orders: int

    @classmethod
    def of(cls, counts: Counts) -> _Packed:
        p, w = counts.pairs.tocsr(), counts.weighted.tocsr()
        if not (np.array_equal(p.indptr, w.indptr) and np.array_equal(p.indices, w.indices)):
            raise ValueError("shard counts whose pairs and weights differ in structure")
        if len(p.data) and (p.data.min() < 0 or w.data.min() < 0):
            raise ValueError("shard counts cannot be negative")
        data = (w.data.astype(np.int64) << COUNT_BITS) | p.data.astype(np.int64)
        return cls(counts.item_ids, counts.item_counts, sp.csr_matrix((data, p.indices, p.indptr), shape=p.shape),
                   counts.n_orders)

    def __add__(self, other: _Packed) -> _Packed:
        item_ids = np.union1d(self.item_ids, other.item_ids)
        n = len(item_ids)
        sides = []
        for side in (self, other):
            if len(side.item_ids) == n:
                sides.append((side.item_counts, side.packed))
                continue
            pos = np.searchsorted(item_ids, side.item_ids)
            item_counts = np.zeros(n, np.int64)
            item_counts[pos] = side.item_counts
            sides.append((item_counts, relabel(side.packed, pos, n)))
        (ac, ap), (bc, bp) = sides
        if self.n_orders + other.n_orders > MAX_ORDERS_PER_COUNT:  # a pair's count would carry into its weight
            raise ValueError(f"more than {MAX_ORDERS_PER_COUNT} orders in one window cannot be summed packed")
        return _Packed(item_ids, ac + bc, (ap + bp).tocsr(), self.n_orders + other.n_orders)

    def counts(self, *, gamma: float) -> Counts:
        m = self.packed
        pairs = sp.csr_matrix((m.data & COUNT_MASK, m.indices, m.indptr), shape=m.shape)
        weighted = sp.csr_matrix((m.data >> COUNT_BITS, m.indices, m.indptr), shape=m.shape)
        return Counts(self.item_ids, self.item_counts, pairs, weighted, self.n_orders, gamma)


def counts_sum(partials: Iterable[Counts], *, gamma: float) -> Counts:
    """The sum, as a binary counter adds: two sums of equal numbers of shards are added as
    soon as both exist. Each pair's row is added about log2(shards) times instead of once
    per shard (a running total re-adds the whole sum for every shard), and at most one sum
    per power of two is held at once. Both counts of a pair are added as one packed
    integer, as the counting made them."""
    stack: list[tuple[int, _Packed]] = []
    for partial in partials:
        size, packed = 1, _Packed.of(partial)
        while stack and stack[-1][0] == size:
            below, other = stack.pop()
            size, packed = size + below, other + packed
        stack.append((size, packed))
    if not stack:
        return Counts.empty(gamma=gamma)
    total = stack.pop()[1]
    while stack:
        total = stack.pop()[1] + total
    return total.counts(gamma=gamma)


def sharded_refresh_abort(*, run_id: str, snapshot_id: int, reason: str) -> None:
    Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.BUILDING).update(
        status=Snapshot.Status.FAILED, note=reason[:2000]
    )
    ShardCounts.objects.filter(run_id=run_id).delete()
    lease_release(holder=run_id)
