""" "How was it?": the review request sent some days after dispatch, with a signed link per
product, under the same rules as the other follow-ups (once, never to opted-out addresses,
with an unsubscribe link)."""

from datetime import timedelta

import pytest
from django.conf import settings as project_settings
from django.core import mail
from django.utils import timezone

from catalog.reviews.models import Review
from catalog.reviews.services import product_ratings_refresh
from recommendations.followups.models import FollowUp
from recommendations.followups.services import opt_out, post_purchase_send_due, review_request_send, review_requests_send_due
from recommendations.followups.tasks import send_review_request_emails
from shop.orders.models import Order
from tests.factories import OrderLineFactory, ProductFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def review_links(message) -> list[str]:
    return [word.split("127.0.0.1:8000")[1] for word in message.body.split() if "/reviews/how-was-it/" in word]


def test_a_customer_is_asked_how_it_was_some_days_after_dispatch(kettle_order):
    result = review_requests_send_due()

    assert (result.sent, result.skipped) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["Ada@Example.com"] and message.subject == "How was your Kettle?"
    assert "Hello Ada" in message.body and len(review_links(message)) == 1
    html, _ = message.alternatives[0]
    assert html.count("?rating=") == 5  # one link per star
    assert "/followups/unsubscribe/" in message.body and "/followups/unsubscribe/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    followup = FollowUp.objects.get(kind=FollowUp.Kind.REVIEW_REQUEST)
    assert followup.product_ids == [kettle_order.lines.get().product_id]


def test_the_link_in_the_email_lets_the_guest_review_without_an_account(kettle_order, client):
    review_requests_send_due()
    [url] = review_links(mail.outbox[0])

    form = client.get(url + "?rating=4")
    client.post(url, {"rating": "4", "title": "Boils in no time", "text": "Quiet, quick and easy to pour."})

    assert form.status_code == 200 and form.context["form"].initial == {"rating": 4}
    review = Review.objects.get()
    assert (review.email, review.order, review.user, review.status) == ("ada@example.com", kettle_order, None, "pending")


def test_running_again_or_from_beat_sends_nothing_more(kettle_order):
    review_requests_send_due()
    review_requests_send_due()
    send_review_request_emails.delay().get(timeout=10)
    assert len(mail.outbox) == 1
    assert review_request_send(order=kettle_order) is None


def test_it_is_a_follow_up_of_its_own_beside_the_post_purchase_one(kettle_order):
    post_purchase_send_due()
    review_requests_send_due()
    assert sorted(FollowUp.objects.values_list("kind", flat=True)) == ["post_purchase", "review_request"]
    assert len(mail.outbox) == 2


def test_nothing_before_the_delay_for_an_order_not_shipped_or_long_ago(kettle_order):
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=9))
    assert review_requests_send_due().sent == 0
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=40))
    assert review_requests_send_due().sent == 0
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=12), status=Order.Status.CANCELLED)
    assert review_requests_send_due().sent == 0
    assert mail.outbox == []


def test_the_delay_is_a_setting(kettle_order, settings):
    settings.FOLLOWUP_REVIEW_REQUEST_DAYS = 20
    assert review_requests_send_due().sent == 0
    settings.FOLLOWUP_REVIEW_REQUEST_DAYS = 14
    assert review_requests_send_due().sent == 1


def test_no_request_to_an_address_that_opted_out(kettle_order):
    opt_out(email="ADA@example.com")
    assert review_requests_send_due().sent == 0
    assert mail.outbox == []


def test_products_already_reviewed_are_left_out_and_with_none_left_nothing_is_sent(kettle_order):
    kettle = kettle_order.lines.get().product
    teapot = ProductFactory(name="Teapot")
    OrderLineFactory(order=kettle_order, product=teapot)
    ReviewFactory(product=kettle, email="ada@example.com")

    review_requests_send_due()

    [message] = mail.outbox
    assert message.subject == "How was your Teapot?"
    assert "- Teapot" in message.body and "- Kettle" not in message.body and len(review_links(message)) == 1
    FollowUp.objects.all().delete()
    mail.outbox.clear()
    ReviewFactory(product=teapot, email="ada@example.com")

    result = review_requests_send_due()

    assert (result.sent, result.skipped) == (0, 1) and mail.outbox == []


def test_beat_sends_the_requests_hourly():
    entry = project_settings.CELERY_BEAT_SCHEDULE["followups-review-requests"]
    assert entry["task"] == "recommendations.followups.tasks.send_review_request_emails"


def test_recommendations_in_the_post_purchase_email_carry_their_rating(kettle_order):
    descaler = kettle_order.lines.get().product.complement_links.get().complement
    ReviewFactory(product=descaler, rating=4)
    ReviewFactory(product=descaler, rating=5)
    product_ratings_refresh(product_ids=[descaler.pk])

    post_purchase_send_due()

    html, _ = mail.outbox[0].alternatives[0]
    assert "★ 4.5" in html and "(2)" in html
