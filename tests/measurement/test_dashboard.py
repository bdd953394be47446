"""The admin pages: dashboard, health report, explain a pair."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.copurchase.models import PairStat, ProductStat, Snapshot
from recommendations.copurchase.partitions import partition_ensure
from recommendations.measurement.models import Event, Visitor
from recommendations.measurement.selectors import Period, holdout_report
from recommendations.measurement.statistics import Verdict
from tests.factories import (
    ComplementFactory,
    LadderTierFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UpgradeFactory,
)
from tests.recommendations.conftest import publish_pairs

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:measurement_dashboard_changelist")
HEALTH = reverse("admin:measurement_healthreport_changelist")
EXPLAIN = reverse("admin:measurement_pairexplanation_changelist")


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
    with django_assert_max_num_queries(20) as small:
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


# Health report --------------------------------------------------------------------------


def test_the_health_report_finds_each_kind_of_problem_with_a_link_to_fix_it(admin_client):
    # given
    knife = ProductFactory(name="Chef knife")
    gone = ProductFactory(name="Old sharpener", is_active=False)
    empty = ProductFactory(name="Empty board", stock=0)
    dead_link = ComplementFactory(product=knife, complement=gone)
    UpgradeFactory(product=knife, upgrade=empty)
    tier = LadderTierFactory(product=empty, label="Big")
    lonely = ProductFactory(name="Lonely teapot")
    ignored = ComplementFactory(product=ProductFactory(name="Mug"), complement=ProductFactory(name="Coaster"))
    clicked = ComplementFactory(product=ProductFactory(name="Pan"), complement=ProductFactory(name="Lid"))
    type(ignored).objects.filter(pk__in=[ignored.pk, clicked.pk]).update(created_at=timezone.now() - timedelta(days=45))
    Event.objects.create(kind="click", placement="product_fbt", product=clicked.complement, anchor=clicked.product)
    expired = ComplementFactory(
        product=ProductFactory(name="Kettle"),
        complement=ProductFactory(name="Descaler"),
        active_until=timezone.now() - timedelta(days=1),
    )
    # when
    html = admin_client.get(HEALTH).content.decode()
    # then
    assert "Chef knife → Old sharpener" in html and "is inactive" in html
    assert "Upgrade “Empty board” is out of stock" in html
    assert f"{tier.ladder}: Big" in html
    assert "Lonely teapot" in html
    assert "Mug → Coaster" in html
    assert "Pan → Lid" not in html.split('id="unused-links"')[1].split("</section>")[0]
    assert "Kettle → Descaler" in html
    assert reverse("admin:recommendations_complement_change", args=[dead_link.pk]) in html
    assert reverse("admin:recommendations_complement_change", args=[expired.pk]) in html
    assert reverse("admin:catalog_product_change", args=[lonely.pk]) in html


def test_a_product_with_computed_partners_has_complements(admin_client):
    snapshot = Snapshot.objects.create(status="live", window_start=timezone.now(), window_end=timezone.now())
    paired, partner = ProductFactory(name="Paired grinder"), ProductFactory(name="Paired beans")
    partition_ensure(snapshot.pk)
    PairStat.objects.create(
        snapshot=snapshot,
        product_id=paired.pk,
        partner_id=partner.pk,
        rank=1,
        count_ab=3,
        count_a=5,
        count_b=6,
        support=0.1,
        confidence=0.6,
        lift=2.0,
        score=1.0,
    )
    section = admin_client.get(HEALTH).context["sections"][1]
    subjects = [finding.subject for finding in section.findings]
    assert "Paired grinder" not in subjects
    assert "Paired beans" in subjects


def test_a_healthy_shop_has_nothing_to_fix(admin_client):
    link = ComplementFactory()
    ComplementFactory(product=link.complement, complement=link.product)
    assert "All clear: nothing to fix." in admin_client.get(HEALTH).content.decode()


# Explain a pair -------------------------------------------------------------------------


def test_explain_a_pair_gives_counts_support_confidence_both_ways_lift_and_snapshot(admin_client):
    a, b = ProductFactory(name="Toaster"), ProductFactory(name="Bread bin")
    snapshot = publish_pairs({b: [(ProductFactory(), 12, 25, 30), (a, 10, 25, 40)]}, order_count=200)
    response = admin_client.get(EXPLAIN, {"product_a": a.pk, "product_b": b.pk})
    explanation = response.context["explanation"]
    assert (explanation.count_a, explanation.count_b, explanation.count_ab) == (40, 25, 10)
    assert explanation.support == pytest.approx(0.05)
    assert explanation.confidence_ab == pytest.approx(0.25)
    assert explanation.confidence_ba == pytest.approx(0.40)
    assert explanation.lift == pytest.approx(10 * 200 / (40 * 25))
    html = response.content.decode()
    assert f"snapshot #{snapshot.pk}" in html
    assert "25.0%" in html and "40.0%" in html and "2.00" in html
    assert "#2" in html  # A is B's second partner
    assert "not kept" in html  # B is not among A's


def test_a_pair_too_weak_to_keep_still_shows_each_products_orders(admin_client):
    a, b = ProductFactory(name="Toaster"), ProductFactory(name="Umbrella")
    snapshot = publish_pairs({a: [(ProductFactory(), 5, 40, 9)]}, order_count=200)
    ProductStat.objects.bulk_create(
        [
            ProductStat(snapshot=snapshot, product_id=a.pk, order_count=40),
            ProductStat(snapshot=snapshot, product_id=b.pk, order_count=7),
        ]
    )
    response = admin_client.get(EXPLAIN, {"product_a": a.pk, "product_b": b.pk})
    explanation = response.context["explanation"]
    assert (explanation.count_a, explanation.count_b, explanation.count_ab) == (40, 7, 0)
    assert "too rarely bought together" in response.content.decode()


def test_explaining_a_product_with_itself_is_a_form_error(admin_client):
    a = ProductFactory()
    response = admin_client.get(EXPLAIN, {"product_a": a.pk, "product_b": a.pk})
    assert "Pick two different products." in response.content.decode()
    assert response.context["explanation"] is None


def test_explain_a_pair_without_a_live_snapshot_says_so(admin_client):
    a, b = ProductFactory(), ProductFactory()
    response = admin_client.get(EXPLAIN, {"product_a": a.pk, "product_b": b.pk})
    assert "No co-purchase snapshot is live yet" in response.content.decode()


def test_the_pair_form_uses_the_admin_autocomplete(admin_client):
    html = admin_client.get(EXPLAIN).content.decode()
    assert "admin-autocomplete" in html
    product = ProductFactory(name="Searchable toaster")
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Searchable", "app_label": "measurement", "model_name": "event", "field_name": "product"},
    )
    assert found.json()["results"] == [{"id": str(product.pk), "text": "Searchable toaster"}]


def test_the_health_report_query_count_does_not_grow_with_the_findings(admin_client, django_assert_max_num_queries):
    ComplementFactory(complement=ProductFactory(is_active=False))
    ProductFactory()
    with django_assert_max_num_queries(12) as few:
        admin_client.get(HEALTH)
    few_cost = len(few.captured_queries)
    for _ in range(30):
        ComplementFactory(complement=ProductFactory(stock=0), active_until=timezone.now() - timedelta(days=2))
        ProductFactory()
    with django_assert_max_num_queries(few_cost + 2):  # + the COUNTs of long sections
        html = admin_client.get(HEALTH).content.decode()
    assert "Showing 25 of" in html
