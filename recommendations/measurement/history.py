"""The dashboard's counts over any period, whichever days the raw rows still exist for.

Housekeeping (retention.py) counts the raw events and visitors of every day before the
horizon (RawHorizon) into DailyCount, then deletes them. So a period is read in two parts:
DailyCount for its days before the horizon, the raw rows from the horizon on. Both parts
come out as the same rows — per day × placement × source × kind × group — and the raw part
is computed by `raw_counts`, the very function that writes DailyCount, so a period's
figures are the same before and after housekeeping.

Periods start at midnight (selectors.Period.last_days): a day is read whole from one side.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import DailyCount, Event, RawHorizon, Visitor

Kind = DailyCount.Kind
EVENT_KINDS = (Kind.IMPRESSION, Kind.CLICK, Kind.ADD)


@dataclass(frozen=True)
class DayCount:
    day: date
    placement: str
    source: str
    kind: str
    group: str
    count: int


def midnight(day: date) -> datetime:
    """The start of `day` in the shop's time zone (the one TruncDate groups by)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def horizon_day() -> date | None:
    """The first day whose raw rows are kept; None when nothing has been archived yet."""
    return RawHorizon.objects.values_list("day", flat=True).first()


def raw_counts(
    *, kinds: Collection[str], since: datetime | None = None, before: datetime | None = None, through: datetime | None = None
) -> list[DayCount]:
    """Count the raw rows from `since` (inclusive) to `before` (exclusive) or `through`
    (inclusive), per day. One query per family of kinds asked for (events, blocks, visitors)."""

    def span(queryset, field: str):
        bounds = {f"{field}__gte": since, f"{field}__lt": before, f"{field}__lte": through}
        return queryset.filter(**{lookup: value for lookup, value in bounds.items() if value is not None})

    rows: list[DayCount] = []
    event_kinds = [kind for kind in EVENT_KINDS if kind in kinds]
    if event_kinds:
        events = (
            span(Event.objects.filter(kind__in=event_kinds), "created_at")
            .annotate(day=TruncDate("created_at"))
            .values("day", "placement", "source", "kind", "group")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += [DayCount(r["day"], r["placement"], r["source"], r["kind"], r["group"], r["n"]) for r in events]
    if Kind.BLOCK in kinds:
        blocks = (
            span(Event.objects.filter(kind=Event.Kind.IMPRESSION), "created_at")
            .annotate(day=TruncDate("created_at"))
            .values("day", "placement", "group")
            .annotate(n=Count("view_id", distinct=True))
            .order_by()
        )
        rows += [DayCount(r["day"], r["placement"], "", Kind.BLOCK, r["group"], r["n"]) for r in blocks]
    if Kind.VISITOR in kinds:
        visitors = (
            span(Visitor.objects.all(), "first_seen")
            .annotate(day=TruncDate("first_seen"))
            .values("day", "group")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += [DayCount(r["day"], "", "", Kind.VISITOR, r["group"], r["n"]) for r in visitors]
    return rows


def period_counts(*, start: datetime, end: datetime, kinds: Collection[str]) -> list[DayCount]:
    """The counts of `kinds` from `start` to `end` (inclusive): kept daily counts for the days
    before the horizon, raw rows after. At most one query for the horizon, one for the
    daily counts and one per family of raw kinds; a side the period doesn't reach costs none."""
    horizon = horizon_day()
    rows: list[DayCount] = []
    raw_since = start
    if horizon is not None and start < midnight(horizon):
        kept = DailyCount.objects.filter(
            day__gte=timezone.localdate(start), day__lt=horizon, day__lte=timezone.localdate(end), kind__in=kinds
        ).values_list("day", "placement", "source", "kind", "group", "count")
        rows += [DayCount(*row) for row in kept]
        raw_since = midnight(horizon)
    if raw_since <= end:
        rows += raw_counts(kinds=kinds, since=raw_since, through=end)
    return rows
