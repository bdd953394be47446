"""A lease on a database row: at most one refresh runs at a time, and the lease expires
if its holder dies (a SIGKILLed worker cannot release anything).

A row rather than a Redis lock so it works in the embedded default (SQLite, no Redis) and
when Redis is down; taking it is one conditional UPDATE, atomic on every database.

A refresh holds its lease with a heartbeat (`lease_heartbeat`): a short lease
(COPURCHASE_LEASE_SECONDS) renewed by a thread of the running process every third of it.
However long the build takes, the lease stays held while the process lives, and a worker
killed mid-refresh (no `finally` runs) leaves a lease that lapses within that short time,
so the next refresh can start within minutes instead of waiting out a long fixed lease.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import RefreshLease

logger = logging.getLogger(__name__)

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


class LeaseHeartbeat:
    """Renews a held lease every `interval` seconds on a thread (and its own database
    connection) until stopped. `lost` turns True if a renewal finds the lease taken by
    someone else; the holder checks it (or renews itself) before anything irreversible.

    Inside a transaction (tests) no thread is started: another connection could not see
    the lease row, and the holder's own renewals keep it."""

    def __init__(self, *, holder: str, seconds: int, name: str = REFRESH_LEASE, interval: float | None = None):
        self.holder, self.seconds, self.name = holder, seconds, name
        self.interval = interval if interval is not None else max(seconds / 3, 0.5)
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> LeaseHeartbeat:
        if connection.in_atomic_block:
            return self
        self._thread = threading.Thread(target=self._run, name=f"lease-heartbeat-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not lease_renew(holder=self.holder, seconds=self.seconds, name=self.name):
                        self.lost = True
                        logger.error("lease %s lost by %s: another process took it over", self.name, self.holder)
                        return
                except DatabaseError:
                    # The database is briefly unreachable: try again at the next beat; the lease
                    # lapses only if it stays unreachable for the whole lease.
                    logger.warning("lease %s: heartbeat failed; retrying", self.name, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@contextmanager
def lease_heartbeat(*, holder: str, seconds: int, name: str = REFRESH_LEASE) -> Iterator[LeaseHeartbeat]:
    """Keep a lease that `holder` has just taken renewed while the block runs; stop
    renewing (not release) on the way out."""
    heartbeat = LeaseHeartbeat(holder=holder, seconds=seconds, name=name).start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop()
