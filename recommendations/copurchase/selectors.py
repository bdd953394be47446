"""Reads of the live snapshot, each one query.

Every read filters on the live snapshot through a join (`snapshot__status="live"`), not a
separately fetched id, so a read racing a switch sees the old snapshot or the new one
entirely: the switch is one transaction and the read one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .models import PairStat, Snapshot

_FIELDS = ("product_id", "partner_id", "count_ab", "count_a", "count_b", "support", "confidence", "lift", "score")


@dataclass(frozen=True)
class Partner:
    """A product bought with the anchor: `confidence` is A→B, the share of the anchor's
    orders that also hold this product ("bought together by 31% of customers who bought this")."""

    product_id: int
    count_ab: int
    count_a: int
    count_b: int
    support: float
    confidence: float
    lift: float
    score: float


@dataclass(frozen=True)
class PairExplanation:
    """Why two products are paired, for staff: counts and both confidences."""

    a_id: int
    b_id: int
    count_ab: int
    count_a: int
    count_b: int
    order_count: int
    support: float
    confidence_ab: float
    confidence_ba: float
    lift: float
    rank_of_b_for_a: int | None
    rank_of_a_for_b: int | None
    snapshot_id: int
    published_at: dt.datetime | None


def live_snapshot() -> Snapshot | None:
    return Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()


def _live_rows(product_ids: Iterable[int], limit: int):
    return (
        PairStat.objects.filter(snapshot__status=Snapshot.Status.LIVE, product_id__in=list(product_ids), rank__lt=limit)
        .order_by("product_id", "rank")
        .values_list(*_FIELDS)
    )


def _partner(row) -> Partner:
    _, partner_id, count_ab, count_a, count_b, support, confidence, lift, score = row
    return Partner(partner_id, count_ab, count_a, count_b, support, confidence, lift, score)


def partners_for(*, product_id: int, limit: int = 20) -> list[Partner]:
    """The live snapshot's partners of one product, best first."""
    return [_partner(row) for row in _live_rows([product_id], limit)]


def partners_for_many(*, product_ids: Iterable[int], limit: int = 20) -> dict[int, list[Partner]]:
    """Partners of several products in one query; every asked id is a key (maybe with [])."""
    product_ids = list(dict.fromkeys(product_ids))
    result: dict[int, list[Partner]] = {product_id: [] for product_id in product_ids}
    if product_ids:
        for row in _live_rows(product_ids, limit):
            result[row[0]].append(_partner(row))
    return result


def pair_stats(*, a_id: int, b_id: int) -> PairExplanation | None:
    """The live figures of the pair (A, B), or None when it is in neither product's list."""
    rows = list(
        PairStat.objects.filter(snapshot__status=Snapshot.Status.LIVE, product_id__in=[a_id, b_id], partner_id__in=[a_id, b_id])
        .exclude(product_id=b_id, partner_id=b_id)
        .exclude(product_id=a_id, partner_id=a_id)
        .select_related("snapshot")
    )
    if not rows:
        return None
    ranks = {(row.product_id, row.partner_id): row.rank for row in rows}
    row = rows[0]
    count_a, count_b = (row.count_a, row.count_b) if row.product_id == a_id else (row.count_b, row.count_a)
    return PairExplanation(
        a_id=a_id,
        b_id=b_id,
        count_ab=row.count_ab,
        count_a=count_a,
        count_b=count_b,
        order_count=row.snapshot.order_count,
        support=row.support,
        confidence_ab=row.count_ab / count_a,
        confidence_ba=row.count_ab / count_b,
        lift=row.lift,
        rank_of_b_for_a=ranks.get((a_id, b_id)),
        rank_of_a_for_b=ranks.get((b_id, a_id)),
        snapshot_id=row.snapshot_id,
        published_at=row.snapshot.published_at,
    )
