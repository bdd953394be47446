"""The quality gate: a new snapshot must not rank markedly worse than the live one, on
orders that neither was built from.

Both are asked the offline evaluation's question (hit-rate@3) on the most recent cart-sized
orders placed after the live snapshot's window ended: the live one never saw them, and the
new one is asked with its lists rebuilt from its counts minus those orders (counts are
additive, so that is exactly the snapshot it would be without them, with its own tuned
setting). A snapshot that only looks good on orders it was built from — lists that merely
repeat recent orders, a window that swallowed something odd — is refused; so are a broken
import, a truncated window or a misconfiguration that wipes most lists.

On a nightly run those are the night's orders. When they give fewer than
COPURCHASE_QUALITY_MIN_QUERIES questions, the gate falls back to the most recent orders that
both snapshots were built from, and says so: in-sample, optimistic for both, but it still
catches a truncated window or lists wiped by a misconfiguration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection

import numpy as np

from .counting import Counts, count_lines
from .evaluation import CART_SIZES
from .loading import load_baskets_between, load_recent_baskets
from .models import PairStat, Snapshot
from .recency import Recency, multiplier_lookup
from .scoring import ScoreParams, TopPartners, score_counts

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
    order_ids: list[int] = ()
    times: list[float] = ()  # epoch seconds, one per order
    in_sample: bool = False  # the fallback: recent orders both snapshots were built from


def quality_questions(*, window_start, window_end, live: Snapshot | None) -> GateQuestions:
    """The cart-sized orders placed since the live snapshot's window ended (and inside the
    new window), the newest COPURCHASE_QUALITY_RECENT_ORDERS, with the live snapshot's
    answers. Independent of the new snapshot, so the refresh loads them while its rows are
    being written."""
    if live is None:
        return GateQuestions([], set(), None, {})
    low, high = CART_SIZES
    found = load_baskets_between(
        start=max(live.window_end, window_start), end=window_end, orders=settings.COPURCHASE_QUALITY_RECENT_ORDERS
    )
    kept = [(order_id, placed, basket) for order_id, (placed, basket) in found.items() if low <= len(basket) <= high]
    baskets = [basket for _, _, basket in kept]
    if sum(map(len, baskets)) < settings.COPURCHASE_QUALITY_MIN_QUERIES:
        recent = load_recent_baskets(before=window_end, orders=settings.COPURCHASE_QUALITY_RECENT_ORDERS)
        baskets = [basket for basket in recent if low <= len(basket) <= high]
        asked = set().union(*baskets)
        return GateQuestions(baskets, asked, live, snapshot_lists(live, product_ids=asked, k=GATE_K), in_sample=True)
    asked = set().union(*baskets)
    live_lists = snapshot_lists(live, product_ids=asked, k=GATE_K)
    return GateQuestions(baskets, asked, live, live_lists, [o for o, _, _ in kept], [t for _, t, _ in kept])


def quality_lists(
    *, questions: GateQuestions, counts: Counts, params: ScoreParams, recency: Recency | None, top: TopPartners
) -> dict[int, list[int]]:
    """The new snapshot's first GATE_K partners of the asked products, from its counts minus
    the asked orders (counted with the same weights, so the difference is exact); its
    published lists (`top`) for the in-sample fallback."""
    if not questions.baskets:
        return {}
    if questions.in_sample:
        return top.lists(k=GATE_K, product_ids=questions.asked)
    order_ids = np.repeat(np.array(questions.order_ids, np.int64), [len(b) for b in questions.baskets])
    product_ids = np.fromiter((p for b in questions.baskets for p in sorted(b)), np.int64, count=len(order_ids))
    lookup = multiplier_lookup(recency, order_ids=np.array(questions.order_ids, np.int64),
                               placed=np.array(questions.times, np.float64))
    asked = count_lines(order_ids=order_ids, product_ids=product_ids, gamma=params.gamma, multiplier_of=lookup)
    return score_counts(counts - asked, params).lists(k=GATE_K, product_ids=questions.asked)


def quality_check(*, questions: GateQuestions, new_lists: dict[int, list[int]]) -> GateResult:
    """Gate a new snapshot by its lists: the first GATE_K partners of each asked product, as
    written (the refresh has them in memory, so it asks them while the rows are indexed)."""
    baskets, live = questions.baskets, questions.live
    new_rate, queries = hit_rate(new_lists, baskets)
    if live is None:
        return GateResult(True, queries, new_rate, None, "no live snapshot to compare with")
    live_rate, _ = hit_rate(questions.live_lists, baskets)
    if questions.in_sample:
        measured = (
            f"on the {len(baskets)} most recent cart-sized orders ({queries} questions), which both snapshots were "
            f"built from (in-sample: too few orders since live #{live.pk}'s window ended)"
        )
    else:
        measured = (
            f"on the {len(baskets)} cart-sized order{'s' if len(baskets) != 1 else ''} placed since live #{live.pk}'s "
            f"window ended ({queries} questions), which neither snapshot was built from"
        )
    if queries < settings.COPURCHASE_QUALITY_MIN_QUERIES:
        return GateResult(True, queries, new_rate, live_rate, f"gate not applied: too few questions {measured}")
    floor = live_rate * (1 - settings.COPURCHASE_QUALITY_MAX_DROP)
    if new_rate < floor:
        return GateResult(
            False, queries, new_rate, live_rate,
            f"hit-rate@{GATE_K} {measured} fell from {live_rate:.3f} (live #{live.pk}) to {new_rate:.3f}, "
            f"below the allowed {floor:.3f}",
        )
    return GateResult(True, queries, new_rate, live_rate,
                      f"hit-rate@{GATE_K} {new_rate:.3f} vs live {live_rate:.3f} {measured}")
