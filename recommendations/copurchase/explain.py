"""Explain a pair: the co-purchase statistics of two products in the live snapshot, for
staff (the admin page is registered in `admin.py`).

The figures come from the statistics engine's own reader (`pair_stats`); for a pair it
holds nothing on (neither product keeps the other among its top partners) the report still
gives each product's order count and the snapshot, and says the pair is too weak to keep.
"""

from dataclasses import dataclass
from datetime import datetime

from catalog.models import Product

from .models import ProductStat
from .selectors import live_snapshot, pair_stats


@dataclass(frozen=True)
class PairReport:
    a: Product
    b: Product
    snapshot_id: int | None
    snapshot_published_at: datetime | None
    orders: int  # orders in the snapshot's window
    count_a: int
    count_b: int
    count_ab: int
    support: float | None
    confidence_ab: float | None  # share of orders with A that also hold B
    confidence_ba: float | None
    lift: float | None
    rank_of_b_for_a: int | None = None  # 0 = A's strongest partner
    rank_of_a_for_b: int | None = None
    kept: bool = True  # False: in neither product's partner list

    @property
    def has_snapshot(self) -> bool:
        return self.snapshot_id is not None


def pair_explanation(*, a: Product, b: Product) -> PairReport:
    stats = pair_stats(a_id=a.pk, b_id=b.pk)
    if stats is not None:
        return PairReport(
            a=a,
            b=b,
            snapshot_id=stats.snapshot_id,
            snapshot_published_at=stats.published_at,
            orders=stats.order_count,
            count_a=stats.count_a,
            count_b=stats.count_b,
            count_ab=stats.count_ab,
            support=stats.support,
            confidence_ab=stats.confidence_ab,
            confidence_ba=stats.confidence_ba,
            lift=stats.lift,
            rank_of_b_for_a=stats.rank_of_b_for_a,
            rank_of_a_for_b=stats.rank_of_a_for_b,
        )
    snapshot = live_snapshot()
    if snapshot is None:
        return PairReport(a, b, None, None, 0, 0, 0, 0, None, None, None, None, kept=False)
    counts = dict(
        ProductStat.objects.filter(snapshot=snapshot, product_id__in=[a.pk, b.pk]).values_list(
            "product_id", "order_count"
        )
    )
    return PairReport(
        a=a,
        b=b,
        snapshot_id=snapshot.pk,
        snapshot_published_at=snapshot.published_at,
        orders=snapshot.order_count,
        count_a=counts.get(a.pk, 0),
        count_b=counts.get(b.pk, 0),
        count_ab=0,
        support=None,
        confidence_ab=None,
        confidence_ba=None,
        lift=None,
        kept=False,
    )
