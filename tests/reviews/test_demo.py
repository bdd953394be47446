"""load_demo gives the kitchen range and the best sellers a few reviews, marked as demo content."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from catalog.models import Product
from catalog.reviews.models import HelpfulVote, Review
from shop.demo import handmade
from shop.demo.reviews import KITCHEN
from shop.demo.services import demo_reset

SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "sample"
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    out = io.StringIO()
    call_command("load_demo", "--source", str(SAMPLE), "--no-images", stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def test_the_kitchen_range_and_the_best_sellers_get_demo_reviews(demo):
    reviews = Review.objects.all()
    assert f"{reviews.count()} reviews" in demo
    assert set(reviews.values_list("is_demo", flat=True)) == {True}
    kitchen = {spec.sku for spec in handmade.PRODUCTS}
    assert set(reviews.filter(product__sku__in=kitchen).values_list("product__sku", flat=True)) == set(KITCHEN)
    popular = reviews.exclude(product__sku__in=kitchen)
    assert popular.exists()
    # The best sellers' reviews come from real demo orders that contain the product.
    assert all(r.order.lines.filter(product=r.product).exists() for r in popular.select_related("order"))
    assert set(popular.values_list("is_verified_purchase", flat=True)) == {True}


def test_the_demo_figures_match_the_published_demo_reviews(demo):
    for product in Product.objects.filter(rating_count__gt=0):
        published = Review.objects.published().filter(product=product)
        assert product.rating_count == published.count()
        assert product.rating_histogram == [published.filter(rating=stars).count() for stars in range(1, 6)]
    assert Review.objects.filter(status="pending").exists()  # something to moderate


def test_demo_helpful_counts_are_real_votes(demo):
    counted = Review.objects.annotate(votes=Count("helpful_votes"))
    assert all(review.votes == review.helpful_count for review in counted)
    assert HelpfulVote.objects.exists()


def test_reset_removes_the_demo_reviews_with_their_products(demo):
    demo_reset(source=SAMPLE)
    assert not Review.objects.exists() and not HelpfulVote.objects.exists()
