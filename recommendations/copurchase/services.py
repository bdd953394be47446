"""Building, gating, publishing and pruning co-purchase snapshots.

A refresh holds the refresh lease, builds a snapshot aside (status "building"), scores it
against the live one on the most recent orders, and switches it live in one transaction.
Whatever happens to the process meanwhile, the live snapshot is untouched until that
switch; the next refresh marks an abandoned "building" snapshot failed and starts over.

Nightly runs are incremental: the counts of the live snapshot (kept in SnapshotCounts),
plus the orders placed since its window ended, minus those that have left the window.
Counts are additive and exact (see core.py), so this equals a full recount of the same
orders. Orders cancelled after they were counted are the one thing an incremental run
cannot see, so a full rebuild runs every COPURCHASE_FULL_EVERY_DAYS days (and on --full).

An incremental run reads only those orders' lines, and stores its raw counts as a small
delta chained to the base's (models.SnapshotCounts); scoring and writing are the same as a
full run's (at 1M orders under 2 s together: every product's list is re-ranked and the
rows COPY'd into a fresh partition, which measured faster than re-ranking only the
products of the night's orders and copying the others' rows inside the database).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass

import zstandard
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shop.orders.models import Order

from .core import Counts, count_lines
from .lease import LeaseBusy, lease_acquire, lease_release, lease_renew, new_holder
from .loading import load_lines
from .models import ProductStat, Snapshot, SnapshotCounts
from .partitions import partition_ids, rows_delete
from .quality import GATE_K, quality_check, quality_questions
from .scoring import ScoreParams, score_counts
from .signals import snapshot_published
from .writing import (
    in_background,
    snapshot_rows_finish_in_background,
    write_snapshot_counts_in_background,
    write_snapshot_rows,
)

logger = logging.getLogger(__name__)

Stage = Callable[[str], None]

# Deltas chained on one full count before an incremental run stores its counts whole
# again. The weekly full rebuild usually restarts the chain long before.
COUNTS_MAX_CHAIN = 14


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


class Timer:
    """Seconds spent per stage, reported to an optional callback (the progress bar)."""

    def __init__(self, stage: Stage | None = None):
        self.timings: dict[str, float] = {}
        self._stage = stage

    @contextmanager
    def __call__(self, name: str):
        if self._stage:
            self._stage(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 3)


def snapshots_fail_abandoned() -> int:
    """Building snapshots whose refresh died. Only call while holding the refresh lease:
    then no other refresh can be building."""
    abandoned = list(Snapshot.objects.filter(status=Snapshot.Status.BUILDING).values_list("pk", flat=True))
    if abandoned:
        _delete_rows(abandoned)
        SnapshotCounts.objects.filter(snapshot_id__in=abandoned).delete()
        Snapshot.objects.filter(pk__in=abandoned).update(
            status=Snapshot.Status.FAILED, note="Abandoned: its refresh stopped before publishing (worker lost?)."
        )
        logger.warning("copurchase: marked abandoned snapshots %s failed", abandoned)
    return len(abandoned)


def incremental_base(*, window_start: dt.datetime, window_end: dt.datetime, params: ScoreParams) -> Snapshot | None:
    """The live snapshot if the new one can be derived from its counts, else None (full)."""
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()
    if live is None or not SnapshotCounts.objects.filter(snapshot=live).exists():
        return None
    full_at = dt.datetime.fromisoformat(live.params.get("full_built_at", "1970-01-01T00:00:00+00:00"))
    # The base's weighted counts were made with its γ: another one needs a full recount.
    same_weights = live.params.get("gamma") == params.gamma
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
    *, window_start: dt.datetime, window_end: dt.datetime, gamma: float, progress=None, timer: Timer | None = None
) -> Counts:
    timer = timer or Timer()
    with timer("read"):
        order_ids, product_ids = load_lines(window_start=window_start, window_end=window_end, progress=progress)
    with timer("count"):
        return count_lines(order_ids=order_ids, product_ids=product_ids, gamma=gamma)


@dataclass(frozen=True)
class Build:
    """The counts of a new snapshot's window and, for an incremental run, how it got them."""

    counts: Counts
    base: Snapshot | None = None
    delta: Counts | None = None  # added minus expired orders: what is stored, chained to base


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
    *, base: Snapshot, window_start: dt.datetime, window_end: dt.datetime, gamma: float, timer: Timer | None = None
) -> Build:
    timer = timer or Timer()
    with timer("read_base"):
        counts, chained = counts_of_snapshot(base)
    added = counts_of_window(window_start=base.window_end, window_end=window_end, gamma=gamma, timer=timer)
    expired = counts_of_window(window_start=base.window_start, window_end=window_start, gamma=gamma, timer=timer)
    with timer("count"):
        delta = added.delta_to(expired)
        counts = counts.apply(delta)
    return Build(
        counts=counts,
        base=base,
        delta=delta if chained < COUNTS_MAX_CHAIN else None,
    )


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


def _test_only_delay(holder: str) -> None:
    """Real-stack tests make the build slow enough to kill the worker in the middle."""
    delay = settings.COPURCHASE_TEST_BUILD_DELAY
    end = time.monotonic() + delay
    while time.monotonic() < end:
        time.sleep(min(0.5, end - time.monotonic()))
        lease_renew(holder=holder, seconds=settings.COPURCHASE_LOCK_SECONDS)


def snapshot_finish(
    *, snapshot: Snapshot, build: Build, params: ScoreParams, timer: Timer, started: float, holder: str
) -> Snapshot:
    """Score the counts, write them aside, gate and publish (or reject) the snapshot."""
    counts = build.counts
    # On their own connections, beside the scoring and the rows: the raw counts (~0.3 s of
    # compressing at 1M orders, on the other core while this one scores), and what the
    # quality gate asks of the live snapshot (neither needs the new rows).
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
        if settings.COPURCHASE_TEST_BUILD_DELAY:
            _test_only_delay(holder)
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


def snapshot_publish(*, snapshot: Snapshot) -> Snapshot:
    """Switch `snapshot` live and retire the previous one, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        Snapshot.objects.select_for_update().filter(status=Snapshot.Status.LIVE).exclude(pk=snapshot.pk).update(
            status=Snapshot.Status.RETIRED
        )
        Snapshot.objects.filter(pk=snapshot.pk).update(status=Snapshot.Status.LIVE, published_at=now)
        snapshot.status, snapshot.published_at = Snapshot.Status.LIVE, now
        transaction.on_commit(lambda: snapshot_published.send(sender=Snapshot, snapshot=snapshot))
    return snapshot


def snapshot_rollback(*, snapshot: Snapshot) -> Snapshot:
    """Put a retired snapshot back live (its rows are kept until pruned)."""
    if snapshot.status != Snapshot.Status.RETIRED:
        raise ValueError(f"only a retired snapshot can be put back live, not a {snapshot.get_status_display().lower()} one")
    snapshot = snapshot_publish(snapshot=snapshot)
    Snapshot.objects.filter(pk=snapshot.pk).update(note=f"Rolled back to on {snapshot.published_at:%Y-%m-%d %H:%M}.")
    return snapshot


def _delete_rows(snapshot_ids: list[int]) -> None:
    # Single DELETE statements: these models have no signals or dependants, so Django
    # does not load the rows first. Raw counts go separately (_delete_unneeded_counts):
    # a kept snapshot's delta may chain onto them.
    rows_delete(snapshot_ids)  # on PostgreSQL, drops their partitions
    ProductStat.objects.filter(snapshot_id__in=snapshot_ids).delete()


def _delete_unneeded_counts(kept: list[int]) -> None:
    """Delete the raw counts no chain of a `kept` snapshot goes through."""
    bases = dict(SnapshotCounts.objects.values_list("snapshot_id", "base_id"))
    needed: set[int] = set()
    for snapshot_id in kept:
        while snapshot_id is not None and snapshot_id not in needed and snapshot_id in bases:
            needed.add(snapshot_id)
            snapshot_id = bases[snapshot_id]
    SnapshotCounts.objects.exclude(snapshot_id__in=needed).delete()


def snapshots_prune(*, keep: int | None = None, exclude: Iterable[int] = ()) -> list[int]:
    """Keep the live snapshot and the newest retired ones (COPURCHASE_KEEP_SNAPSHOTS in all,
    or `keep`) with their rows for rollback; drop the rows of older, rejected and failed
    ones. The snapshot records themselves stay (a few hundred bytes each) as the refresh
    history. `exclude`: snapshots kept whatever their age (the base of a running build)."""
    keep = settings.COPURCHASE_KEEP_SNAPSHOTS if keep is None else keep
    published = Snapshot.objects.filter(status__in=[Snapshot.Status.LIVE, Snapshot.Status.RETIRED])
    kept = list(published.order_by("-published_at", "-id").values_list("pk", flat=True)[: max(keep, 1)])
    kept += [pk for pk in exclude if pk not in kept]
    old_retired = list(published.exclude(pk__in=kept).values_list("pk", flat=True))
    # Keep the newest rejected one's rows so staff can see what the gate refused.
    rejected = list(Snapshot.objects.filter(status=Snapshot.Status.REJECTED).order_by("-id").values_list("pk", flat=True))
    dead = list(Snapshot.objects.filter(status=Snapshot.Status.FAILED).values_list("pk", flat=True)) + rejected[1:]
    drop = old_retired + dead
    if drop:
        _delete_rows(drop)
        Snapshot.objects.filter(pk__in=old_retired).update(status=Snapshot.Status.PRUNED)
    # Partitions no snapshot keeping rows owns (its record deleted outright, say).
    building = Snapshot.objects.filter(status=Snapshot.Status.BUILDING).values_list("pk", flat=True)
    orphans = partition_ids() - set(kept) - set(rejected[:1]) - set(building)
    if orphans:
        rows_delete(sorted(orphans))
    _delete_unneeded_counts(kept + rejected[:1])
    return drop
