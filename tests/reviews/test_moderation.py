"""Moderation in the admin, and the product's figures (average, count, distribution) after
every publish, reject, edit and delete."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import Product
from catalog.reviews.models import Review
from catalog.reviews.services import (
    ReviewError,
    product_ratings_refresh,
    review_staff_update,
    reviews_delete,
    reviews_publish,
    reviews_reject,
)
from tests.factories import ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")


def figures(product) -> tuple:
    product = Product.objects.get(pk=product.pk)
    return product.rating_count, product.rating_average, product.rating_histogram


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="manager", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def pending(kettle):
    return [ReviewFactory(product=kettle, rating=rating, status="pending") for rating in (5, 4, 4, 1)]


def test_publishing_counts_the_reviews_into_the_products_figures(kettle, pending):
    assert figures(kettle) == (0, None, [])

    reviews_publish(reviews=pending[:3])

    assert figures(kettle) == (3, Decimal("4.33"), [0, 0, 0, 2, 1])


def test_rejecting_a_published_review_takes_it_out_again(kettle, pending):
    reviews_publish(reviews=pending)
    assert figures(kettle) == (4, Decimal("3.50"), [1, 0, 0, 2, 1])

    reviews_reject(reviews=[pending[3]], reason="Describes a different product.")

    assert figures(kettle) == (3, Decimal("4.33"), [0, 0, 0, 2, 1])
    pending[3].refresh_from_db()
    assert (pending[3].status, pending[3].rejection_reason) == ("rejected", "Describes a different product.")


def test_deleting_reviews_updates_the_figures_and_the_last_one_clears_them(kettle, pending):
    reviews_publish(reviews=pending)
    reviews_delete(reviews=pending[:2])
    assert figures(kettle) == (2, Decimal("2.50"), [1, 0, 0, 1, 0])
    reviews_delete(reviews=Review.objects.all())
    assert figures(kettle) == (0, None, [0, 0, 0, 0, 0])


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(kettle, pending):
    with pytest.raises(ReviewError):
        reviews_reject(reviews=pending, reason="   ")
    assert set(Review.objects.values_list("status", flat=True)) == {"pending"}


def test_bulk_moderation_of_several_products_refreshes_each_in_one_go(django_assert_max_num_queries):
    products = ProductFactory.create_batch(20)
    reviews = [ReviewFactory(product=product, rating=(i % 5) + 1, status="pending") for i, product in enumerate(products)]
    # lock, update, aggregate, bulk update (+ savepoint) whatever the number of products
    with django_assert_max_num_queries(6):
        reviews_publish(reviews=reviews)
    assert Product.objects.filter(rating_count=1).count() == 20


def test_figures_are_recomputed_not_accumulated(kettle, pending):
    """A stale or double-counted figure heals at the next moderation."""
    Product.objects.filter(pk=kettle.pk).update(rating_count=99, rating_average=Decimal("1.00"))
    reviews_publish(reviews=pending[:1])
    assert figures(kettle) == (1, Decimal("5.00"), [0, 0, 0, 0, 1])
    product_ratings_refresh(product_ids=[kettle.pk])
    assert figures(kettle) == (1, Decimal("5.00"), [0, 0, 0, 0, 1])


def test_staff_reply_publicly_from_the_change_form(staff_client, kettle, pending):
    review = pending[0]
    url = reverse("admin:reviews_review_change", args=[review.pk])

    response = staff_client.post(url, {"status": "published", "rejection_reason": "", "staff_reply": "Thank you, Ada!"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.staff_reply) == ("published", "Thank you, Ada!")
    assert review.staff_reply_at is not None and review.moderated_by.username == "manager"
    assert figures(kettle)[0] == 1
    assert "Thank you, Ada!" in staff_client.get(kettle.get_absolute_url()).content.decode()


def test_the_change_form_refuses_a_rejection_without_a_reason(staff_client, pending):
    url = reverse("admin:reviews_review_change", args=[pending[0].pk])
    response = staff_client.post(url, {"status": "rejected", "rejection_reason": "", "staff_reply": ""})
    assert response.status_code == 200
    assert "Give a reason for rejecting" in response.content.decode()
    pending[0].refresh_from_db()
    assert pending[0].status == "pending"


def test_the_service_refuses_a_rejection_without_a_reason_too(pending):
    with pytest.raises(ReviewError):
        review_staff_update(review=pending[0], status="rejected", reason="", reply="", staff=None)


def test_staff_publish_in_bulk_from_the_changelist(staff_client, kettle, pending):
    response = staff_client.post(
        CHANGELIST, {"action": "publish_reviews", "_selected_action": [r.pk for r in pending[:2]]}, follow=True
    )
    assert "Published 2 reviews." in response.content.decode()
    assert figures(kettle) == (2, Decimal("4.50"), [0, 0, 0, 1, 1])


def test_bulk_reject_asks_for_the_reason_first_then_rejects(staff_client, kettle, pending):
    ids = [r.pk for r in pending[:2]]

    asked = staff_client.post(CHANGELIST, {"action": "reject_reviews", "_selected_action": ids})
    no_reason = staff_client.post(CHANGELIST, {"action": "reject_reviews", "_selected_action": ids, "apply": "1", "reason": ""})
    done = staff_client.post(
        CHANGELIST, {"action": "reject_reviews", "_selected_action": ids, "apply": "1", "reason": "Off topic."}, follow=True
    )

    assert asked.status_code == 200 and "Reason shown to the customers" in asked.content.decode()
    assert "Give a reason for rejecting" in no_reason.content.decode()
    assert "Rejected 2 reviews." in done.content.decode()
    assert list(Review.objects.filter(pk__in=ids).values_list("status", "rejection_reason").order_by().distinct()) == [("rejected", "Off topic.")]


def test_the_bulk_delete_keeps_the_figures_in_step(staff_client, kettle, pending):
    reviews_publish(reviews=pending)
    staff_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [pending[3].pk], "post": "yes"})
    assert figures(kettle) == (3, Decimal("4.33"), [0, 0, 0, 2, 1])


def test_staff_who_may_only_view_reviews_cannot_run_the_actions(client, pending):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_review"))
    client.force_login(viewer)

    page = client.get(CHANGELIST)
    response = client.post(CHANGELIST, {"action": "publish_reviews", "_selected_action": [pending[0].pk]})

    assert page.status_code == 200
    assert "publish_reviews" not in page.content.decode() and "reject_reviews" not in page.content.decode()
    assert response.status_code in (200, 302)
    assert set(Review.objects.values_list("status", flat=True)) == {"pending"}


def test_the_changelist_filters_and_marks_demo_content(staff_client, kettle):
    ReviewFactory(product=kettle, title="From the demo", is_demo=True)
    ReviewFactory(product=kettle, title="From a customer")

    demo_only = staff_client.get(CHANGELIST, {"is_demo__exact": "1"}).content.decode()
    pending_only = staff_client.get(CHANGELIST, {"status__exact": "pending"}).content.decode()

    assert "From the demo" in demo_only and "DEMO" in demo_only and "From a customer" not in demo_only
    assert "From the demo" not in pending_only


def test_staff_cannot_add_reviews_or_rewrite_a_customers_words(staff_client, pending):
    assert staff_client.get(reverse("admin:reviews_review_add")).status_code == 403
    url = reverse("admin:reviews_review_change", args=[pending[0].pk])
    staff_client.post(url, {"status": "pending", "rejection_reason": "", "staff_reply": "", "title": "Rewritten"})
    pending[0].refresh_from_db()
    assert pending[0].title != "Rewritten"
