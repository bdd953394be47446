"""Refreshing snapshots: what is counted, incremental == full, sharded == single, the lease,
the atomic switch, the quality gate, pruning and rollback."""

import datetime as dt
from unittest import mock

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from recommendations.copurchase import incremental as incremental_build
from recommendations.copurchase import refresh, sharding
from recommendations.copurchase.counting import count_lines
from recommendations.copurchase.lease import LeaseBusy, lease_acquire, lease_holder, lease_release
from recommendations.copurchase.models import PairStat, ProductStat, ShardCounts, Snapshot, SnapshotCounts
from recommendations.copurchase.partitions import partition_ensure, partition_ids
from recommendations.copurchase.publishing import snapshot_rollback
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.selectors import partners_for
from recommendations.copurchase.signals import snapshot_published
from recommendations.copurchase.tasks import start_sharded_refresh
from shop.orders.models import Order

from .builders import make_products, place_baskets

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def days_ago(n, *, now=NOW):
    return now - dt.timedelta(days=n)


def rows(snapshot):
    return list(
        PairStat.objects.filter(snapshot=snapshot)
        .order_by("product_id", "rank")
        .values_list("product_id", "partner_id", "rank", "count_ab", "count_a", "count_b", "support", "lift", "score")
    )


def raw_counts(snapshot):
    counts, _ = incremental_build.counts_of_snapshot(snapshot)
    return counts


def test_a_refresh_publishes_the_pairs_of_the_counted_orders_in_the_window(products):
    a, b, c, d, *_ = products
    # given
    place_baskets([[a, b], [a, b, b], [a, c]], placed_at=days_ago(10))
    place_baskets([[a, c], [a, c], [c, d], [c, d]], placed_at=days_ago(10), status=Order.Status.CANCELLED)
    place_baskets([[c, d], [c, d]], placed_at=days_ago(400))

    # when
    snapshot = copurchase_refresh(now=NOW)

    # then
    assert snapshot.status == Snapshot.Status.LIVE and snapshot.published_at
    assert snapshot.order_count == 3
    assert [(p.product_id, p.count_ab, p.count_a, p.count_b) for p in partners_for(product_id=a)] == [(b, 2, 3, 2)]
    assert partners_for(product_id=b)[0].confidence == 1.0
    assert partners_for(product_id=c) == []  # a+c once only: below the minimum pair count
    assert partners_for(product_id=d) == []  # only in cancelled and expired orders
    assert dict(ProductStat.objects.filter(snapshot=snapshot).values_list("product_id", "order_count")) == {a: 3, b: 2, c: 1}


def test_an_incremental_refresh_equals_a_full_recount_of_the_same_window(settings, products):
    settings.COPURCHASE_FULL_EVERY_DAYS = 1000
    a, b, c, d, e, f, *_ = products
    # given: a snapshot at T1, then orders placed after it while older ones leave the window
    place_baskets([[a, b, c]] * 3 + [[d, e]] * 2, placed_at=days_ago(330))  # expire before T2
    place_baskets([[a, b], [b, c, d], [a, c, f]] * 2, placed_at=days_ago(100))
    first = copurchase_refresh(now=NOW)
    t2 = NOW + dt.timedelta(days=60)
    place_baskets([[a, f], [e, f, a], [b, d]] * 3, placed_at=NOW + dt.timedelta(days=50))

    # when
    incremental = copurchase_refresh(now=t2)
    full = copurchase_refresh(now=t2, full=True)

    # then
    assert first.mode == "full" and incremental.mode == "incremental" and incremental.base_id == first.pk
    assert full.mode == "full"
    assert raw_counts(incremental).equals(raw_counts(full))
    assert rows(incremental) == rows(full)
    assert incremental.order_count == full.order_count == 15
    assert (d, e) not in {(r[0], r[1]) for r in rows(full)}


def test_a_full_rebuild_replaces_incremental_runs_after_the_configured_days(settings, products):
    settings.COPURCHASE_FULL_EVERY_DAYS = 7
    place_baskets([products[:3]] * 3, placed_at=days_ago(5))
    copurchase_refresh(now=NOW)

    assert copurchase_refresh(now=NOW + dt.timedelta(days=1)).mode == "incremental"
    assert copurchase_refresh(now=NOW + dt.timedelta(days=8)).mode == "full"


def test_a_new_size_weight_forces_a_full_recount_and_other_ranking_settings_do_not(settings, products):
    settings.COPURCHASE_FULL_EVERY_DAYS = 1000
    a, b, c, *_ = products
    place_baskets([[a, b]] * 3 + [[a, b, c]] * 2, placed_at=days_ago(5))
    copurchase_refresh(now=NOW)

    settings.COPURCHASE_TOP_K = 1  # ranking only: the stored counts still hold
    narrower = copurchase_refresh(now=NOW + dt.timedelta(hours=1))
    settings.COPURCHASE_SIZE_GAMMA = 1.0  # the weighted counts themselves change
    reweighted = copurchase_refresh(now=NOW + dt.timedelta(hours=2))

    assert narrower.mode == "incremental" and {r[2] for r in rows(narrower)} == {0}  # one partner each
    assert reweighted.mode == "full" and reweighted.params["gamma"] == 1.0


def test_a_sharded_refresh_gives_exactly_the_single_process_snapshot(settings, products):
    a, b, c, d, e, *_ = products
    place_baskets([[a, b], [a, b, c], [c, d, e], [a, e], [b, c], [a, b, c, d, e]] * 5, placed_at=days_ago(20))

    single = copurchase_refresh(full=True)
    start_sharded_refresh(shard_orders=7)  # eager chord: 5 shards in-process
    sharded = Snapshot.objects.get(status=Snapshot.Status.LIVE)

    assert sharded.mode == "sharded" and sharded.pk != single.pk
    assert sharded.order_count == single.order_count == 30
    assert raw_counts(sharded).equals(raw_counts(single))
    assert rows(sharded) == rows(single)
    assert lease_holder() is None


def test_a_reduce_that_finds_a_shard_missing_fails_the_snapshot_and_leaves_the_live_one(settings, products):
    a, b, c, *_ = products
    place_baskets([[a, b], [a, b, c], [b, c]] * 4, placed_at=days_ago(20))
    live = copurchase_refresh(full=True)
    plan = sharding.sharded_refresh_start(shard_orders=4)
    for i, (lo, hi) in enumerate(plan.ranges[:-1]):  # the last shard never reports
        sharding.shard_count(
            run_id=plan.run_id, snapshot_id=plan.snapshot_id, shard=i, id_range=(lo, hi),
            window_start=plan.window_start, window_end=plan.window_end, gamma=plan.gamma,
        )

    with pytest.raises(sharding.ShardsMissing, match=f"shards \\[{len(plan.ranges) - 1}\\]"):
        sharding.sharded_refresh_finish(run_id=plan.run_id, snapshot_id=plan.snapshot_id, started_at=plan.started_at)

    assert Snapshot.objects.get(pk=plan.snapshot_id).status == Snapshot.Status.FAILED
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
    assert lease_holder() is None and not ShardCounts.objects.exists()


def test_a_shard_redelivered_after_its_run_failed_counts_nothing(products):
    a, b, *_ = products
    place_baskets([[a, b]] * 3, placed_at=days_ago(20))
    plan = sharding.sharded_refresh_start(shard_orders=10)
    sharding.sharded_refresh_abort(run_id=plan.run_id, snapshot_id=plan.snapshot_id, reason="given up")

    counted = sharding.shard_count(
        run_id=plan.run_id, snapshot_id=plan.snapshot_id, shard=0, id_range=plan.ranges[0],
        window_start=plan.window_start, window_end=plan.window_end, gamma=plan.gamma,
    )

    assert counted is None and not ShardCounts.objects.exists()


def test_shard_counts_summed_as_a_tree_equal_one_count_of_all_their_orders():
    rng = np.random.default_rng(3)
    order_ids = np.repeat(np.arange(200), 4)
    product_ids = rng.integers(1, 40, size=len(order_ids))
    whole = count_lines(order_ids=order_ids, product_ids=product_ids, gamma=0.5)
    for shards in (1, 2, 3, 7, 8, 13):
        edges = np.linspace(0, len(order_ids), shards + 1).astype(int) // 4 * 4
        parts = [
            count_lines(order_ids=order_ids[lo:hi], product_ids=product_ids[lo:hi], gamma=0.5)
            for lo, hi in zip(edges[:-1], edges[1:])
        ]
        assert sharding.counts_sum(iter(parts), gamma=0.5).equals(whole), shards
    assert sharding.counts_sum(iter([]), gamma=0.5).n_orders == 0


def test_a_refresh_is_refused_while_another_holds_the_lease_and_the_live_snapshot_stays(products):
    place_baskets([products[:2]] * 2, placed_at=days_ago(3))
    live = copurchase_refresh()
    assert lease_acquire(holder="other-worker", seconds=60)

    with pytest.raises(LeaseBusy):
        copurchase_refresh()

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
    assert Snapshot.objects.count() == 1


def test_a_lease_left_by_a_dead_worker_expires_and_the_next_refresh_completes(products):
    place_baskets([products[:2]] * 2, placed_at=days_ago(3))
    live = copurchase_refresh()
    # given: a worker died mid-build: its lease and its half-written snapshot remain
    lease_acquire(holder="dead-worker", seconds=60)
    abandoned = Snapshot.objects.create(window_start=NOW, window_end=NOW)
    partition_ensure(abandoned.pk)
    PairStat.objects.create(snapshot=abandoned, product_id=1, partner_id=2, rank=0, count_ab=1, count_a=1, count_b=1,
                            support=1, confidence=1, lift=1, score=1)
    assert partners_for(product_id=products[0])[0].product_id == products[1]  # readers never see it

    with mock.patch("recommendations.copurchase.lease.timezone.now", return_value=timezone.now() + dt.timedelta(seconds=61)):
        assert lease_acquire(holder="next-worker", seconds=60)
    lease_release(holder="next-worker")
    fresh = copurchase_refresh()

    abandoned.refresh_from_db()
    assert abandoned.status == Snapshot.Status.FAILED and not PairStat.objects.filter(snapshot=abandoned).exists()
    assert fresh.status == Snapshot.Status.LIVE and fresh.pk != live.pk
    assert abandoned.pk not in partition_ids()


def test_a_refresh_that_crashes_marks_its_snapshot_failed_and_leaves_the_live_one(products):
    place_baskets([products[:2]] * 2, placed_at=days_ago(3))
    live = copurchase_refresh()

    with mock.patch.object(refresh, "write_snapshot_rows", side_effect=MemoryError("boom")):
        with pytest.raises(MemoryError):
            copurchase_refresh(full=True)

    failed = Snapshot.objects.exclude(pk=live.pk).get()
    assert failed.status == Snapshot.Status.FAILED and "boom" in failed.note
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
    assert lease_holder() is None


def test_a_reader_during_a_refresh_sees_the_old_snapshot_until_the_switch_then_the_new(products):
    a, b, c, *_ = products
    place_baskets([[a, b]] * 2, placed_at=days_ago(3))
    copurchase_refresh()
    place_baskets([[a, c]] * 5, placed_at=days_ago(1))
    seen_mid_refresh = []
    real_check = refresh.quality_check

    def check_then_read(**kwargs):
        # The new rows are written by now; the switch has not happened.
        seen_mid_refresh.append([p.product_id for p in partners_for(product_id=a)])
        return real_check(**kwargs)

    with mock.patch.object(refresh, "quality_check", side_effect=check_then_read):
        copurchase_refresh(full=True)

    assert seen_mid_refresh == [[b]]
    assert [p.product_id for p in partners_for(product_id=a)] == [c, b]


def test_a_failing_prune_is_logged_and_the_refresh_still_publishes(products, caplog):
    place_baskets([products[:2]] * 2, placed_at=days_ago(3))

    with mock.patch.object(refresh, "snapshots_prune", side_effect=RuntimeError("disk full")):
        snapshot = copurchase_refresh()

    assert snapshot.status == Snapshot.Status.LIVE
    assert caplog.text.count("pruning old snapshots failed") == 2  # before the build and after the switch
    assert "disk full" in caplog.text


def test_publishing_sends_snapshot_published_on_commit(products, django_capture_on_commit_callbacks):
    place_baskets([products[:2]] * 2, placed_at=days_ago(3))
    received = []
    snapshot_published.connect(lambda sender, snapshot, **kw: received.append(snapshot.pk), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            snapshot = copurchase_refresh()
    finally:
        snapshot_published.disconnect(dispatch_uid="t")

    assert received == [snapshot.pk]


def test_the_quality_gate_rejects_a_markedly_worse_snapshot_and_keeps_the_live_one(settings, products, caplog):
    settings.COPURCHASE_QUALITY_MIN_QUERIES = 20
    a, b, c, d, *_ = products
    place_baskets([[a, b], [c, d], [a, c]] * 15, placed_at=days_ago(2))
    live = copurchase_refresh()
    place_baskets([[a, b], [c, d], [a, c]] * 10, placed_at=timezone.now())  # the gate asks these
    # given: a misconfiguration that leaves almost every product without partners
    settings.COPURCHASE_MIN_PAIR_COUNT = 16

    rejected = copurchase_refresh(full=True)

    assert rejected.status == Snapshot.Status.REJECTED
    assert "fell from" in rejected.note and rejected.quality["live_hit_rate"] > rejected.quality["new_hit_rate"]
    assert "rejected by the quality gate" in caplog.text
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
    assert [p.product_id for p in partners_for(product_id=a)] == [b, c]


def test_old_snapshots_are_pruned_and_a_retired_one_can_be_rolled_back_to(settings, products):
    settings.COPURCHASE_KEEP_SNAPSHOTS = 2
    a, b, c, *_ = products
    place_baskets([[a, b]] * 2, placed_at=days_ago(3))
    first = copurchase_refresh()
    place_baskets([[a, c]] * 3, placed_at=days_ago(2))
    second = copurchase_refresh(full=True)
    place_baskets([[b, c]] * 3, placed_at=days_ago(1))
    third = copurchase_refresh(full=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Snapshot.Status.PRUNED and not PairStat.objects.filter(snapshot=first).exists()
    assert second.status == Snapshot.Status.RETIRED
    if connection.vendor == "postgresql":  # one partition per snapshot holding rows, no other
        assert partition_ids() == {second.pk, third.pk}

    snapshot_rollback(snapshot=second)

    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == second
    assert Snapshot.objects.get(pk=third.pk).status == Snapshot.Status.RETIRED
    assert [p.product_id for p in partners_for(product_id=a)] == [c, b]
    with pytest.raises(ValueError):
        snapshot_rollback(snapshot=first)


def test_ids_of_deleted_products_do_not_break_a_refresh(products):
    extra = make_products(1)[0]
    place_baskets([[products[0], extra.pk]] * 2, placed_at=days_ago(3))
    extra.delete()  # lines keep the row with product NULL

    snapshot = copurchase_refresh()

    assert snapshot.status == Snapshot.Status.LIVE and snapshot.pair_count == 0


@pytest.mark.parametrize("data", [b"not an npz", b"\x28\xb5\x2f\xfd a broken zstd frame"])
def test_an_unreadable_incremental_base_falls_back_to_a_full_recount(products, data):
    place_baskets([products[:3]] * 3, placed_at=days_ago(3))
    live = copurchase_refresh()
    SnapshotCounts.objects.filter(snapshot=live).update(data=data)

    fresh = copurchase_refresh()

    assert fresh.status == Snapshot.Status.LIVE and fresh.mode == "full" and fresh.base is None
    assert fresh.order_count == 3


def test_a_quiet_history_is_counted_back_to_the_minimum_number_of_orders(settings, products):
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 4
    a, b, c, *_ = products
    # given: a history that ended two years ago (like the demo's 2011 orders)
    place_baskets([[a, b]] * 2 + [[a, c]] * 2, placed_at=days_ago(800))
    place_baskets([[b, c]] * 2, placed_at=days_ago(1200))  # older than the 4 most recent orders

    # when
    snapshot = copurchase_refresh(now=NOW)

    # then
    assert snapshot.order_count == 4
    assert {partner.product_id for partner in partners_for(product_id=a)} == {b, c}
    assert [partner.product_id for partner in partners_for(product_id=b)] == [a]


def test_an_incremental_refresh_reads_only_the_new_and_the_expired_orders(settings, products):
    settings.COPURCHASE_FULL_EVERY_DAYS = 1000
    a, b, c, d, e, *_ = products
    place_baskets([[a, b]] * 3 + [[c, d]] * 3 + [[a, c]] * 2, placed_at=days_ago(20))
    place_baskets([[d, e]] * 2, placed_at=days_ago(364))  # leaves the window by the next night
    first = copurchase_refresh(now=NOW)
    place_baskets([[a, e]] * 4 + [[a, b]] * 2, placed_at=NOW + dt.timedelta(days=2, hours=-1))
    read = []
    real_load = incremental_build.load_lines

    def spy(*, window_start, window_end, **kwargs):
        lines = real_load(window_start=window_start, window_end=window_end, **kwargs)
        read.append((window_start, window_end, len(lines[0])))
        return lines

    # when
    with mock.patch.object(incremental_build, "load_lines", side_effect=spy):
        incremental = copurchase_refresh(now=NOW + dt.timedelta(days=2))
    full = copurchase_refresh(now=NOW + dt.timedelta(days=2), full=True)

    # then: the lines of the six new orders, and of the two that expired, nothing else
    assert incremental.mode == "incremental"
    new_orders, expired_orders = read
    assert new_orders[:2] == (first.window_end, incremental.window_end) and new_orders[2] == 12
    assert expired_orders[:2] == (first.window_start, incremental.window_start) and expired_orders[2] == 4
    assert rows(incremental) == rows(full) and incremental.row_count == full.row_count
    assert SnapshotCounts.objects.get(snapshot=incremental).base_id == first.pk  # a delta, chained


def test_chained_counts_survive_pruning_and_stay_exact_over_several_nights(settings, products):
    settings.COPURCHASE_FULL_EVERY_DAYS = 1000
    settings.COPURCHASE_KEEP_SNAPSHOTS = 1
    a, b, c, d, *_ = products
    place_baskets([[a, b, c]] * 3, placed_at=days_ago(300))
    first = copurchase_refresh(now=NOW)
    nightly = []
    for night, basket in enumerate([[a, d], [b, d], [c, d, a]], start=1):
        place_baskets([basket] * 2, placed_at=NOW + dt.timedelta(days=night * 30 - 1))
        nightly.append(copurchase_refresh(now=NOW + dt.timedelta(days=night * 30)))

    last_counts, last_rows = raw_counts(nightly[-1]), rows(nightly[-1])
    assert [s.mode for s in nightly] == ["incremental"] * 3
    assert Snapshot.objects.get(pk=first.pk).status == Snapshot.Status.PRUNED  # its counts are still a link

    full = copurchase_refresh(now=NOW + dt.timedelta(days=90), full=True)

    assert last_counts.equals(raw_counts(full)) and last_rows == rows(full)
    # the full rebuild started a new chain: the old links went with the last snapshot needing them
    assert list(SnapshotCounts.objects.values_list("snapshot_id", flat=True)) == [full.pk]
