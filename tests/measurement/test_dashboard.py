"""The recommendations dashboard in the admin (and its links to the other reports)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.measurement.models import Event, Visitor
from recommendations.measurement.selectors import Period, holdout_report
from recommendations.measurement.statistics import Verdict
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:measurement_dashboard_changelist")
HEALTH = reverse("admin:recommendations_healthreport_changelist")
EXPLAIN = reverse("admin:copurchase_pairexplanation_changelist")


def _activity(*, placements: int, orders_per_group: int, days: int = 5):
    """Impressions, clicks, adds and orders across `placements` placements over `days` days."""
    products = ProductFactory.create_batch(4)
    now = timezone.now()
    events = []
    for p in range(placements):
        for d in range(days):
            when = now - timedelta(days=d)
            events += [
                Event(
                    kind=kind,
                    placement=f"placement_{p}",
                    source=source,
                    product=products[1],
                    anchor=products[0],
                    view_id=f"v{p}-{d}-{kind}",
                    created_at=when,
                )
                for kind in ("impression", "click", "add")
                for source in ("curated", "copurchase")
            ]
    Event.objects.bulk_create(events)
    for group in ("treatment", "control"):
        Visitor.objects.bulk_create(Visitor(key=uuid.uuid4().hex, group=group) for _ in range(orders_per_group * 5))
        for i in range(orders_per_group):
            order = OrderFactory(rec_group=group, total=Decimal("30.00") + i, placed_at=now - timedelta(days=i % days))
            OrderLineFactory(order=order, product=products[2], quantity=1 + i % 3)
            if group == "treatment":
                OrderLineFactory(
                    order=order,
                    product=products[3],
                    rec_placement=f"placement_{i % placements}",
                    rec_source="curated",
                    rec_anchor=products[0],
                )


def test_the_dashboard_is_linked_from_the_admin_index(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert DASHBOARD.encode() in response.content
    assert HEALTH.encode() in response.content
    assert EXPLAIN.encode() in response.content


def test_the_dashboard_shows_placements_uplift_pairs_and_charts(admin_client):
    _activity(placements=2, orders_per_group=40)
    response = admin_client.get(DASHBOARD, {"days": 7})
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "placement_0",
        "placement_1",
        "Average order value",
        "Revenue per visitor",
        "Conversion",
        "<svg",
        "<polyline",
    ):
        assert text in html
    assert "Sample too small to tell" not in html
    assert "Top pairs by attributed revenue" in html


def test_the_dashboard_says_plainly_when_the_sample_is_too_small(admin_client):
    _activity(placements=1, orders_per_group=3)
    html = admin_client.get(DASHBOARD).content.decode()
    assert "Sample too small to tell: 3 orders in the smaller group, at least 30 needed in each." in html


def test_the_dashboard_query_count_does_not_grow_with_the_data(admin_client, django_assert_max_num_queries):
    _activity(placements=1, orders_per_group=2, days=1)
    # 21: the deals, vouchers and points table is one more.
    with django_assert_max_num_queries(21) as small:
        admin_client.get(DASHBOARD)
    small_cost = len(small.captured_queries)  # read now: the query log is reset per request
    _activity(placements=8, orders_per_group=60, days=20)
    with django_assert_max_num_queries(small_cost):
        response = admin_client.get(DASHBOARD, {"days": 30})
    assert b"placement_7" in response.content


def test_the_holdout_report_compares_the_groups_with_an_interval():
    _activity(placements=1, orders_per_group=40)
    report = holdout_report(period=Period.last_days(30))
    assert report.orders == {"treatment": 40, "control": 40}
    assert report.visitors == {"treatment": 200, "control": 200}
    aov = next(m for m in report.metrics if m.key == "aov")
    # both groups' totals are 30.00 + 0..39: no difference
    assert aov.comparison.interval.difference == pytest.approx(0.0)
    assert aov.comparison.verdict == Verdict.NO_DIFFERENCE
    conversion = next(m for m in report.metrics if m.key == "conversion")
    assert conversion.comparison.treatment.mean == pytest.approx(0.2)


def test_an_unknown_period_falls_back_to_thirty_days(admin_client):
    assert admin_client.get(DASHBOARD, {"days": "9999"}).status_code == 200


def test_shoppers_cannot_see_the_dashboard(client):
    assert client.get(DASHBOARD).status_code == 302
