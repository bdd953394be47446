"""Deleting what the shop no longer needs, in small batches, from Celery beat.

Each kind of row is removed by the app that owns it (idle carts by shop.cart, raw
measurement by recommendations.measurement once its daily counts are kept); they share
`delete_in_batches`. Expired sessions, which belong to no app of ours, are cleared here.
"""

from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

# Rows per DELETE. Each batch is its own short transaction: the request path, which inserts
# into these same tables, never queues behind one long delete, and a run stopped part-way
# has finished whole batches (the next run takes the rest). Big enough that a backlog of a
# few million rows is a few hundred statements.
DELETE_BATCH = 5_000


def delete_in_batches(queryset: QuerySet, *, batch_size: int = DELETE_BATCH) -> int:
    """Delete the queryset's rows, `batch_size` at a time (by primary key); returns how many
    rows of its model went. Call it outside a transaction, so each batch commits. Each
    batch deletes through the queryset's own filter again, so a row that stopped matching
    since it was picked (a cart its owner came back to) is kept."""
    label = queryset.model._meta.label
    deleted = 0
    while True:
        keys = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not keys:
            return deleted
        deleted += queryset.filter(pk__in=keys).delete()[1].get(label, 0)
        if len(keys) < batch_size:
            return deleted


def sessions_clear_expired(*, now=None, batch_size: int = DELETE_BATCH) -> int:
    """Delete the sessions past their expiry date (Django's `clearsessions`, in batches)."""
    now = now or timezone.now()
    return delete_in_batches(Session.objects.filter(expire_date__lt=now), batch_size=batch_size)
