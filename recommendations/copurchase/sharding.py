"""A full refresh split over order-id ranges, for a Celery chord (the tasks are in tasks.py).

Map: each shard counts the orders of its id range and saves its partial counts (npz) in
ShardCounts. Reduce: sum the partials, then the same scoring, gate and publish as a
single-process run. Orders are partitioned, and counts are exact integers, so the sum is
bit for bit the single-process count and the snapshot is identical.

The refresh lease is held across the chord by the run id and released by the reduce step;
if a worker dies the lease expires and the next refresh marks the snapshot failed.

Whether a refresh is sharded at all is decided here too (`refresh_should_shard`): above
COPURCHASE_SHARD_ABOVE_ORDERS orders in the window the counting is spread over the workers
instead of one process.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .counting import Counts, count_lines
from .incremental import Build
from .lease import LeaseBusy, lease_acquire, lease_release
from .loading import load_lines, order_id_bounds
from .models import ShardCounts, Snapshot
from .pruning import snapshots_fail_abandoned
from .refresh import refresh_window, score_params, snapshot_finish, snapshot_start
from .timing import Timer


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
    except BaseException:
        lease_release(holder=run_id)
        raise
    return ShardPlan(run_id, snapshot.pk, ranges, window_start, window_end, params.gamma, time.time())


def shard_count(
    *, run_id: str, shard: int, id_range: tuple[int, int], window_start: dt.datetime, window_end: dt.datetime, gamma: float
) -> int:
    """Count one shard and store its partial counts (idempotent: a redelivery overwrites)."""
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
            counts = Counts.empty(gamma=params.gamma)
            for data in ShardCounts.objects.filter(run_id=run_id).order_by("shard").values_list("data", flat=True):
                counts = counts + Counts.from_bytes(data)
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


def sharded_refresh_abort(*, run_id: str, snapshot_id: int, reason: str) -> None:
    Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.BUILDING).update(
        status=Snapshot.Status.FAILED, note=reason[:2000]
    )
    ShardCounts.objects.filter(run_id=run_id).delete()
    lease_release(holder=run_id)
