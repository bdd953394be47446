"""Switching a snapshot live: after a refresh, or back to a retired one (rollback).

One transaction retires the live snapshot and makes the new one live, so a reader (which
filters on the live snapshot in the same statement, see selectors.py) sees one complete
snapshot or the other. `snapshot_published` is sent once that transaction has committed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Snapshot
from .signals import snapshot_published


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
