"""A guest reviews through the signed link in the "How was it?" e-mail: no account needed, and
the link can't be forged, re-pointed or used after it expires."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from catalog.reviews.models import Review
from catalog.reviews.tokens import LinkProblem, ReviewLink, review_link_load, review_token
from shop.orders.models import Order
from tests.factories import ProductFactory, UserFactory

from .conftest import place_order

pytestmark = pytest.mark.django_db

GOOD = {"rating": "5", "title": "Lovely kettle", "text": "Boils quickly and looks great on the hob."}


def link_url(order, product):
    return reverse("reviews:write-from-link", kwargs={"token": review_token(order_id=order.pk, product_id=product.pk)})


@pytest.fixture
def guest_order(kettle):
    return place_order(product=kettle, email="Grace@Example.com", name="Grace Hopper", status=Order.Status.SHIPPED)


def test_a_guest_reviews_from_a_valid_link_without_signing_in(client, guest_order, kettle):
    url = link_url(guest_order, kettle)

    page = client.get(url)
    response = client.post(url, GOOD)

    assert page.status_code == 200 and "How was it?" in page.content.decode()
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.user, review.email, review.order, review.author_name) == (None, "grace@example.com", guest_order, "Grace H.")
    assert review.status == Review.Status.PENDING and review.is_verified_purchase


def test_the_link_page_is_kept_out_of_search_engines_and_referrers(client, guest_order, kettle):
    html = client.get(link_url(guest_order, kettle)).content.decode()
    assert '<meta name="robots" content="noindex">' in html and 'content="same-origin"' in html


def test_the_same_link_edits_the_guests_review_instead_of_adding_one(client, guest_order, kettle):
    url = link_url(guest_order, kettle)
    client.post(url, GOOD)
    client.post(url, {**GOOD, "rating": "3"})
    assert list(Review.objects.values_list("rating", flat=True)) == [3]


def test_a_second_order_by_the_same_guest_address_still_gives_one_review(client, guest_order, kettle):
    again = place_order(product=kettle, email="grace@example.com", status=Order.Status.PAID)
    client.post(link_url(guest_order, kettle), GOOD)
    client.post(link_url(again, kettle), {**GOOD, "title": "Second thoughts"})
    assert list(Review.objects.values_list("title", flat=True)) == ["Second thoughts"]


def test_an_order_placed_signed_in_gives_the_account_one_review_from_the_link_or_the_product_page(client, kettle):
    user = UserFactory()
    order = place_order(product=kettle, user=user)
    client.post(link_url(order, kettle), GOOD)
    client.force_login(user)
    client.post(reverse("reviews:write", kwargs={"slug": kettle.slug}), {**GOOD, "title": "Edited"})
    review = Review.objects.get()
    assert (review.user, review.title) == (user, "Edited")


def test_an_expired_link_says_so_and_writes_nothing(client, guest_order, kettle, settings):
    url = link_url(guest_order, kettle)
    settings.REVIEW_LINK_MAX_AGE_DAYS = 0  # every signature is older than zero days

    page = client.get(url)
    posted = client.post(url, GOOD)

    assert page.status_code == posted.status_code == 404
    assert "This review link has expired" in page.content.decode()
    assert not Review.objects.exists()


def test_a_link_expires_after_the_configured_days(guest_order, kettle, settings, monkeypatch):
    token = review_token(order_id=guest_order.pk, product_id=kettle.pk)
    settings.REVIEW_LINK_MAX_AGE_DAYS = 60
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + timedelta(days=59).total_seconds())
    assert review_link_load(token) == ReviewLink(order_id=guest_order.pk, product_id=kettle.pk)
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + timedelta(days=61).total_seconds())
    assert review_link_load(token) is LinkProblem.EXPIRED


@pytest.mark.parametrize("tamper", ["flip", "truncate", "resign_other_salt", "garbage"])
def test_a_tampered_link_is_refused_and_writes_nothing(client, guest_order, kettle, tamper):
    token = review_token(order_id=guest_order.pk, product_id=kettle.pk)
    bad = {
        "flip": token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:],
        "truncate": token[: len(token) // 2],
        "resign_other_salt": signing.dumps({"o": guest_order.pk, "p": kettle.pk}, salt="followups.restore"),
        "garbage": "not-a-token",
    }[tamper]
    url = reverse("reviews:write-from-link", kwargs={"token": bad})

    page = client.get(url)
    posted = client.post(url, GOOD)

    assert page.status_code == posted.status_code == 404
    assert "This review link doesn’t work" in page.content.decode()
    assert not Review.objects.exists()


def test_a_link_cannot_be_pointed_at_a_product_the_order_does_not_hold(client, guest_order):
    other = ProductFactory()
    page = client.get(link_url(guest_order, other))
    assert page.status_code == 404 and "can’t be reviewed any more" in page.content.decode()


def test_a_link_stops_working_once_the_order_is_cancelled(client, guest_order, kettle):
    Order.objects.filter(pk=guest_order.pk).update(status=Order.Status.CANCELLED)
    assert client.post(link_url(guest_order, kettle), GOOD).status_code == 404
    assert not Review.objects.exists()


def test_a_link_payload_of_the_wrong_shape_is_invalid():
    token = signing.dumps({"o": "1", "p": 2}, salt="reviews.write", compress=True)
    assert review_link_load(token) is LinkProblem.INVALID


def test_bad_input_through_a_link_gets_clear_errors(client, guest_order, kettle):
    response = client.post(link_url(guest_order, kettle), {"rating": "", "title": "", "text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a rating from 1 to 5 stars." in html and "Give your review a title." in html
    assert not Review.objects.exists()
