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
from django.db.models import Min
from django.utils import timezone

from shop.orders.models import Order

from .autotune import base_setting, counts_tuned, setting_params, tuned_params
from .background import in_background
from .incremental import Build, counts_incremental, incremental_base
from .lease import LeaseBusy, lease_acquire, lease_heartbeat, lease_release, lease_renew, new_holder
from .models import Snapshot, SnapshotCounts
from .publishing import snapshot_publish
from .pruning import snapshots_fail_abandoned, snapshots_prune
from .quality import quality_check, quality_lists, quality_questions
from .recency import Recency
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
    """The window: the last COPURCHASE_WINDOW_DAYS of orders up to now, reaching further back
    when that holds fewer than COPURCHASE_WINDOW_MIN_ORDERS counted orders, until it holds
    that many (or the shop's whole history).

    A trading shop counts its last year. A quiet shop, or one whose history was imported
    (the demo's orders end in 2011), counts its most recent orders however old they are,
    and one new order does not move the window past the history: the window is what the
    shop has traded, not a calendar year that may hold a handful of orders.
    """
    start = now - dt.timedelta(days=settings.COPURCHASE_WINDOW_DAYS)
    minimum = settings.COPURCHASE_WINDOW_MIN_ORDERS
    if minimum > 0:
        counted = Order.objects.counted().filter(placed_at__lte=now)
        # The minimum-th newest order (or the oldest there is): one index range read.
        reach = counted.order_by("-placed_at", "-id").values_list("placed_at", flat=True)[minimum - 1 : minimum].first()
        if reach is None:
            reach = counted.aggregate(oldest=Min("placed_at"))["oldest"]
        if reach is not None and reach < start:
            start = reach
    return start, now


def refresh_is_due(*, requested_at: dt.datetime) -> bool:
    """False once a snapshot built after `requested_at` is live (or built and held back
    behind a pinned one): that request is served (the task is idempotent, a redelivered or
    repeated request does nothing)."""
    served = [Snapshot.Status.LIVE, Snapshot.Status.HELD]
    return not Snapshot.objects.filter(status__in=served, window_end__gte=requested_at).exists()


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
    lease_seconds = settings.COPURCHASE_LEASE_SECONDS
    if not lease_acquire(holder=holder, seconds=lease_seconds):
        raise LeaseBusy("another co-purchase refresh is running")
    try:
        with lease_heartbeat(holder=holder, seconds=lease_seconds):
            return _refresh(now=now, full=full, stage=stage, progress=progress, holder=holder)
    finally:
        lease_release(holder=holder)


def _refresh(*, now, full: bool, stage: Stage | None, progress, holder: str) -> Snapshot:
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
        build = backtest = recency = None
        defaults = params
        if base:
            setting, recency = base_setting(base, defaults)
            params = tuned_params(defaults, setting)
            try:
                build = counts_incremental(
                    base=base, window_start=window_start, window_end=window_end, gamma=params.gamma, timer=timer,
                    recency=recency,
                )
                snapshot.backtest = (
                    {**base.backtest, "reused_from": base.backtest.get("reused_from", base.pk)} if base.backtest else {}
                )
            except (ValueError, KeyError, OSError, zlib.error, zstandard.ZstdError, SnapshotCounts.DoesNotExist) as exc:
                # Unreadable base (older format, corrupt, a pruned link): recount instead of failing the night.
                logger.warning("copurchase: base #%s unusable (%s); full recount", base.pk, exc)
                Snapshot.objects.filter(pk=snapshot.pk).update(mode=Snapshot.Mode.FULL, base=None)
                snapshot.mode, snapshot.base = Snapshot.Mode.FULL, None
        if build is None:
            build, setting, recency, backtest = counts_tuned(
                window_start=window_start, window_end=window_end, defaults=defaults, progress=progress, timer=timer
            )
            params = tuned_params(defaults, setting)
            snapshot.backtest = backtest.as_dict() if backtest else {}
        snapshot.params = {**snapshot.params, **setting_params(defaults=defaults, setting=setting, recency=recency)}
        _housekeeping(pruned_early)
        return snapshot_finish(
            snapshot=snapshot, build=build, params=params, timer=timer, started=started, holder=holder,
            lease_seconds=settings.COPURCHASE_LEASE_SECONDS, recency=recency,
        )
    except BaseException as exc:
        if pruned_early is not None:
            with suppress(Exception):
                pruned_early()  # no thread outlives its refresh (waiting twice is harmless)
        if snapshot is not None:
            Snapshot.objects.filter(pk=snapshot.pk, status=Snapshot.Status.BUILDING).update(
                status=Snapshot.Status.FAILED, note=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise


def _housekeeping(prune: Callable[[], object]) -> None:
    """Pruning old snapshots never fails a refresh: what it could not drop, the next run
    drops (and the failure is logged with its traceback)."""
    try:
        prune()
    except Exception:
        logger.exception("copurchase: pruning old snapshots failed; the next refresh tries again")


def snapshot_finish(
    *, snapshot: Snapshot, build: Build, params: ScoreParams, timer: Timer, started: float, holder: str,
    lease_seconds: int | None = None, recency: Recency | None = None,
) -> Snapshot:
    """Score the counts, write them aside, gate and publish (or reject) the snapshot; hold
    it back instead of publishing while staff have a snapshot pinned live.

    `lease_seconds`: what the holder's lease is renewed for (the sharded run holds the long
    COPURCHASE_LOCK_SECONDS across its chord; a single process a short heartbeat lease)."""
    counts = build.counts
    # On their own connections, beside the scoring and the rows: the raw counts (their
    # compression runs on another core while this one scores), and what the quality gate
    # asks of the live snapshot (neither needs the new rows).
    counts_written = write_snapshot_counts_in_background(
        snapshot=snapshot, counts=build.delta if build.delta is not None else counts,
        base=build.base if build.delta is not None else None,
    )
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()
    questions = in_background(
        quality_questions, window_start=snapshot.window_start, window_end=snapshot.window_end, live=live
    )
    rows_finished = None
    try:
        with timer("score"):
            top = score_counts(counts, params)
        if not lease_renew(holder=holder, seconds=lease_seconds or settings.COPURCHASE_LOCK_SECONDS):
            raise LeaseBusy("the refresh lease expired during the build; another refresh took over")
        with timer("write"):
            row_count = write_snapshot_rows(snapshot=snapshot, top=top, counts=counts)
            rows_finished = snapshot_rows_finish_in_background(snapshot=snapshot)
        with timer("quality"):
            # While the rows' index is built: the new setting's lists without the orders the
            # gate asks (see quality.py).
            asked = questions()
            gate = quality_check(
                questions=asked, new_lists=quality_lists(questions=asked, counts=counts, params=params, recency=recency, top=top)
            )
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
    if snapshot.status == Snapshot.Status.HELD:
        logger.warning("copurchase: snapshot #%s built and held back: %s", snapshot.pk, snapshot.note)
        return snapshot
    logger.info(
        "copurchase: snapshot #%s live (%s, %s orders, %s pairs, %.1fs)",
        snapshot.pk, snapshot.mode, snapshot.order_count, snapshot.pair_count, snapshot.duration,
    )
    return snapshot
