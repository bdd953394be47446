"""Rolling back: under the refresh lease, pinned live until staff unpin it, and never
undone by a refresh or a prune that overlaps it."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from recommendations.copurchase import pruning, publishing
from recommendations.copurchase.lease import LeaseBusy, lease_acquire, lease_release
from recommendations.copurchase.models import PairStat, Snapshot
from recommendations.copurchase.pruning import snapshots_prune
from recommendations.copurchase.publishing import snapshot_rollback, snapshot_unpin
from recommendations.copurchase.refresh import copurchase_refresh, refresh_is_due
from recommendations.copurchase.selectors import partners_for
from tests.factories import UserFactory

from .builders import place_baskets

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def three(settings, products):
    """Three published snapshots, oldest first: a-b, then a-c, then b-c bought together."""
    settings.COPURCHASE_KEEP_SNAPSHOTS = 3
    a, b, c, *_ = products
    place_baskets([[a, b]] * 2, placed_at=days_ago(3))
    first = copurchase_refresh()
    place_baskets([[a, c]] * 3, placed_at=days_ago(2))
    second = copurchase_refresh(full=True)
    place_baskets([[b, c]] * 4, placed_at=days_ago(1))
    third = copurchase_refresh(full=True)
    return first, second, third


def test_a_rolled_back_snapshot_stays_live_while_refreshes_are_built_and_held_back(three, products):
    first, second, third = three
    a, b, c, *_ = products

    # when: staff roll back, then the nightly refresh runs on new orders
    snapshot_rollback(snapshot=first)
    place_baskets([[a, b, c]] * 2, placed_at=days_ago(0))
    requested_at = timezone.now()
    nightly = copurchase_refresh(full=True)

    # then: it was built and kept aside, the rolled-back one is still what shoppers get
    nightly.refresh_from_db()
    assert nightly.status == Snapshot.Status.HELD and "pinned live" in nightly.note
    live = Snapshot.objects.get(status=Snapshot.Status.LIVE)
    assert live == first and live.pinned
    assert [p.product_id for p in partners_for(product_id=a)] == [b]
    assert PairStat.objects.filter(snapshot=nightly).exists()
    assert not refresh_is_due(requested_at=requested_at)  # the request was served: no retry loop

    # when: staff unpin it
    assert snapshot_unpin(snapshot=first)
    fresh = copurchase_refresh(full=True)

    # then: refreshes publish again
    assert fresh.status == Snapshot.Status.LIVE
    assert Snapshot.objects.get(pk=first.pk).status == Snapshot.Status.RETIRED


def test_a_rollback_is_refused_while_a_refresh_holds_the_lease(three):
    first, _, third = three
    assert lease_acquire(holder="a-running-refresh", seconds=60)

    with pytest.raises(LeaseBusy):
        snapshot_rollback(snapshot=first)

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == third
    assert not Snapshot.objects.filter(pinned=True).exists()
    lease_release(holder="a-running-refresh")
    snapshot_rollback(snapshot=first)
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == first


def test_a_prune_after_a_rollback_keeps_the_restored_snapshot_however_old(three, products):
    first, second, third = three

    snapshot_rollback(snapshot=first)
    snapshots_prune(keep=1)

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == first
    assert PairStat.objects.filter(snapshot=first).exists()
    assert set(Snapshot.objects.filter(pk__in=[second.pk, third.pk]).values_list("status", flat=True)) == {"pruned"}
    assert [p.product_id for p in partners_for(product_id=products[0])] == [products[1]]


def test_a_pruned_snapshot_cannot_be_put_back(three):
    first, _, _ = three
    snapshots_prune(keep=2)

    with pytest.raises(ValueError, match="pruned"):
        snapshot_rollback(snapshot=first)


def test_only_the_newest_rejected_snapshot_whose_rows_are_kept_can_be_put_live(settings, products):
    settings.COPURCHASE_QUALITY_MIN_QUERIES = 20
    a, b, c, d, *_ = products
    place_baskets([[a, b], [c, d], [a, c]] * 15, placed_at=days_ago(2))
    live = copurchase_refresh()
    settings.COPURCHASE_MIN_PAIR_COUNT = 16  # a misconfiguration: most lists empty
    older = copurchase_refresh(full=True)
    newer = copurchase_refresh(full=True)
    assert older.status == newer.status == Snapshot.Status.REJECTED

    with pytest.raises(ValueError, match="newest"):
        snapshot_rollback(snapshot=older)
    snapshot_rollback(snapshot=newer)

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == newer
    assert Snapshot.objects.get(pk=live.pk).status == Snapshot.Status.RETIRED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_rollback_racing_a_prune_waits_for_it_and_never_goes_live_without_its_rows(three, products):
    # given: three snapshots; a prune keeping two is about to drop the oldest
    first, second, third = three
    outcome: dict = {}

    def roll_back_on_another_connection():
        try:
            snapshot_rollback(snapshot=first)
            outcome["result"] = "live"
        except ValueError as exc:
            outcome["result"] = str(exc)
        finally:
            connection.close()

    real_plan = pruning._prune_plan

    def plan_while_staff_roll_back(**kwargs):
        plan = real_plan(**kwargs)
        # when: staff roll back to that very snapshot after the prune has decided
        outcome["thread"] = threading.Thread(target=roll_back_on_another_connection)
        outcome["thread"].start()
        time.sleep(1.0)
        outcome["waited"] = "result" not in outcome  # the rollback is blocked on the prune's lock
        return plan

    with mock.patch.object(pruning, "_prune_plan", plan_while_staff_roll_back):
        dropped = snapshots_prune(keep=2)
    outcome["thread"].join(30)

    # then: the rollback waited, found the snapshot pruned and changed nothing
    assert dropped == [first.pk]
    assert outcome["waited"] is True
    assert "pruned" in outcome["result"]
    live = Snapshot.objects.get(status=Snapshot.Status.LIVE)
    assert live == third and PairStat.objects.filter(snapshot=live).exists()
    assert not PairStat.objects.filter(snapshot=first).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_prune_racing_a_rollback_that_got_there_first_keeps_the_restored_rows(three, products):
    # given: staff roll back to the oldest snapshot, holding its record locked mid-rollback
    first, second, third = three
    outcome: dict = {}
    entered, release = threading.Event(), threading.Event()
    real_snapshot_publish = publishing.snapshot_publish

    def slow_publish(**kwargs):
        result = real_snapshot_publish(**kwargs)
        entered.set()
        release.wait(10)  # the rollback's transaction stays open: its locks are held
        return result

    def roll_back():
        try:
            with mock.patch.object(publishing, "snapshot_publish", slow_publish):
                snapshot_rollback(snapshot=first)
            outcome["result"] = "live"
        finally:
            connection.close()

    thread = threading.Thread(target=roll_back)
    thread.start()
    assert entered.wait(10)

    # when: a prune that would drop the oldest starts meanwhile, then the rollback commits
    pruner = threading.Thread(target=lambda: (outcome.setdefault("dropped", snapshots_prune(keep=2)), connection.close()))
    pruner.start()
    time.sleep(1.0)
    release.set()
    thread.join(30)
    pruner.join(30)

    # then: the prune saw the rollback's snapshot live and kept its rows
    assert outcome["result"] == "live"
    assert first.pk not in outcome["dropped"]
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == first
    assert PairStat.objects.filter(snapshot=first).exists()
    assert [p.product_id for p in partners_for(product_id=products[0])] == [products[1]]


# The admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_see_the_pin_and_unpin_it(three, staff_client):
    first, _, _ = three
    changelist = reverse("admin:copurchase_snapshot_changelist")

    response = staff_client.post(changelist, {"action": "roll_back", "_selected_action": [first.pk]}, follow=True)
    html = response.content.decode()
    assert "is live again and pinned" in html
    assert "data-snapshot-pinned" in html and "· pinned" in html

    response = staff_client.post(changelist, {"action": "unpin", "_selected_action": [first.pk]}, follow=True)
    assert f"Unpinned snapshot #{first.pk}" in response.content.decode()
    assert not Snapshot.objects.get(pk=first.pk).pinned
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == first


def test_staff_are_told_when_a_refresh_blocks_a_rollback(three, staff_client):
    first, _, third = three
    lease_acquire(holder="a-running-refresh", seconds=60)

    response = staff_client.post(
        reverse("admin:copurchase_snapshot_changelist"), {"action": "roll_back", "_selected_action": [first.pk]},
        follow=True,
    )

    assert "A refresh is running: roll back once it has finished" in response.content.decode()
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == third


def test_staff_who_may_only_view_snapshots_can_neither_roll_back_nor_unpin(three, client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_snapshot"))
    client.force_login(viewer)
    first, _, third = three
    changelist = reverse("admin:copurchase_snapshot_changelist")

    html = client.get(changelist).content.decode()
    assert 'value="roll_back"' not in html and 'value="unpin"' not in html
    client.post(changelist, {"action": "roll_back", "_selected_action": [first.pk]})
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == third
