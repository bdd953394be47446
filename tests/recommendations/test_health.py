"""The curation health report in the admin: what has gone stale, with a link to fix it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.copurchase.models import PairStat, Snapshot
from recommendations.copurchase.partitions import partition_ensure
from recommendations.measurement.models import Event
from tests.factories import ComplementFactory, LadderTierFactory, ProductFactory, UpgradeFactory

pytestmark = pytest.mark.django_db

HEALTH = reverse("admin:recommendations_healthreport_changelist")


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
