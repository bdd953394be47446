"""The Celery tasks (eager here) and the staff admin."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from recommendations.copurchase.lease import lease_acquire
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.sharding import refresh_should_shard
from recommendations.copurchase.tasks import count_copurchase_shard, reduce_copurchase_shards, refresh_copurchase
from shop.celery import app as celery_app
from tests.factories import UserFactory

from .builders import place_baskets

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(products):
    place_baskets([products[:3]] * 3, placed_at=timezone.now() - dt.timedelta(days=2))
    return products


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_refresh_task_is_named_as_in_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-recommendations-nightly"]
    assert schedule["task"] == refresh_copurchase.name == "recommendations.tasks.refresh_copurchase"
    assert refresh_copurchase.acks_late


def test_the_tasks_keep_the_names_queued_messages_and_beat_entries_use():
    """They moved from recommendations/tasks.py into the co-purchase package; a message
    queued before the move, or a beat entry, names the task it was registered as."""
    registered = {
        "recommendations.tasks.refresh_copurchase": refresh_copurchase,
        "recommendations.tasks.count_copurchase_shard": count_copurchase_shard,
        "recommendations.tasks.reduce_copurchase_shards": reduce_copurchase_shards,
    }

    for name, task in registered.items():
        assert task.name == name
        assert celery_app.tasks[name] == task  # `task` is a proxy to the registered one


def test_the_refresh_task_publishes_a_snapshot(history):
    result = refresh_copurchase.apply(kwargs={"full": True}).get(timeout=30)

    assert result.endswith("live")
    assert Snapshot.objects.filter(status=Snapshot.Status.LIVE).count() == 1


def test_a_repeated_refresh_request_already_served_does_nothing(history):
    requested_at = timezone.now().isoformat()
    refresh_copurchase.apply(kwargs={"requested_at": requested_at}).get(timeout=30)

    again = refresh_copurchase.apply(kwargs={"requested_at": requested_at}).get(timeout=30)

    assert again == "up to date" and Snapshot.objects.count() == 1


def test_the_refresh_task_gives_way_to_a_running_refresh(history):
    lease_acquire(holder="someone-else", seconds=60)

    assert refresh_copurchase.apply().get(timeout=30) == "busy"
    assert not Snapshot.objects.exists()


def test_a_big_window_is_refreshed_as_a_sharded_chord(history, settings):
    settings.COPURCHASE_SHARD_ABOVE_ORDERS = 2
    settings.COPURCHASE_SHARD_ORDERS = 1

    result = refresh_copurchase.apply().get(timeout=30)

    assert "sharded into 3" in result
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE).mode == "sharded"


def test_a_refresh_is_sharded_only_above_the_configured_number_of_orders(history, settings):
    settings.COPURCHASE_SHARD_ABOVE_ORDERS = 3  # the history holds 3 orders
    assert not refresh_should_shard()

    settings.COPURCHASE_SHARD_ABOVE_ORDERS = 2
    assert refresh_should_shard()


def test_staff_see_the_snapshot_history_with_its_figures(history, staff_client):
    copurchase_refresh()

    page = staff_client.get(reverse("admin:copurchase_snapshot_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Refresh now" in html and "Live: snapshot #" in html and "3 orders" in html


def test_refresh_now_enqueues_the_task_after_the_commit(history, staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(reverse("admin:copurchase_snapshot_refresh"))

    assert response.status_code == 302 and not Snapshot.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert Snapshot.objects.filter(status=Snapshot.Status.LIVE).exists()


def test_refresh_now_is_post_only(staff_client):
    assert staff_client.get(reverse("admin:copurchase_snapshot_refresh")).status_code == 405


def test_staff_can_roll_back_to_a_retired_snapshot(history, staff_client):
    first = copurchase_refresh()
    second = copurchase_refresh(full=True)

    staff_client.post(
        reverse("admin:copurchase_snapshot_changelist"), {"action": "roll_back", "_selected_action": [first.pk]}
    )

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == first
    assert Snapshot.objects.get(pk=second.pk).status == Snapshot.Status.RETIRED


@pytest.mark.django_db(transaction=True)  # on_commit runs at once, inside the view, as in production
def test_refresh_now_with_the_queue_down_tells_staff_and_keeps_the_live_snapshot(history, staff_client):
    live = copurchase_refresh()
    with mock.patch.object(refresh_copurchase, "apply_async", side_effect=OperationalError("Redis down")):
        response = staff_client.post(reverse("admin:copurchase_snapshot_refresh"), follow=True)

    assert response.status_code == 200
    assert "The task queue is unreachable" in response.content.decode()
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
