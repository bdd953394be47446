"""What a refresh drops: the rows of snapshots no longer kept for rollback, of failed and
rejected ones, of builds abandoned by a dead worker, and raw counts no kept chain needs.

The snapshot records themselves stay (a few hundred bytes each) as the refresh history.
Rows go by snapshot id in single statements (on PostgreSQL by dropping the snapshot's
partition, see partitions.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings

from .models import ProductStat, Snapshot, SnapshotCounts
from .partitions import partition_ids, rows_delete

logger = logging.getLogger(__name__)


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


def snapshots_prune(*, keep: int | None = None, exclude: Iterable[int] = ()) -> list[int]:
    """Keep the live snapshot and the newest retired ones (COPURCHASE_KEEP_SNAPSHOTS in all,
    or `keep`) with their rows for rollback; drop the rows of older, rejected and failed
    ones. `exclude`: snapshots kept whatever their age (the base of a running build)."""
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
