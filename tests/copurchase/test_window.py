"""The co-purchase window follows the shop's own trading history: one order placed today in
a shop whose history ended long ago (the demo's is 2011) must not freeze its statistics;
and staff see why a refresh was refused and what to do."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import shop.settings as project_settings
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.refresh import copurchase_refresh, refresh_window
from tests.factories import UserFactory

from .builders import place_baskets

pytestmark = pytest.mark.django_db

HISTORY_END = dt.datetime(2011, 12, 9, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo_like(settings, products):
    """A history that ended in December 2011, with the shop's default window settings."""
    settings.COPURCHASE_WINDOW_MIN_ORDERS = project_settings.COPURCHASE_WINDOW_MIN_ORDERS
    settings.COPURCHASE_QUALITY_MIN_QUERIES = 20  # the gate applies to this small history
    a, b, c, d, e, *_ = products
    for month in range(12):
        placed = HISTORY_END - dt.timedelta(days=30 * month)
        place_baskets([[a, b], [a, b, c], [c, d], [d, e, a]], placed_at=placed)
    return products


def test_one_order_today_does_not_move_the_window_past_a_history_that_ended_long_ago(demo_like):
    # given: the history's snapshot is live
    a, b, *_ = demo_like
    live = copurchase_refresh()
    assert live.order_count == 48

    # when: a customer places one order today, and the nightly refresh runs twice
    place_baskets([[a, b]], placed_at=timezone.now())
    tonight = copurchase_refresh()
    tomorrow = copurchase_refresh(now=timezone.now() + dt.timedelta(days=1))

    # then: both count the whole history plus today's order, and both pass the gate
    assert (tonight.status, tonight.order_count) == (Snapshot.Status.LIVE, 49)
    assert (tomorrow.status, tomorrow.order_count) == (Snapshot.Status.LIVE, 49)
    assert tonight.window_start <= HISTORY_END - dt.timedelta(days=330)


def test_a_trading_shop_counts_its_last_year_and_a_quiet_one_reaches_back_to_the_minimum(settings, products):
    a, b, *_ = products
    now = timezone.now()
    place_baskets([[a, b]] * 5, placed_at=now - dt.timedelta(days=10))
    place_baskets([[a, b]] * 3, placed_at=now - dt.timedelta(days=500))
    place_baskets([[a, b]] * 2, placed_at=now - dt.timedelta(days=900))

    settings.COPURCHASE_WINDOW_MIN_ORDERS = 5  # the last year holds enough
    assert refresh_window(now)[0] == now - dt.timedelta(days=365)
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 8  # reach back to the 8th newest order
    assert refresh_window(now)[0] == now - dt.timedelta(days=500)
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 50  # more than there are: the whole history
    assert refresh_window(now)[0] == now - dt.timedelta(days=900)
    assert copurchase_refresh(now=now).order_count == 10


def test_staff_see_why_a_refresh_was_refused_and_what_to_do(demo_like, settings, client):
    # given: a window of the calendar year only (the behaviour this change fixes)
    a, b, *_ = demo_like
    live = copurchase_refresh()
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 0
    place_baskets([[a, b]], placed_at=timezone.now())
    refused = copurchase_refresh()
    assert refused.status == Snapshot.Status.REJECTED

    # when
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:copurchase_snapshot_changelist")).content.decode()
    detail = client.get(reverse("admin:copurchase_snapshot_change", args=[refused.pk])).content.decode()

    # then
    assert f"The last refresh, snapshot #{refused.pk}" in changelist and "fell from" in changelist
    assert "It counted 1 order (" in changelist and f"against 48 in the live snapshot #{live.pk}" in changelist
    assert "COPURCHASE_WINDOW_MIN_ORDERS" in changelist
    assert "What to do" in detail and "COPURCHASE_WINDOW_MIN_ORDERS" in detail
    assert "Why not live" in changelist


def test_evaluate_recommendations_splits_a_long_ago_history_plus_one_order_today(demo_like):
    a, b, *_ = demo_like
    place_baskets([[a, b]], placed_at=timezone.now() - dt.timedelta(hours=1))
    out = StringIO()

    call_command("evaluate_recommendations", "--no-ease", stdout=out)

    # the 49 orders: a fifth of them (9) at least on the test side, which reaches into 2011
    header = out.getvalue().splitlines()[0]
    train, test = int(header.split()[2]), int(header.split(", ")[1].split()[0])
    assert train + test == 49 and test >= 9
    assert " before 2011-" in header
