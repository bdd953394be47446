"""Housekeeping of the measurement: raw rows go after their daily counts are kept, and the
dashboard's figures do not change."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recommendations.measurement.history import period_counts
from recommendations.measurement.models import DailyCount, Event, RawHorizon, Visitor
from recommendations.measurement.retention import daily_counts_keep, measurement_history_keep
from recommendations.measurement.selectors import Period, daily_series, holdout_report, placement_performance
from recommendations.measurement.tasks import keep_measurement_history
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

RAW_DAYS = 31


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.MEASUREMENT_RAW_DAYS = RAW_DAYS


def history(*, days: int, now):
    """A season of activity: every third day impressions (blocks mixing two sources), clicks,
    adds, visitors of both groups and orders, some recommended."""
    anchor, shown, other = ProductFactory.create_batch(3)
    events, visitors = [], []
    for d in range(0, days, 3):
        when = now - timedelta(days=d, hours=d % 7)
        for placement in ("product_fbt", "cart_complements"):
            for group in ("treatment", "control"):
                view = uuid.uuid4().hex[:16]
                events += [
                    Event(kind="impression", placement=placement, source=source, product=shown, anchor=anchor,
                          view_id=view, group=group, created_at=when)
                    for source in ("curated", "copurchase")
                ]
                events += [
                    Event(kind=kind, placement=placement, source="curated", product=shown, anchor=anchor, group=group,
                          created_at=when + timedelta(minutes=5))
                    for kind in ("click", "add")[: 1 + d % 2]
                ]
        visitors += [Visitor(key=uuid.uuid4().hex, group=group, first_seen=when) for group in ("treatment", "control", "treatment")]
        order = OrderFactory(rec_group=("treatment", "control")[d % 2], total=Decimal("20.00") + d, placed_at=when)
        OrderLineFactory(order=order, product=other)
        if d % 2 == 0:
            OrderLineFactory(order=order, product=shown, rec_placement="product_fbt", rec_source="curated", rec_anchor=anchor)
    Event.objects.bulk_create(events)
    Visitor.objects.bulk_create(visitors)


def dashboard(days: int, now):
    period = Period.last_days(days, now=now)
    return placement_performance(period=period), daily_series(period=period), holdout_report(period=period)


def test_the_dashboard_shows_the_same_figures_before_and_after_housekeeping():
    # given: four months of activity, and what the dashboard says about it
    now = timezone.now()
    history(days=120, now=now)
    before = {days: dashboard(days, now) for days in (7, 30, 90, 365)}
    assert before[90][0] and sum(before[365][1].impressions) == Event.objects.filter(kind="impression").count()

    # when: housekeeping keeps the daily counts and deletes the raw rows older than the retention
    kept = measurement_history_keep(now=now)

    # then: old raw rows are gone, and every period reads the same
    horizon = timezone.localdate(now) - timedelta(days=RAW_DAYS)
    assert kept.horizon == horizon and kept.events_deleted > 0 and kept.visitors_deleted > 0
    assert not Event.objects.filter(created_at__date__lt=horizon).exists()
    assert not Visitor.objects.filter(first_seen__date__lt=horizon).exists()
    assert Event.objects.filter(created_at__date__gte=horizon).exists()
    for days in (7, 30, 90, 365):
        assert dashboard(days, now) == before[days], f"last {days} days"


def test_housekeeping_twice_counts_each_day_once_and_deletes_nothing_more():
    now = timezone.now()
    history(days=60, now=now)
    measurement_history_keep(now=now)
    counts = list(DailyCount.objects.values_list("day", "placement", "source", "kind", "group", "count"))
    raw = Event.objects.count()

    again = measurement_history_keep(now=now)

    assert (again.days_counted, again.events_deleted, again.visitors_deleted) == (0, 0, 0)
    assert list(DailyCount.objects.values_list("day", "placement", "source", "kind", "group", "count")) == counts
    assert Event.objects.count() == raw


def test_daily_counts_keep_blocks_per_placement_and_visitors_per_group():
    now = timezone.now()
    history(days=40, now=now)
    old = timezone.localdate(now) - timedelta(days=39)

    daily_counts_keep(horizon=timezone.localdate(now) - timedelta(days=35))

    day = {(c.placement, c.source, c.kind, c.group): c.count for c in DailyCount.objects.filter(day=old)}
    assert day[("product_fbt", "", "block", "treatment")] == 1  # one block of two sources
    assert day[("product_fbt", "curated", "impression", "treatment")] == 1
    assert day[("", "", "visitor", "treatment")] == 2
    assert day[("", "", "visitor", "control")] == 1


def test_a_shorter_retention_never_moves_the_horizon_back():
    now = timezone.now()
    history(days=60, now=now)
    measurement_history_keep(now=now)
    horizon = RawHorizon.objects.get().day

    kept, counted = daily_counts_keep(horizon=horizon - timedelta(days=10))

    assert (kept, counted) == (horizon, 0)
    assert RawHorizon.objects.get().day == horizon


def test_a_period_inside_the_raw_days_reads_no_daily_counts(django_assert_num_queries):
    now = timezone.now()
    history(days=60, now=now)
    measurement_history_keep(now=now)
    period = Period.last_days(7, now=now)

    with django_assert_num_queries(2):  # the horizon, then the raw events
        rows = period_counts(start=period.start, end=period.end, kinds=["click"])

    assert sum(row.count for row in rows) == Event.objects.filter(
        kind="click", created_at__gte=period.start, created_at__lte=period.end
    ).count()


def test_the_nightly_task_reports_what_it_kept_and_deleted():
    history(days=45, now=timezone.now())
    result = keep_measurement_history.apply().get(timeout=10)
    assert result.startswith("raw rows kept from ") and "events and" in result
