"""The quality gate: a new snapshot must not rank markedly worse than the live one.

Both are asked the same question as the offline evaluation (hit-rate@3) on the most recent
cart-sized orders. Both have seen those orders, so the figure is optimistic in absolute
terms, but the comparison is fair and catches what matters in production: a broken
import, a truncated window or a misconfiguration that wipes most lists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection

from .evaluation import CART_SIZES
from .loading import load_recent_baskets
from .models import PairStat, Snapshot

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


def snapshot_lists(snapshot: Snapshot, *, product_ids: set[int], k: int) -> dict[int, list[int]]:
    """The first k partners of `product_ids` in a published snapshot, read from the database."""
    lists: dict[int, list[int]] = {}
    rows = PairStat.objects.filter(snapshot=snapshot, rank__lt=k).order_by("product_id", "rank")
    sql, params = rows.values_list("product_id", "partner_id").query.sql_with_params()
    # Plain tuples from the cursor: many rows, where even a model-free values_list costs more per row.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for product_id, partner_id in cursor.fetchall():
            if product_id in product_ids:
                lists.setdefault(product_id, []).append(partner_id)
    return lists


@dataclass(frozen=True)
class GateQuestions:
    """What the gate asks, loaded before the new rows exist (see quality_questions)."""

    baskets: list[set[int]]
    asked: set[int]
    live: Snapshot | None
    live_lists: dict[int, list[int]]


def quality_questions(*, window_end, live: Snapshot | None) -> GateQuestions:
    """The recent cart-sized baskets and the live snapshot's answers. Independent of the
    new snapshot, so the refresh loads them while its rows are being written."""
    low, high = CART_SIZES
    baskets = [
        basket
        for basket in load_recent_baskets(before=window_end, orders=settings.COPURCHASE_QUALITY_RECENT_ORDERS)
        if low <= len(basket) <= high
    ]
    asked = set().union(*baskets)
    live_lists = snapshot_lists(live, product_ids=asked, k=GATE_K) if live else {}
    return GateQuestions(baskets, asked, live, live_lists)


def quality_check(*, questions: GateQuestions, new_lists: dict[int, list[int]]) -> GateResult:
    """Gate a new snapshot by its lists: the first GATE_K partners of each asked product, as
    written (the refresh has them in memory, so it asks them while the rows are indexed)."""
    baskets, live = questions.baskets, questions.live
    new_rate, queries = hit_rate(new_lists, baskets)
    if live is None:
        return GateResult(True, queries, new_rate, None, "no live snapshot to compare with")
    live_rate, _ = hit_rate(questions.live_lists, baskets)
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
