"""Keeping the measurement's history small: daily counts kept, raw rows deleted after them.

Every impression, click and add is a row (Event), and every first visit a Visitor row. The
dashboard needs them only as counts per day, so each night `measurement_history_keep`:

1. counts the raw rows of every finished day older than MEASUREMENT_RAW_DAYS into
   DailyCount (per day × placement × source × kind × group) and moves the horizon
   (RawHorizon) past those days — one transaction, under the horizon's row lock, so
   overlapping runs count each day once and a second run finds nothing to do;
2. then deletes the raw rows before the horizon, in batches. A run stopped between the two
   steps, or part-way through the second, leaves rows already counted: the next run deletes
   them, and the dashboard never reads raw rows before the horizon.

Visitors: nothing links a visitor to an order (an order records its group, not its
visitor), so once counted a visitor row is of no further use to anyone and goes with the
events. The health report reads the last 30 days of clicks: MEASUREMENT_RAW_DAYS is kept
above that (settings).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.operations.housekeeping import delete_in_batches

from .history import midnight, raw_counts
from .models import DailyCount, Event, RawHorizon, Visitor

HORIZON_ROW = 1


@dataclass(frozen=True)
class Kept:
    horizon: date
    days_counted: int
    events_deleted: int
    visitors_deleted: int


def measurement_history_keep(*, now=None) -> Kept:
    """Count the days older than the retention into DailyCount, then delete their raw rows."""
    now = now or timezone.now()
    horizon, days_counted = daily_counts_keep(horizon=timezone.localdate(now) - timedelta(days=settings.MEASUREMENT_RAW_DAYS))
    before = midnight(horizon)
    return Kept(
        horizon=horizon,
        days_counted=days_counted,
        events_deleted=delete_in_batches(Event.objects.filter(created_at__lt=before)),
        visitors_deleted=delete_in_batches(Visitor.objects.filter(first_seen__lt=before)),
    )


@transaction.atomic
def daily_counts_keep(*, horizon: date) -> tuple[date, int]:
    """Write the daily counts of the raw rows before `horizon` not counted yet, and move the
    horizon there. Returns the horizon now in force and how many days were counted. The
    horizon never moves back: a smaller `horizon` (a longer retention set since) changes nothing."""
    try:
        with transaction.atomic():
            RawHorizon.objects.get_or_create(pk=HORIZON_ROW)
    except IntegrityError:  # created by a concurrent run: it exists now
        pass
    mark = RawHorizon.objects.select_for_update().get(pk=HORIZON_ROW)
    if mark.day is not None and mark.day >= horizon:
        return mark.day, 0
    since = midnight(mark.day) if mark.day is not None else None
    rows = raw_counts(kinds=DailyCount.Kind.values, since=since, before=midnight(horizon))
    DailyCount.objects.bulk_create(
        [DailyCount(day=r.day, placement=r.placement, source=r.source, kind=r.kind, group=r.group, count=r.count) for r in rows],
        batch_size=1000,
        # A day is counted once (the horizon moves past it in this transaction); were it
        # ever counted again, the row is replaced, not added to.
        update_conflicts=True,
        unique_fields=["day", "placement", "source", "kind", "group"],
        update_fields=["count"],
    )
    mark.day = horizon
    mark.save(update_fields=["day", "moved_at"])
    return horizon, len({r.day for r in rows})
