"""Switching a snapshot live: after a refresh, or back to an earlier one (rollback).

One transaction retires the live snapshot and makes the new one live, so a reader (which
filters on the live snapshot in the same statement, see selectors.py) sees one complete
snapshot or the other. `snapshot_published` is sent once that transaction has committed.

A snapshot staff put live by hand (a rollback) is pinned: it stays live until they unpin
it. Refreshes meanwhile are built and gated as usual but held back (status "held"), so
the nightly run cannot silently undo the rollback. A rollback takes the refresh lease, so
it never interleaves with a refresh's own publish or prune, and it locks the snapshot's
record, which a prune locks too before marking what it drops (pruning.py): a snapshot
whose rows are going can never be put back live, nor one that is live be dropped.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .lease import LeaseBusy, lease_acquire, lease_release, new_holder
from .models import PairStat, Snapshot
from .signals import snapshot_published

# A rollback holds the refresh lease for a few statements; this is only its bound should
# the process die holding it.
ROLLBACK_LEASE_SECONDS = 60


def snapshot_publish(*, snapshot: Snapshot, respect_pin: bool = True) -> Snapshot:
    """Switch `snapshot` live and retire the previous one, in one transaction; or, while the
    live snapshot is pinned (and `respect_pin`), hold `snapshot` back instead."""
    now = timezone.now()
    with transaction.atomic():
        live = list(Snapshot.objects.select_for_update().filter(status=Snapshot.Status.LIVE).exclude(pk=snapshot.pk))
        pinned = next((other for other in live if other.pinned), None)
        if respect_pin and pinned is not None:
            note = (
                f"Held back: snapshot #{pinned.pk} is pinned live (staff rolled back to it). Unpin it to let the "
                "next refresh publish, or put this snapshot live with “Roll back to this snapshot”."
            )
            Snapshot.objects.filter(pk=snapshot.pk).update(status=Snapshot.Status.HELD, note=note)
            snapshot.status, snapshot.note = Snapshot.Status.HELD, note
            return snapshot
        Snapshot.objects.filter(pk__in=[other.pk for other in live]).update(status=Snapshot.Status.RETIRED, pinned=False)
        Snapshot.objects.filter(pk=snapshot.pk).update(status=Snapshot.Status.LIVE, published_at=now)
        snapshot.status, snapshot.published_at = Snapshot.Status.LIVE, now
        transaction.on_commit(lambda: snapshot_published.send(sender=Snapshot, snapshot=snapshot))
    return snapshot


def rollback_candidates():
    """The snapshots staff may put live: retired ones, and the newest held-back and the
    newest rejected one (the only ones of their kind whose rows are kept, see pruning.py)."""
    newest = {
        status: Snapshot.objects.filter(status=status).order_by("-id").values_list("pk", flat=True).first()
        for status in (Snapshot.Status.HELD, Snapshot.Status.REJECTED)
    }
    return Snapshot.objects.filter(status=Snapshot.Status.RETIRED) | Snapshot.objects.filter(
        pk__in=[pk for pk in newest.values() if pk is not None]
    )


def snapshot_rollback(*, snapshot: Snapshot) -> Snapshot:
    """Put an earlier snapshot back live and pin it there (until `snapshot_unpin`).

    Raises LeaseBusy while a refresh runs, ValueError when the snapshot cannot be put back
    (its rows are gone, or it never was a complete build)."""
    holder = new_holder()
    if not lease_acquire(holder=holder, seconds=ROLLBACK_LEASE_SECONDS):
        raise LeaseBusy("a refresh is running: roll back once it has finished")
    try:
        with transaction.atomic():
            # This one and the live one, in id order, as a prune locks them: no deadlock.
            rows = Snapshot.objects.select_for_update().filter(Q(pk=snapshot.pk) | Q(status=Snapshot.Status.LIVE))
            locked = next((row for row in rows.order_by("id") if row.pk == snapshot.pk), None)
            if locked is None:
                raise ValueError(f"snapshot #{snapshot.pk} no longer exists")
            if locked.status == Snapshot.Status.LIVE:
                raise ValueError(f"snapshot #{locked.pk} is already live")
            if not rollback_candidates().filter(pk=locked.pk).exists():
                raise ValueError(
                    f"only a retired snapshot (or the newest held-back or rejected one) can be put back live, "
                    f"not a {locked.get_status_display().lower()} one"
                )
            if locked.row_count and not PairStat.objects.filter(snapshot_id=locked.pk).exists():
                raise ValueError(f"the rows of snapshot #{locked.pk} have been pruned")
            snapshot_publish(snapshot=locked, respect_pin=False)
            note = f"Rolled back to on {locked.published_at:%Y-%m-%d %H:%M}; pinned live until staff unpin it."
            Snapshot.objects.filter(pk=locked.pk).update(pinned=True, note=note)
            locked.pinned, locked.note = True, note
    finally:
        lease_release(holder=holder)
    return locked


def snapshot_unpin(*, snapshot: Snapshot) -> bool:
    """Let refreshes publish again; the snapshot stays live until the next one does.
    False if it was not pinned."""
    return bool(Snapshot.objects.filter(pk=snapshot.pk, pinned=True).update(pinned=False))
