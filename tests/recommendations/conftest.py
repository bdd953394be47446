import datetime as dt

import pytest
from django.utils import timezone

from recommendations.caching import invalidate_cache_generation
from recommendations.copurchase.models import PairStat, Snapshot
from recommendations.copurchase.partitions import partition_ensure


def publish_pairs(pairs, *, order_count: int = 1000) -> Snapshot:
    """A live snapshot holding `pairs`: {anchor: [(partner, count_ab, count_a, count_b), ...]}
    in rank order (best first), as the statistics engine would publish it."""
    Snapshot.objects.filter(status=Snapshot.Status.LIVE).update(status=Snapshot.Status.RETIRED)
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        status=Snapshot.Status.LIVE, window_start=now - dt.timedelta(days=365), window_end=now,
        order_count=order_count, published_at=now,
    )
    rows = []
    for anchor, partners in pairs.items():
        for rank, (partner, count_ab, count_a, count_b) in enumerate(partners):
            rows.append(
                PairStat(
                    snapshot=snapshot, product_id=getattr(anchor, "pk", anchor), partner_id=getattr(partner, "pk", partner),
                    rank=rank, count_ab=count_ab, count_a=count_a, count_b=count_b,
                    support=count_ab / order_count, confidence=count_ab / count_a,
                    lift=(count_ab * order_count) / (count_a * count_b), score=float(count_ab) - rank * 0.001,
                )
            )
    partition_ensure(snapshot.pk)
    PairStat.objects.bulk_create(rows)
    invalidate_cache_generation()
    return snapshot


@pytest.fixture
def publish():
    return publish_pairs


@pytest.fixture(autouse=True)
def _fresh_generation():
    """The process memo of the cache generation starts empty in every test."""
    invalidate_cache_generation()
    yield
    invalidate_cache_generation()
