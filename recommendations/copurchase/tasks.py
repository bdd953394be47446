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

from .lease import LeaseBusy, lease_holder
from .refresh import copurchase_refresh, refresh_is_due
from .sharding import (
    refresh_should_shard,
    shard_count,
    sharded_refresh_abort,
    sharded_refresh_finish,
    sharded_refresh_start,
)

logger = logging.getLogger(__name__)



def busy_retry_countdown(*, now: dt.datetime) -> int:
    """Seconds until a busy refresh should try again: just after the holder's lease would
    lapse (a dead holder's lease lapses within COPURCHASE_LEASE_SECONDS, a live one's
    keeps being renewed), at most COPURCHASE_BUSY_RETRY_SECONDS."""
    longest = settings.COPURCHASE_BUSY_RETRY_SECONDS
    lease = lease_holder()
    if lease is None or lease.expires_at is None:
        return 1
    return max(1, min(longest, int((lease.expires_at - now).total_seconds()) + 1))


# Retries are bounded by time (COPURCHASE_BUSY_GIVE_UP_SECONDS after the request), not count:
# they must outlast whatever holds the lease, however often they come.
@shared_task(name="recommendations.tasks.refresh_copurchase", bind=True, acks_late=True, max_retries=None)
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
        now = timezone.now()
        if now - requested > dt.timedelta(seconds=settings.COPURCHASE_BUSY_GIVE_UP_SECONDS):
            logger.warning("copurchase refresh requested at %s still busy; giving up", requested.isoformat())
            return "busy: gave up"
        countdown = busy_retry_countdown(now=now)
        logger.info("copurchase refresh busy; retrying in %ss", countdown)
        raise self.retry(countdown=countdown, kwargs={"full": full, "requested_at": requested.isoformat()})
    return f"snapshot {snapshot.pk} {snapshot.status}"


def start_sharded_refresh(*, shard_orders: int | None = None) -> str:
    """Set the snapshot aside and start the chord (shards, then the reduce); called by
    `refresh_copurchase` and by `refresh_recommendations --sharded`."""
    plan = sharded_refresh_start(shard_orders=shard_orders)
    window = {"window_start": plan.window_start.isoformat(), "window_end": plan.window_end.isoformat()}
    header = [
        count_copurchase_shard.s(
            run_id=plan.run_id, snapshot_id=plan.snapshot_id, shard=i, lo=lo, hi=hi, gamma=plan.gamma, **window
        )
        for i, (lo, hi) in enumerate(plan.ranges)
    ]
    body = reduce_copurchase_shards.s(run_id=plan.run_id, snapshot_id=plan.snapshot_id, started_at=plan.started_at)
    try:
        chord(header)(body)
    except Exception as exc:
        sharded_refresh_abort(run_id=plan.run_id, snapshot_id=plan.snapshot_id, reason=f"chord not started: {exc}")
        raise
    return f"snapshot {plan.snapshot_id} sharded into {len(plan.ranges)}"


# A shard whose worker dies is counted again elsewhere (see sharding.py): acknowledged only
# once its counts are saved, requeued at once if its pool process is killed.
@shared_task(name="recommendations.tasks.count_copurchase_shard", acks_late=True, reject_on_worker_lost=True)
def count_copurchase_shard(
    *, run_id: str, shard: int, lo: int, hi: int, window_start: str, window_end: str, gamma: float,
    snapshot_id: int | None = None,
):
    return shard_count(
        run_id=run_id,
        snapshot_id=snapshot_id,
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
