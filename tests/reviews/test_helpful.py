""" "Was this helpful?" counts once per visitor: per account when signed in, per browser
session otherwise, however often it is sent."""

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from catalog.reviews.models import HelpfulVote, Review
from catalog.reviews.services import ReviewError, helpful_vote_add, product_ratings_refresh
from tests.factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def helpful_url(review):
    return reverse("reviews:helpful", kwargs={"pk": review.pk})


@pytest.fixture
def review(kettle):
    return ReviewFactory(product=kettle)


def helpful_count(review) -> int:
    return Review.objects.get(pk=review.pk).helpful_count


def test_a_thousand_votes_from_one_visitor_count_once(client, review):
    client.get(review.product.get_absolute_url())

    answers = [client.post(helpful_url(review), headers={"Accept": "application/json"}).json() for _ in range(1000)]

    assert [answer["added"] for answer in answers] == [True] + [False] * 999
    assert HelpfulVote.objects.count() == 1
    assert helpful_count(review) == 1


def test_the_first_vote_of_a_visitor_without_a_session_gives_them_one(client, review):
    """No earlier page view: the vote itself starts the session, so the next one is recognised."""
    client.post(helpful_url(review))
    client.post(helpful_url(review))
    assert helpful_count(review) == 1


def test_each_visitor_counts_and_a_signed_in_customer_counts_once_across_browsers(review):
    customer = UserFactory()
    laptop, phone = Client(), Client()
    laptop.force_login(customer)
    phone.force_login(customer)

    for visitor in (Client(), Client(), laptop, phone):
        visitor.post(helpful_url(review))

    assert helpful_count(review) == 3
    assert set(HelpfulVote.objects.values_list("voter", flat=True)) >= {f"user:{customer.pk}"}


def test_the_answer_says_when_the_vote_was_already_counted(client, review):
    first = client.post(helpful_url(review), follow=True).content.decode()
    second = client.post(helpful_url(review), follow=True).content.decode()
    assert "Thanks for your feedback." in first
    assert "already said this review was helpful" in second


def test_scripts_get_json_with_the_new_count(client, review):
    headers = {"Accept": "application/json"}
    first = client.post(helpful_url(review), headers=headers).json()
    again = client.post(helpful_url(review), headers=headers).json()
    assert first == {"voted": True, "added": True, "helpful_count": 1}
    assert again == {"voted": True, "added": False, "helpful_count": 1}


def test_a_vote_needs_a_post_with_a_csrf_token(review):
    assert Client().get(helpful_url(review)).status_code == 405
    assert Client(enforce_csrf_checks=True).post(helpful_url(review)).status_code == 403
    assert helpful_count(review) == 0


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_only_published_reviews_can_be_voted_on(client, kettle, status):
    hidden = ReviewFactory(product=kettle, status=status, rejection_reason="No." if status == "rejected" else "")
    assert client.post(helpful_url(hidden)).status_code == 404
    assert not HelpfulVote.objects.exists()


def test_authors_cannot_vote_for_their_own_review(client, kettle):
    author = UserFactory()
    own = ReviewFactory(product=kettle, user=author)
    client.force_login(author)

    response = client.post(helpful_url(own), headers={"Accept": "application/json"})

    assert response.status_code == 400 and "your own review" in response.json()["error"]
    assert helpful_count(own) == 0


def test_the_service_refuses_an_unknown_voter(review):
    with pytest.raises(ReviewError):
        helpful_vote_add(review=review, voter="")


def test_the_database_keeps_one_vote_per_visitor(review):
    HelpfulVote.objects.create(review=review, voter="session:abc")
    with pytest.raises(IntegrityError):
        HelpfulVote.objects.create(review=review, voter="session:abc")


def test_the_product_page_shows_which_reviews_the_visitor_found_helpful(client, kettle):
    voted, other = ReviewFactory(product=kettle, title="Voted"), ReviewFactory(product=kettle, title="Other")
    product_ratings_refresh(product_ids=[kettle.pk])
    client.post(helpful_url(voted))

    html = client.get(kettle.get_absolute_url()).content.decode()

    assert html.count("✓ You found this helpful") == 1
    assert html.count("Was this helpful?") == 1
    assert "1 person found this helpful" in html
