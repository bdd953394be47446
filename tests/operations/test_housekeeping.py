"""Nightly housekeeping: expired sessions and idle guest carts go, in batches; the beat runs it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from recommendations.followups.models import FollowUp
from shop.cart.models import Cart, CartLine
from shop.cart.services import carts_delete_idle
from shop.cart.tasks import delete_idle_carts
from shop.celery import app as celery_app
from shop.operations.housekeeping import delete_in_batches, sessions_clear_expired
from shop.operations.tasks import clear_expired_sessions
from tests.factories import CartFactory, CartLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["cart_id"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def idle_since(cart: Cart, days: int) -> Cart:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return cart


def test_expired_sessions_are_cleared_in_batches_and_live_ones_kept():
    expired = [session(expires_in=timedelta(minutes=-1)) for _ in range(7)]
    live = session(expires_in=timedelta(days=1))

    assert sessions_clear_expired(batch_size=3) == 7

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert not Session.objects.filter(session_key__in=expired).exists()


def test_idle_guest_carts_go_with_their_lines_and_customers_and_recent_carts_stay(settings):
    settings.CART_IDLE_DAYS = 30
    idle = idle_since(CartFactory(session_key="idle-guest"), 31)
    CartLineFactory(cart=idle)
    reminded = FollowUp.objects.create(kind=FollowUp.Kind.ABANDONED_CART, cart=idle, email="a@example.com")
    recent = idle_since(CartFactory(session_key="recent-guest"), 29)
    customers = idle_since(CartFactory(session_key=None, user=UserFactory()), 400)

    assert carts_delete_idle() == 1

    assert set(Cart.objects.values_list("pk", flat=True)) == {recent.pk, customers.pk}
    assert not CartLine.objects.filter(cart_id=idle.pk).exists()
    reminded.refresh_from_db()
    assert reminded.cart is None  # the reminder's record stays (its cooldown counts it)


def test_delete_in_batches_rechecks_the_filter_for_each_batch():
    carts = [idle_since(CartFactory(session_key=f"guest-{n}"), 40) for n in range(5)]
    idle = Cart.objects.filter(updated_at__lt=timezone.now() - timedelta(days=30))

    assert delete_in_batches(idle, batch_size=2) == 5
    assert not Cart.objects.filter(pk__in=[c.pk for c in carts]).exists()


def test_the_beat_runs_every_housekeeping_task_nightly():
    celery_app.loader.import_default_modules()  # what a worker does at start: finds every tasks.py
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "shop.operations.tasks.clear_expired_sessions",
        "shop.cart.tasks.delete_idle_carts",
        "recommendations.measurement.tasks.keep_measurement_history",
    ):
        assert name in celery_app.tasks
        assert tasks[name].hour == {settings.HOUSEKEEPING_HOUR}


def test_the_housekeeping_tasks_return_what_they_deleted():
    session(expires_in=timedelta(seconds=-5))
    idle_since(CartFactory(session_key="idle"), 90)
    assert clear_expired_sessions.apply().get(timeout=10) == 1
    assert delete_idle_carts.apply().get(timeout=10) == 1
