"""Only verified buyers write reviews, one per customer and product, and an edit is checked again."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from catalog.reviews.models import Review
from catalog.reviews.services import reviews_publish, reviews_reject
from shop.orders.models import Order
from tests.factories import ProductFactory, UserFactory

from .conftest import place_order, reviewed

pytestmark = pytest.mark.django_db

GOOD = {"rating": "4", "title": "Boils fast", "text": "Quiet, quick and the handle stays cool."}


def write_url(product):
    return reverse("reviews:write", kwargs={"slug": product.slug})


def test_a_customer_with_a_paid_order_writes_a_review_that_waits_for_moderation(buyer_client, buyer, kettle):
    response = buyer_client.post(write_url(kettle), GOOD)

    assert response.status_code == 302 and response["Location"] == kettle.get_absolute_url() + "#reviews"
    review = Review.objects.get()
    assert (review.user, review.product, review.rating, review.title) == (buyer, kettle, 4, "Boils fast")
    assert review.status == Review.Status.PENDING
    assert review.is_verified_purchase and review.order.user == buyer
    assert review.author_name == "Ada L." and review.email == "ada@example.com"
    kettle.refresh_from_db()
    assert kettle.rating_count == 0  # not published yet


def test_a_shipped_order_verifies_the_purchase_too(client, kettle):
    user = UserFactory()
    place_order(product=kettle, user=user, status=Order.Status.SHIPPED)
    client.force_login(user)
    assert client.get(write_url(kettle)).status_code == 200
    assert client.post(write_url(kettle), GOOD).status_code == 302


@pytest.mark.parametrize("status", [Order.Status.AWAITING_PAYMENT, Order.Status.CANCELLED])
def test_an_order_not_paid_or_cancelled_does_not_verify_the_purchase(client, kettle, status):
    user = UserFactory()
    place_order(product=kettle, user=user, status=status)
    client.force_login(user)

    page = client.get(write_url(kettle))
    posted = client.post(write_url(kettle), GOOD)

    assert page.status_code == posted.status_code == 403
    assert "Only customers who bought it can review it" in page.content.decode()
    assert not Review.objects.exists()


def test_someone_who_bought_something_else_or_whose_address_matches_a_guest_order_cannot_review(client, kettle):
    user = UserFactory(email="guest@example.com")
    place_order(product=ProductFactory(), user=user)
    place_order(product=kettle, email="guest@example.com")  # a guest order: not the account's
    client.force_login(user)

    assert client.post(write_url(kettle), GOOD).status_code == 403
    assert not Review.objects.exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(client, kettle):
    response = client.get(write_url(kettle))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_an_inactive_product_cannot_be_reviewed(buyer_client, kettle):
    kettle.is_active = False
    kettle.save()
    assert buyer_client.get(write_url(kettle)).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**GOOD, "rating": ""}, "rating", "Choose a rating from 1 to 5 stars."),
        ({**GOOD, "rating": "6"}, "rating", "Choose a rating from 1 to 5 stars."),
        ({**GOOD, "rating": "0"}, "rating", "Choose a rating from 1 to 5 stars."),
        ({**GOOD, "rating": "four"}, "rating", "Choose a rating from 1 to 5 stars."),
        ({**GOOD, "title": "   "}, "title", "Give your review a title."),
        ({**GOOD, "title": "x" * 121}, "title", "Keep the title to 120 characters or fewer."),
        ({**GOOD, "text": "Good."}, "text", "at least 20 characters"),
        ({**GOOD, "text": "x" * 5001}, "text", "5000 characters or fewer"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(buyer_client, kettle, data, field, message):
    response = buyer_client.post(write_url(kettle), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Review.objects.exists()


def test_one_review_per_customer_and_product_a_second_post_edits_it(buyer_client, buyer, kettle):
    buyer_client.post(write_url(kettle), GOOD)
    buyer_client.post(write_url(kettle), {**GOOD, "rating": "2", "title": "Changed my mind"})

    review = Review.objects.get()
    assert (review.rating, review.title) == (2, "Changed my mind")


def test_the_form_is_filled_with_the_customers_review_to_edit(buyer_client, kettle):
    buyer_client.post(write_url(kettle), GOOD)
    page = buyer_client.get(write_url(kettle))
    assert page.context["form"].initial == {"rating": 4, "title": "Boils fast", "text": GOOD["text"]}
    assert "Edit your review" in page.content.decode()


def test_editing_a_published_review_sends_it_back_to_moderation_and_out_of_the_figures(buyer_client, buyer, kettle):
    buyer_client.post(write_url(kettle), GOOD)
    review = Review.objects.get()
    reviews_publish(reviews=[review])
    reviewed(kettle, 2)
    assert (kettle.rating_count, kettle.rating_average) == (2, Decimal("3.00"))

    buyer_client.post(write_url(kettle), {**GOOD, "rating": "5"})

    review.refresh_from_db()
    kettle.refresh_from_db()
    assert review.status == Review.Status.PENDING and review.rating == 5
    assert (kettle.rating_count, kettle.rating_average, kettle.rating_histogram) == (1, Decimal("2.00"), [0, 1, 0, 0, 0])


def test_editing_a_rejected_review_clears_the_reason_and_resubmits_it(buyer_client, kettle):
    buyer_client.post(write_url(kettle), GOOD)
    reviews_reject(reviews=Review.objects.all(), reason="Please leave out the shop assistant's name.")
    assert "leave out the shop assistant" in buyer_client.get(write_url(kettle)).content.decode()

    buyer_client.post(write_url(kettle), {**GOOD, "text": "Quiet, quick and the handle stays cool. Lovely."})

    review = Review.objects.get()
    assert (review.status, review.rejection_reason) == (Review.Status.PENDING, "")


def test_the_database_refuses_a_second_review_by_the_same_customer_or_guest_address(buyer, kettle):
    Review.objects.create(product=kettle, user=buyer, email=buyer.email, author_name="A", rating=5, title="t", text="x")
    with pytest.raises(IntegrityError):
        Review.objects.create(product=kettle, user=buyer, email="other@example.com", author_name="A", rating=4, title="t", text="x")


def test_the_database_refuses_a_second_review_by_one_guest_address(kettle):
    Review.objects.create(product=kettle, email="g@example.com", author_name="A", rating=5, title="t", text="x")
    with pytest.raises(IntegrityError):
        Review.objects.create(product=kettle, email="g@example.com", author_name="A", rating=4, title="t", text="x")


@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_a_rating_outside_one_to_five(kettle, rating):
    with pytest.raises(IntegrityError):
        Review.objects.create(product=kettle, email="g@example.com", author_name="A", rating=rating, title="t", text="x")


def test_a_customer_whose_order_has_no_name_is_shown_as_a_verified_buyer(client, kettle):
    user = UserFactory()
    place_order(product=kettle, user=user, name="")
    client.force_login(user)
    client.post(write_url(kettle), GOOD)
    assert Review.objects.get().author_name == "Verified buyer"


def test_the_email_stars_preselect_the_rating(buyer_client, kettle):
    page = buyer_client.get(write_url(kettle) + "?rating=5")
    assert page.context["form"].initial == {"rating": 5}
    assert buyer_client.get(write_url(kettle) + "?rating=9").context["form"].initial == {}
