"""Racing writes on a real database: the vote's unique constraint and the product row lock
keep the counts right when requests arrive at the same moment."""

from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.reviews.models import HelpfulVote, Review
from catalog.reviews.services import helpful_vote_add, reviews_publish
from tests.checkout.test_concurrency import postgres_only, race  # noqa: F401 (postgres_only is a fixture)
from tests.factories import ProductFactory, ReviewFactory

RACERS = 12


@pytest.mark.django_db(transaction=True)
def test_one_visitor_voting_from_many_requests_at_once_counts_once(postgres_only):
    review = ReviewFactory()

    outcomes = race([lambda: helpful_vote_add(review=review, voter="session:racer") for _ in range(RACERS)])

    assert sorted(outcomes) == [False] * (RACERS - 1) + [True], outcomes
    assert HelpfulVote.objects.count() == 1
    assert Review.objects.get(pk=review.pk).helpful_count == 1


@pytest.mark.django_db(transaction=True)
def test_moderators_publishing_reviews_of_one_product_at_once_both_count(postgres_only):
    product = ProductFactory()
    reviews = [ReviewFactory(product=product, rating=rating, status="pending") for rating in (5, 4, 3, 2, 1, 5)]

    race([lambda review=review: reviews_publish(reviews=[review]) for review in reviews])

    product = Product.objects.get(pk=product.pk)
    assert (product.rating_count, product.rating_average) == (6, Decimal("3.33"))
    assert product.rating_histogram == [1, 1, 1, 1, 2]
