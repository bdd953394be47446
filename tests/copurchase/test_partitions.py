"""PostgreSQL keeps each snapshot's partner rows in a partition of their own (partitions.py)."""

import datetime as dt

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recommendations.copurchase.models import PairStat, Snapshot
from recommendations.copurchase.partitions import (
    partition_create,
    partition_ensure,
    partition_ids,
    partition_name,
    partitions_drop,
)
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.selectors import partners_for

from .builders import make_products, place_baskets

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def _indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


def test_a_published_snapshot_has_its_own_indexed_attached_partition():
    a, b, c = (p.pk for p in make_products(3))
    place_baskets([[a, b]] * 3 + [[a, c]] * 2, placed_at=timezone.now() - dt.timedelta(days=1))

    snapshot = copurchase_refresh()

    assert snapshot.pk in partition_ids()
    [index] = _indexes(partition_name(snapshot.pk))
    assert "UNIQUE" in index and "(snapshot_id, product_id, rank)" in index
    assert PairStat.objects.filter(snapshot=snapshot).count() == 4  # read through the parent
    assert [p.product_id for p in partners_for(product_id=a)] == [b, c]


def test_rows_of_a_snapshot_without_a_partition_are_refused():
    snapshot = Snapshot.objects.create(window_start=timezone.now(), window_end=timezone.now())

    with pytest.raises(IntegrityError, match="no partition"), transaction.atomic():
        PairStat.objects.create(snapshot=snapshot, product_id=1, partner_id=2, rank=0, count_ab=1, count_a=1,
                                count_b=1, support=1, confidence=1, lift=1, score=1)


def test_a_half_written_partition_of_a_dead_refresh_is_dropped_by_the_next_one():
    a, b = (p.pk for p in make_products(2))
    place_baskets([[a, b]] * 2, placed_at=timezone.now() - dt.timedelta(days=1))
    # given: a worker died after creating its partition table, before attaching it
    abandoned = Snapshot.objects.create(window_start=timezone.now(), window_end=timezone.now())
    partition_create(abandoned.pk)

    fresh = copurchase_refresh()

    abandoned.refresh_from_db()
    assert abandoned.status == Snapshot.Status.FAILED
    assert partition_ids() == {fresh.pk}


@pytest.mark.django_db(transaction=True)  # DETACH … CONCURRENTLY runs outside a transaction block
def test_a_detach_left_pending_by_an_interrupted_prune_is_finished_before_the_next_one():
    interrupted, next_one = (
        Snapshot.objects.create(window_start=timezone.now(), window_end=timezone.now()) for _ in range(2)
    )
    partition_ensure(interrupted.pk)
    partition_ensure(next_one.pk)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    # given: a reader holds the table while a concurrent detach waits for it, and is cancelled
    with psycopg.connect(**params) as reader, psycopg.connect(**params, autocommit=True) as pruner:
        reader.execute("SELECT count(*) FROM copurchase_pairstat")
        pruner.execute("SET statement_timeout = '300ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            pruner.execute(f"ALTER TABLE copurchase_pairstat DETACH PARTITION {partition_name(interrupted.pk)} CONCURRENTLY")
        reader.rollback()
    connection.close()

    partitions_drop([next_one.pk])

    assert partition_ids() == set()
