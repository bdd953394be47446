"""Unsubscribing from a signed link, without logging in."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from recommendations.followups.models import OptOut
from recommendations.followups.services import post_purchase_send_due
from recommendations.followups.tokens import unsubscribe_token
from shop.celery import app

pytestmark = pytest.mark.django_db


def _unsubscribe_url_from(message) -> str:
    return next(word for word in message.body.split() if "/followups/unsubscribe/" in word).split("127.0.0.1:8000")[1]


def test_the_link_in_the_email_unsubscribes_without_logging_in(kettle_order, client):
    post_purchase_send_due()
    url = _unsubscribe_url_from(mail.outbox[0])
    page = client.get(url)
    assert page.status_code == 200 and "ada@example.com" in page.content.decode()
    assert not OptOut.objects.exists()  # opening the link alone changes nothing
    done = client.post(url)
    assert "You’re unsubscribed" in done.content.decode()
    assert list(OptOut.objects.values_list("email", flat=True)) == ["ada@example.com"]


def test_one_click_unsubscribe_from_the_mail_client_needs_no_cookie_or_csrf_token(db):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("followups:unsubscribe", args=[unsubscribe_token("Bob@Example.com")]),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert OptOut.objects.filter(email="bob@example.com").exists()


def test_unsubscribing_twice_is_harmless(db, client):
    url = reverse("followups:unsubscribe", args=[unsubscribe_token("carol@example.com")])
    client.post(url)
    client.post(url)
    assert OptOut.objects.count() == 1


def test_a_forged_token_unsubscribes_nobody(db, client):
    token = unsubscribe_token("dave@example.com")
    response = client.post(reverse("followups:unsubscribe", args=[token[:-3] + "abc"]))
    assert response.status_code == 404
    assert not OptOut.objects.exists()


def test_the_beat_schedule_runs_every_follow_up_task(settings):
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "recommendations.followups.tasks.send_post_purchase_emails",
        "recommendations.followups.tasks.send_abandoned_cart_emails",
        "recommendations.measurement.tasks.expire_rec_origins",
    ):
        assert name in scheduled
        assert name in app.tasks
