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
from django.db import transaction

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
    or `keep`) with their rows for rollback; drop the rows of older, rejected, held-back and
    failed ones. `exclude`: snapshots kept whatever their age (the base of a running build).

    What goes is decided and marked in one transaction that locks the records first, the
    way a rollback locks the one it puts back (publishing.py): a rollback that came first is
    seen here (its snapshot is live, so kept), one that comes later finds its snapshot
    pruned and refuses. The rows are dropped after that transaction, outside it (on
    PostgreSQL a partition is detached concurrently, which a transaction cannot do)."""
    keep = settings.COPURCHASE_KEEP_SNAPSHOTS if keep is None else keep
    with transaction.atomic():
        kept, rows_kept, old_retired, dead = _prune_plan(keep=keep, exclude=list(exclude))
        if old_retired:
            Snapshot.objects.filter(pk__in=old_retired, status=Snapshot.Status.RETIRED).update(
                status=Snapshot.Status.PRUNED
            )
    drop = old_retired + dead
    if drop:
        _delete_rows(drop)
    # Partitions no snapshot keeping rows owns (its record deleted outright, say).
    building = Snapshot.objects.filter(status=Snapshot.Status.BUILDING).values_list("pk", flat=True)
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).values_list("pk", flat=True)
    orphans = partition_ids() - set(rows_kept) - set(building) - set(live)
    if orphans:
        rows_delete(sorted(orphans))
    _delete_unneeded_counts(rows_kept)
    return drop


def _prune_plan(*, keep: int, exclude: list[int]) -> tuple[list[int], list[int], list[int], list[int]]:
    """(kept published, every snapshot whose rows stay, retired ones to prune, dead ones to
    drop), read under a lock on the published snapshots' records: called inside the
    prune's transaction."""
    # Locked in id order, as a rollback locks its snapshot and the live one: no deadlock.
    locked = (
        Snapshot.objects.select_for_update()
        .filter(status__in=[Snapshot.Status.LIVE, Snapshot.Status.RETIRED])
        .order_by("id")
        .values_list("pk", "status", "published_at")
    )
    newest_first = sorted(locked, key=lambda row: (row[2] is not None, row[2], row[0]), reverse=True)
    published = [(pk, status) for pk, status, _ in newest_first]
    # The live one always, whatever its age (a rollback's is old), then the newest retired.
    kept = [pk for pk, status in published if status == Snapshot.Status.LIVE]
    kept += [pk for pk, status in published if status != Snapshot.Status.LIVE][: max(keep - len(kept), 0)]
    kept += [pk for pk in exclude if pk not in kept]
    old_retired = [pk for pk, status in published if pk not in kept]
    # Keep the newest rejected and held-back ones' rows: staff can look at what the gate
    # refused, or at what a pin held back, and put it live.
    newest_of = []
    dead = list(Snapshot.objects.filter(status=Snapshot.Status.FAILED).values_list("pk", flat=True))
    for status in (Snapshot.Status.REJECTED, Snapshot.Status.HELD):
        ids = list(Snapshot.objects.select_for_update().filter(status=status).order_by("-id").values_list("pk", flat=True))
        newest_of += ids[:1]
        dead += ids[1:]
    return kept, kept + newest_of, old_retired, dead


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
