"""Explain a pair: the live co-purchase statistics of two products, for staff."""

import pytest
from django.urls import reverse

from recommendations.copurchase.models import ProductStat
from tests.factories import ProductFactory
from tests.recommendations.conftest import publish_pairs

pytestmark = pytest.mark.django_db

EXPLAIN = reverse("admin:copurchase_pairexplanation_changelist")


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
        {"term": "Searchable", "app_label": "orders", "model_name": "orderline", "field_name": "product"},
    )
    assert found.json()["results"] == [{"id": str(product.pk), "text": "Searchable toaster"}]
