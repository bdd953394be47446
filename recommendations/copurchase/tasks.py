"""Celery tasks of the co-purchase engine: thin wrappers that take plain values and call a service.

`refresh_copurchase` is what the beat schedule runs nightly and what "Refresh now" enqueues.
All tasks are acks_late (a worker lost mid-run leaves the message to be redelivered) and
idempotent: a refresh requested at T does nothing if a snapshot built after T is already
live; a shard overwrites its own partial counts; a reduce for a finished run is a no-op.

The tasks keep the names they were registered under when they lived in
`recommendations/tasks.py`: beat entries and messages already queued name them so.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from .lease import LeaseBusy
from .refresh import copurchase_refresh, refresh_is_due
from .sharding import (
    refresh_should_shard,
    shard_count,
    sharded_refresh_abort,
    sharded_refresh_finish,
    sharded_refresh_start,
)

logger = logging.getLogger(__name__)

# While another refresh holds the lease, try again every COPURCHASE_BUSY_RETRY_SECONDS, a few times.
BUSY_RETRIES = 10


@shared_task(name="recommendations.tasks.refresh_copurchase", bind=True, acks_late=True, max_retries=BUSY_RETRIES)
def refresh_copurchase(self, *, full: bool = False, requested_at: str | None = None, sharded: bool | None = None):
    requested = dt.datetime.fromisoformat(requested_at) if requested_at else timezone.now()
    if not refresh_is_due(requested_at=requested):
        return "up to date"
    if sharded is None:
        sharded = refresh_should_shard()
    try:
        if sharded:
            return start_sharded_refresh()
        snapshot = copurchase_refresh(full=full)
    except LeaseBusy:
        if self.request.is_eager:
            return "busy"
        countdown = settings.COPURCHASE_BUSY_RETRY_SECONDS
        logger.info("copurchase refresh busy; retrying in %ss", countdown)
        raise self.retry(countdown=countdown, kwargs={"full": full, "requested_at": requested.isoformat()})
    return f"snapshot {snapshot.pk} {snapshot.status}"


def start_sharded_refresh(*, shard_orders: int | None = None) -> str:
    """Set the snapshot aside and start the chord (shards, then the reduce); called by
    `refresh_copurchase` and by `refresh_recommendations --sharded`."""
    plan = sharded_refresh_start(shard_orders=shard_orders)
    window = {"window_start": plan.window_start.isoformat(), "window_end": plan.window_end.isoformat()}
    header = [
        count_copurchase_shard.s(run_id=plan.run_id, shard=i, lo=lo, hi=hi, gamma=plan.gamma, **window)
        for i, (lo, hi) in enumerate(plan.ranges)
    ]
    body = reduce_copurchase_shards.s(run_id=plan.run_id, snapshot_id=plan.snapshot_id, started_at=plan.started_at)
    try:
        chord(header)(body)
    except Exception as exc:
        sharded_refresh_abort(run_id=plan.run_id, snapshot_id=plan.snapshot_id, reason=f"chord not started: {exc}")
        raise
    return f"snapshot {plan.snapshot_id} sharded into {len(plan.ranges)}"


@shared_task(name="recommendations.tasks.count_copurchase_shard", acks_late=True)
def count_copurchase_shard(*, run_id: str, shard: int, lo: int, hi: int, window_start: str, window_end: str, gamma: float):
    return shard_count(
        run_id=run_id,
        shard=shard,
        id_range=(lo, hi),
        window_start=dt.datetime.fromisoformat(window_start),
        window_end=dt.datetime.fromisoformat(window_end),
        gamma=gamma,
    )


@shared_task(name="recommendations.tasks.reduce_copurchase_shards", acks_late=True)
def reduce_copurchase_shards(shard_orders, *, run_id: str, snapshot_id: int, started_at: float):
    snapshot = sharded_refresh_finish(run_id=run_id, snapshot_id=snapshot_id, started_at=started_at)
    return f"snapshot {snapshot.pk} {snapshot.status}" if snapshot else "already finished"
