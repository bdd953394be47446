"""A lease on a database row: at most one refresh runs at a time, and the lease expires
if its holder dies (a SIGKILLed worker cannot release anything).

A row rather than a Redis lock so it works in the embedded default (SQLite, no Redis) and
when Redis is down; taking it is one conditional UPDATE, atomic on every database.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import RefreshLease

REFRESH_LEASE = "copurchase-refresh"


class LeaseBusy(Exception):
    """Another refresh holds the lease."""


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease_acquire(*, holder: str, seconds: int, name: str = REFRESH_LEASE) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            RefreshLease.objects.get_or_create(name=name)
    except IntegrityError:  # created by a concurrent caller: it exists now
        pass
    taken = (
        RefreshLease.objects.filter(name=name)
        .filter(Q(holder="") | Q(holder=holder) | Q(expires_at__lt=now) | Q(expires_at__isnull=True))
        .update(holder=holder, expires_at=now + dt.timedelta(seconds=seconds))
    )
    return taken == 1


def lease_renew(*, holder: str, seconds: int, name: str = REFRESH_LEASE) -> bool:
    """Extend a held lease; False if it expired and someone else took it meanwhile."""
    expires = timezone.now() + dt.timedelta(seconds=seconds)
    return RefreshLease.objects.filter(name=name, holder=holder).update(expires_at=expires) == 1


def lease_release(*, holder: str, name: str = REFRESH_LEASE) -> None:
    RefreshLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=None)


def lease_holder(*, name: str = REFRESH_LEASE) -> RefreshLease | None:
    """The current holder, or None when the lease is free or expired."""
    return RefreshLease.objects.filter(name=name, expires_at__gte=timezone.now()).exclude(holder="").first()
