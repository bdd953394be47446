"""The refresh lease: a short lease kept alive by a heartbeat while the refresh runs, so one
left by a killed worker lapses within COPURCHASE_LEASE_SECONDS; and a busy "Refresh now"
retries just after it lapses, for as long as it takes."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from recommendations.copurchase import refresh
from recommendations.copurchase.lease import LeaseHeartbeat, lease_acquire, lease_holder, lease_release
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.tasks import busy_retry_countdown, refresh_copurchase

from .builders import place_baskets

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the heartbeat renews on its own connection
def test_a_heartbeat_keeps_a_short_lease_held_and_it_lapses_soon_after_the_heartbeat_stops():
    assert lease_acquire(holder="worker-1", seconds=1)
    heartbeat = LeaseHeartbeat(holder="worker-1", seconds=1, interval=0.2).start()
    try:
        time.sleep(2.0)  # twice the lease
        assert not lease_acquire(holder="worker-2", seconds=1)
        assert lease_holder().holder == "worker-1"
    finally:
        heartbeat.stop()  # as if the worker were killed: nothing renews, nothing releases

    time.sleep(1.2)
    assert lease_acquire(holder="worker-2", seconds=1)
    assert not heartbeat.lost


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_notices_when_another_process_took_the_lease_over():
    assert lease_acquire(holder="worker-1", seconds=60)
    heartbeat = LeaseHeartbeat(holder="worker-1", seconds=60, interval=0.1).start()
    try:
        lease_release(holder="worker-1")
        assert lease_acquire(holder="worker-2", seconds=60)
        time.sleep(0.5)
    finally:
        heartbeat.stop()
    assert heartbeat.lost
    assert lease_holder().holder == "worker-2"


@pytest.mark.django_db(transaction=True)
def test_a_refresh_longer_than_its_lease_keeps_it_and_releases_it_at_the_end(settings, products):
    # given: a one-second lease and a build that takes three
    settings.COPURCHASE_LEASE_SECONDS = 1
    place_baskets([products[:3]] * 3, placed_at=timezone.now() - dt.timedelta(days=1))
    real_score = refresh.score_counts

    def slow_score(*args, **kwargs):
        time.sleep(3)
        return real_score(*args, **kwargs)

    outcome = {}
    with mock.patch.object(refresh, "score_counts", slow_score):
        worker = threading.Thread(target=lambda: outcome.setdefault("snapshot", copurchase_refresh()))
        worker.start()
        time.sleep(2)
        # when: another refresh tries meanwhile
        intruder = lease_acquire(holder="another-worker", seconds=1)
        worker.join(30)

    # then: it was refused, the first one published and let go of the lease
    assert intruder is False
    assert outcome["snapshot"].status == Snapshot.Status.LIVE
    assert lease_holder() is None


def test_a_busy_refresh_retries_just_after_the_holders_lease_would_lapse(settings):
    settings.COPURCHASE_BUSY_RETRY_SECONDS = 60
    now = timezone.now()
    assert busy_retry_countdown(now=now) == 1  # nobody holds it (any more)

    lease_acquire(holder="a-refresh", seconds=20)
    assert 20 <= busy_retry_countdown(now=now) <= 21

    lease_acquire(holder="a-sharded-run", seconds=30 * 60)  # the same holder re-takes: renewed
    lease_release(holder="a-refresh")
    lease_acquire(holder="a-sharded-run", seconds=30 * 60)
    assert busy_retry_countdown(now=now) == 60  # a long lease is polled, not waited out


def _run_busy_task(*, requested_at: dt.datetime):
    """The task body as a worker runs it (not eagerly), with the lease held elsewhere."""
    lease_acquire(holder="a-running-refresh", seconds=60)
    refresh_copurchase.push_request(is_eager=False)
    try:
        with mock.patch.object(refresh_copurchase, "retry", side_effect=Retry("again")) as retry:
            try:
                result = refresh_copurchase.run(requested_at=requested_at.isoformat())
            except Retry:
                result = None
    finally:
        refresh_copurchase.pop_request()
    return result, retry


def test_a_busy_refresh_request_keeps_retrying_past_ten_tries_until_its_give_up_time(settings):
    settings.COPURCHASE_BUSY_GIVE_UP_SECONDS = 2 * 60 * 60

    result, retry = _run_busy_task(requested_at=timezone.now() - dt.timedelta(minutes=45))
    assert result is None and retry.call_args.kwargs["countdown"] <= 61

    result, retry = _run_busy_task(requested_at=timezone.now() - dt.timedelta(hours=3))
    assert result == "busy: gave up" and not retry.called
    assert refresh_copurchase.max_retries is None
