"""A refresh: build a co-purchase snapshot aside, gate it, and switch it live.

A refresh holds the refresh lease, builds a snapshot aside (status "building"), scores it
against the live one on the most recent orders, and switches it live in one transaction.
Whatever happens to the process meanwhile, the live snapshot is untouched until that
switch; the next refresh marks an abandoned "building" snapshot failed and starts over.

Nightly runs are incremental (incremental.py): the live snapshot's counts plus the night's
orders minus the expired ones, and a full recount every COPURCHASE_FULL_EVERY_DAYS days
(and on --full). Scoring and writing are the same for both: every product's list is
re-ranked and the rows COPY'd into a fresh partition, which proved faster than re-ranking
only the products of the night's orders and copying the others' rows inside the database.

`snapshot_finish` (score, write, gate, publish) is shared with the sharded refresh
(sharding.py), whose counts come from a Celery chord instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict

import zstandard
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from shop.orders.models import Order

from .background import in_background
from .incremental import Build, counts_incremental, counts_of_window, incremental_base
from .lease import LeaseBusy, lease_acquire, lease_release, lease_renew, new_holder
from .models import Snapshot, SnapshotCounts
from .publishing import snapshot_publish
from .pruning import snapshots_fail_abandoned, snapshots_prune
from .quality import GATE_K, quality_check, quality_questions
from .scoring import ScoreParams, score_counts
from .timing import Stage, Timer
from .writing import snapshot_rows_finish_in_background, write_snapshot_counts_in_background, write_snapshot_rows

logger = logging.getLogger(__name__)


def score_params() -> ScoreParams:
    return ScoreParams(
        min_count=settings.COPURCHASE_MIN_PAIR_COUNT,
        top_k=settings.COPURCHASE_TOP_K,
        gamma=settings.COPURCHASE_SIZE_GAMMA,
        alpha=settings.COPURCHASE_POPULARITY_ALPHA,
        method="weighted",
    )


def refresh_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window: COPURCHASE_WINDOW_DAYS up to the newest counted order, ending now.

    Anchoring the start at the newest order rather than at `now` changes nothing for a
    trading shop (its newest order is minutes old) but keeps a quiet shop's, or an
    imported history's, statistics from emptying out: the demo's orders end in 2011.
    """
    newest = Order.objects.counted().filter(placed_at__lte=now).aggregate(newest=Max("placed_at"))["newest"]
    anchor = min(newest, now) if newest else now
    return anchor - dt.timedelta(days=settings.COPURCHASE_WINDOW_DAYS), now


def refresh_is_due(*, requested_at: dt.datetime) -> bool:
    """False once a snapshot built after `requested_at` is live: that request is served
    (the task is idempotent, a redelivered or repeated request does nothing)."""
    return not Snapshot.objects.filter(status=Snapshot.Status.LIVE, window_end__gte=requested_at).exists()


def snapshot_start(
    *, mode: str, window_start, window_end, params: ScoreParams, base: Snapshot | None, holder: str
) -> Snapshot:
    full_built_at = (base.params.get("full_built_at") if base else None) or window_end.isoformat()
    return Snapshot.objects.create(
        status=Snapshot.Status.BUILDING,
        mode=mode,
        base=base,
        window_start=window_start,
        window_end=window_end,
        params={
            **asdict(params),
            "full_built_at": full_built_at,
            "window_days": settings.COPURCHASE_WINDOW_DAYS,
            "built_by": holder,  # host:pid:token of the process that built it
        },
    )


def copurchase_refresh(
    *, now: dt.datetime | None = None, full: bool = False, stage: Stage | None = None, progress=None
) -> Snapshot:
    """Build, gate and publish a snapshot in this process. Raises LeaseBusy if a refresh runs."""
    holder = new_holder()
    if not lease_acquire(holder=holder, seconds=settings.COPURCHASE_LOCK_SECONDS):
        raise LeaseBusy("another co-purchase refresh is running")
    snapshot = pruned_early = None
    try:
        started = time.perf_counter()
        snapshots_fail_abandoned()
        params = score_params()
        window_start, window_end = refresh_window(now or timezone.now())
        base = None if full else incremental_base(window_start=window_start, window_end=window_end, params=params)
        mode = Snapshot.Mode.INCREMENTAL if base else Snapshot.Mode.FULL
        snapshot = snapshot_start(
            mode=mode, window_start=window_start, window_end=window_end, params=params, base=base, holder=holder
        )
        # Dropping the rows of the snapshot that this one will push out (its partition on
        # PostgreSQL, its rows elsewhere) overlaps with the counting, on its own connection;
        # waited for before the switch. Should this build fail, one snapshot fewer is kept.
        pruned_early = in_background(
            snapshots_prune, keep=settings.COPURCHASE_KEEP_SNAPSHOTS - 1, exclude=[base.pk] if base else []
        )
        timer = Timer(stage)
        build = None
        if base:
            try:
                build = counts_incremental(
                    base=base, window_start=window_start, window_end=window_end, gamma=params.gamma, timer=timer
                )
            except (ValueError, KeyError, OSError, zlib.error, zstandard.ZstdError, SnapshotCounts.DoesNotExist) as exc:
                # Unreadable base (older format, corrupt, a pruned link): recount instead of failing the night.
                logger.warning("copurchase: base #%s unusable (%s); full recount", base.pk, exc)
                Snapshot.objects.filter(pk=snapshot.pk).update(mode=Snapshot.Mode.FULL, base=None)
                snapshot.mode, snapshot.base = Snapshot.Mode.FULL, None
        if build is None:
            build = Build(counts=counts_of_window(
                window_start=window_start, window_end=window_end, gamma=params.gamma, progress=progress, timer=timer
            ))
        _housekeeping(pruned_early)
        return snapshot_finish(snapshot=snapshot, build=build, params=params, timer=timer, started=started, holder=holder)
    except BaseException as exc:
        if pruned_early is not None:
            with suppress(Exception):
                pruned_early()  # no thread outlives its refresh (waiting twice is harmless)
        if snapshot is not None:
            Snapshot.objects.filter(pk=snapshot.pk, status=Snapshot.Status.BUILDING).update(
                status=Snapshot.Status.FAILED, note=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise
    finally:
        lease_release(holder=holder)


def _housekeeping(prune: Callable[[], object]) -> None:
    """Pruning old snapshots never fails a refresh: what it could not drop, the next run
    drops (and the failure is logged with its traceback)."""
    try:
        prune()
    except Exception:
        logger.exception("copurchase: pruning old snapshots failed; the next refresh tries again")


def snapshot_finish(
    *, snapshot: Snapshot, build: Build, params: ScoreParams, timer: Timer, started: float, holder: str
) -> Snapshot:
    """Score the counts, write them aside, gate and publish (or reject) the snapshot."""
    counts = build.counts
    # On their own connections, beside the scoring and the rows: the raw counts (their
    # compression runs on another core while this one scores), and what the quality gate
    # asks of the live snapshot (neither needs the new rows).
    counts_written = write_snapshot_counts_in_background(
        snapshot=snapshot, counts=build.delta if build.delta is not None else counts,
        base=build.base if build.delta is not None else None,
    )
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()
    questions = in_background(quality_questions, window_end=snapshot.window_end, live=live)
    rows_finished = None
    try:
        with timer("score"):
            top = score_counts(counts, params)
        if not lease_renew(holder=holder, seconds=settings.COPURCHASE_LOCK_SECONDS):
            raise LeaseBusy("the refresh lease expired during the build; another refresh took over")
        with timer("write"):
            row_count = write_snapshot_rows(snapshot=snapshot, top=top, counts=counts)
            rows_finished = snapshot_rows_finish_in_background(snapshot=snapshot)
        with timer("quality"):
            # The new lists are `top`, exactly as written: the gate asks them while the rows'
            # index is built.
            asked = questions()
            gate = quality_check(questions=asked, new_lists=top.lists(k=GATE_K, product_ids=asked.asked))
        with timer("write"):  # what is left of the index and the attach
            rows_finished()
    except BaseException:
        for wait in (counts_written, questions, rows_finished):
            if wait is not None:
                with suppress(Exception):
                    wait()  # no thread outlives its refresh
        raise
    with timer("write_counts"):  # what is left of it once the rows are written
        counts_written()
    snapshot.order_count = counts.n_orders
    snapshot.product_count = int((counts.item_counts > 0).sum())
    snapshot.pair_count = top.n_pairs
    snapshot.row_count = row_count
    snapshot.quality = gate.as_dict()
    snapshot.timings = timer.timings
    snapshot.duration = round(time.perf_counter() - started, 3)
    if not gate.passed:
        snapshot.status = Snapshot.Status.REJECTED
        snapshot.note = gate.reason
        snapshot.save()
        logger.error("copurchase: snapshot #%s rejected by the quality gate: %s", snapshot.pk, gate.reason)
        return snapshot
    snapshot.save()
    with timer("publish"):
        snapshot_publish(snapshot=snapshot)
        _housekeeping(snapshots_prune)
    Snapshot.objects.filter(pk=snapshot.pk).update(timings=timer.timings)
    logger.info(
        "copurchase: snapshot #%s live (%s, %s orders, %s pairs, %.1fs)",
        snapshot.pk, snapshot.mode, snapshot.order_count, snapshot.pair_count, snapshot.duration,
    )
    return snapshot
