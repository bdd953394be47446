"""The quality gate: a new snapshot must not rank markedly worse than the live one.

Both are asked the same question as the offline evaluation (hit-rate@3) on the most recent
cart-sized orders. Both have seen those orders, so the figure is optimistic in absolute
terms, but the comparison is fair and catches what matters in production: a broken
import, a truncated window or a misconfiguration that wipes most lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings

from .evaluation import CART_SIZES
from .loading import load_recent_baskets
from .models import PairStat, Snapshot
from .scoring import TopPartners

GATE_K = 3


@dataclass(frozen=True)
class GateResult:
    passed: bool
    queries: int
    new_hit_rate: float
    live_hit_rate: float | None
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


def hit_rate(lists: dict[int, list[int]], baskets: list[set[int]], *, k: int = GATE_K) -> tuple[float, int]:
    queries = hits = 0
    for basket in baskets:
        for product_id in basket:
            queries += 1
            if any(partner in basket for partner in lists.get(product_id, ())[:k]):
                hits += 1
    return (hits / queries if queries else 0.0), queries


def _live_lists(live: Snapshot, *, k: int) -> dict[int, list[int]]:
    lists: dict[int, list[int]] = {}
    rows = PairStat.objects.filter(snapshot=live, rank__lt=k).order_by("product_id", "rank")
    for product_id, partner_id in rows.values_list("product_id", "partner_id").iterator(chunk_size=20_000):
        lists.setdefault(product_id, []).append(partner_id)
    return lists


def quality_check(*, top: TopPartners, live: Snapshot | None, window_end: dt.datetime) -> GateResult:
    low, high = CART_SIZES
    baskets = [
        basket
        for basket in load_recent_baskets(before=window_end, orders=settings.COPURCHASE_QUALITY_RECENT_ORDERS)
        if low <= len(basket) <= high
    ]
    new_rate, queries = hit_rate(top.lists(k=GATE_K), baskets)
    if live is None:
        return GateResult(True, queries, new_rate, None, "no live snapshot to compare with")
    live_rate, _ = hit_rate(_live_lists(live, k=GATE_K), baskets)
    if queries < settings.COPURCHASE_QUALITY_MIN_QUERIES:
        return GateResult(True, queries, new_rate, live_rate, f"only {queries} recent questions: gate not applied")
    floor = live_rate * (1 - settings.COPURCHASE_QUALITY_MAX_DROP)
    if new_rate < floor:
        return GateResult(
            False, queries, new_rate, live_rate,
            f"hit-rate@{GATE_K} on the {len(baskets)} most recent cart-sized orders fell from {live_rate:.3f} "
            f"(live #{live.pk}) to {new_rate:.3f}, below the allowed {floor:.3f}",
        )
    return GateResult(True, queries, new_rate, live_rate, f"hit-rate@{GATE_K} {new_rate:.3f} vs live {live_rate:.3f}")
