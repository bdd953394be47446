"""The score tunes itself: a back-test of a small grid of its parameters on held-out orders.

Each full refresh sets its newest orders aside (the last HOLDOUT_DAYS, or the newest
HOLDOUT_SHARE when that is fewer), counts the rest, and asks every setting of the grid —
size weight γ × recency half-life × partner-popularity damping α — the offline
evaluation's question (evaluation.py) on the cart-sized held-out orders: hit-rate@3 of each
product's list. The published lists are then built on all orders with the chosen setting.

Choosing: the best setting replaces the default (the settings' COPURCHASE_SIZE_GAMMA and
COPURCHASE_POPULARITY_ALPHA, no recency) only when it beats it by more than one standard
error of the difference (the one-standard-error rule), so a night's noise is not tuned into
production. The standard error treats an order's questions as one cluster.

Cost: the training orders are counted once per γ, and only the rows of the products asked
(X_Qᵀ·diag(v)·X, the columns split by recency bucket): every half-life and α is derived from
those counts at scoring time (recency.py explains the buckets). The grid is scored on at
most MAX_QUESTION_ORDERS held-out orders, the newest.

Not in the grid: a blend with the category's co-purchases or bestsellers (see the README).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from .counting import COUNT_BITS, COUNT_MASK, available_cpus, baskets_from_lines, size_weights
from .evaluation import CART_SIZES
from .recency import Recency
from .scoring import top_k_order

HOLDOUT_DAYS = 14
HOLDOUT_SHARE = 0.05
MAX_QUESTION_ORDERS = 5000
TUNING_K = (3, 5)
GRID_GAMMA = (0.25, 0.5, 1.0)
GRID_HALF_LIFE_DAYS = (None, 180.0, 60.0)
GRID_ALPHA = (0.0, 0.1, 0.2)


@dataclass(frozen=True)
class Setting:
    gamma: float
    half_life_days: float | None
    alpha: float

    def label(self) -> str:
        half = f"{self.half_life_days:g} d" if self.half_life_days else "none"
        return f"γ={self.gamma:g}, half-life {half}, α={self.alpha:g}"


@dataclass(frozen=True)
class Figures:
    hit3: float
    hit5: float
    coverage: float


@dataclass
class BackTest:
    chosen: Setting
    default: Setting
    best: Setting
    orders: int  # held-out cart-sized orders asked
    queries: int
    se: float  # standard error of (best − default) hit@3
    figures: dict[str, Figures]  # chosen, default, best, cocount, popularity
    grid: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "chosen": asdict(self.chosen), "default": asdict(self.default), "best": asdict(self.best),
            "orders": self.orders, "queries": self.queries, "se": self.se,
            "figures": {name: asdict(f) for name, f in self.figures.items()}, "grid": self.grid,
        }


def default_grid(default: Setting) -> list[Setting]:
    """The grid, the default setting first (ties go to it)."""
    gammas = sorted({default.gamma, *GRID_GAMMA})
    alphas = sorted({default.alpha, *GRID_ALPHA})
    grid = [Setting(g, h, a) for g, h, a in itertools.product(gammas, GRID_HALF_LIFE_DAYS, alphas)]
    return [default, *(s for s in grid if s != default)]


def holdout_orders(placed: np.ndarray, *, end: float) -> np.ndarray:
    """Mask of the held-out orders among orders placed at `placed` (epoch seconds): those of
    the last HOLDOUT_DAYS before `end`, or the newest HOLDOUT_SHARE of them when that is fewer."""
    placed = np.asarray(placed, dtype=np.float64)
    if not len(placed):
        return np.zeros(0, bool)
    recent = int(np.count_nonzero(placed >= end - HOLDOUT_DAYS * 86400))
    wanted = min(recent, int(np.ceil(HOLDOUT_SHARE * len(placed))))
    mask = np.zeros(len(placed), bool)
    if wanted:
        mask[np.argsort(-placed, kind="stable")[:wanted]] = True
    return mask


@dataclass(frozen=True)
class History:
    """Order lines with their orders' times: `order_ids`/`product_ids` per line, `times`
    (epoch seconds) per order of `times_order_ids`."""

    order_ids: np.ndarray
    product_ids: np.ndarray
    times_order_ids: np.ndarray
    times: np.ndarray

    def time_of(self, order_ids: np.ndarray) -> np.ndarray:
        sort = np.argsort(self.times_order_ids, kind="stable")
        ids = self.times_order_ids[sort]
        pos = np.clip(np.searchsorted(ids, order_ids), 0, max(len(ids) - 1, 0))
        return self.times[sort][pos]

    def split(self, holdout_ids: np.ndarray) -> tuple[History, History]:
        out = np.isin(self.order_ids, holdout_ids)
        out_t = np.isin(self.times_order_ids, holdout_ids)

        def take(lines, orders):
            return History(self.order_ids[lines], self.product_ids[lines], self.times_order_ids[orders], self.times[orders])

        return take(~out, ~out_t), take(out, out_t)


def split_holdout(history: History, *, end: float) -> tuple[History, History]:
    mask = holdout_orders(history.times, end=end)
    return history.split(history.times_order_ids[mask])


class _Questions:
    """The held-out cart-sized orders asked: (order, product column) pairs and the lookups
    that score a list of partner columns against them."""

    def __init__(self, holdout: History, item_ids: np.ndarray, *, max_orders: int):
        baskets = baskets_from_lines(order_ids=holdout.order_ids, product_ids=holdout.product_ids, item_ids=item_ids)
        low, high = CART_SIZES
        sizes = baskets.sizes  # the vocabulary holds every held-out product: sizes as placed
        cart = np.flatnonzero((sizes >= max(low, 2)) & (sizes <= high))
        newest = np.argsort(-holdout.time_of(baskets.order_ids[cart]), kind="stable")[:max_orders]
        rows = np.sort(cart[newest])
        x = baskets.matrix[rows]
        self.order = np.repeat(np.arange(len(rows)), np.diff(x.indptr))
        self.item = x.indices.astype(np.int64)
        self.n_orders = len(rows)
        self.anchors, self.anchor_of = np.unique(self.item, return_inverse=True)
        n = np.int64(len(item_ids))
        self.line_keys = np.unique(self.order * n + self.item)
        self.n_items = n

    @property
    def queries(self) -> int:
        return len(self.item)

    def hits(self, lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per question: the rank of the first hit (K when none) and whether a list exists;
        `lists` is (anchors × K) partner columns, -1 where shorter."""
        cand = lists[self.anchor_of]
        keys = self.order[:, None] * self.n_items + np.maximum(cand, 0)
        found = np.isin(keys, self.line_keys) & (cand >= 0)
        first = np.where(found.any(axis=1), found.argmax(axis=1), lists.shape[1])
        return first, cand[:, 0] >= 0

    def figures(self, first: np.ndarray, covered: np.ndarray) -> Figures:
        q = max(self.queries, 1)
        return Figures(float((first < 3).sum() / q), float((first < 5).sum() / q), float(covered.sum() / q))


def _anchor_rows(x: sp.csr_matrix, anchors: np.ndarray, values: np.ndarray, ext: sp.csr_matrix) -> sp.csr_matrix:
    """X_Qᵀ·diag(values)·ext, the anchors' rows, split over the CPUs (scipy releases the GIL)."""
    xq_t = (x[:, anchors].T.tocsr()).multiply(values[np.newaxis, :]).tocsr().astype(np.int64)
    parts = min(available_cpus(), max(1, len(anchors) // 256))
    if parts <= 1:
        return (xq_t @ ext).tocsr()
    bounds = np.linspace(0, len(anchors), parts + 1).astype(int)
    with ThreadPoolExecutor(parts, thread_name_prefix="copurchase-tune") as pool:
        blocks = list(pool.map(lambda ab: (xq_t[ab[0]:ab[1]] @ ext).tocsr(), zip(bounds[:-1], bounds[1:])))
    return sp.vstack(blocks, format="csr")


def _lists(*, a, b, score, n_ab, item_ids, n_anchors: int, k: int) -> np.ndarray:
    lists = np.full((n_anchors, k), -1, dtype=np.int64)
    if not len(a):
        return lists
    indptr = np.zeros(n_anchors + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n_anchors), out=indptr[1:])
    idx, rank = top_k_order(a=a, score=score, n_ab=n_ab, b_ids=item_ids[b], k=k, indptr=indptr)
    lists[a[idx], rank] = b[idx]
    return lists


def _cluster_se(diff: np.ndarray, order: np.ndarray, queries: int) -> float:
    """Standard error of mean(diff) over `queries` questions, an order's questions one cluster."""
    sums = np.bincount(order, weights=diff)
    sizes = np.bincount(order).astype(np.float64)
    m = len(sums)
    if m < 2 or queries == 0:
        return 0.0
    mean = diff.sum() / queries
    return float(np.sqrt(m / (m - 1) * np.sum((sums - mean * sizes) ** 2)) / queries)


def backtest(
    *, train: History, holdout: History, default: Setting, recency_start: float, recency_end: float,
    min_count: int = 2, grid: list[Setting] | None = None, max_orders: int = MAX_QUESTION_ORDERS,
) -> BackTest | None:
    """Score the grid on the held-out orders (counts from `train` only); None when there is
    nothing to ask. `recency_start/end`: the window whose quarters are the recency buckets."""
    grid = grid or default_grid(default)
    if default not in grid:
        grid = [default, *grid]
    k = max(TUNING_K)
    item_ids = np.union1d(np.unique(train.product_ids), np.unique(holdout.product_ids))
    questions = _Questions(holdout, item_ids, max_orders=max_orders)
    baskets = baskets_from_lines(order_ids=train.order_ids, product_ids=train.product_ids, item_ids=item_ids)
    if questions.queries == 0 or baskets.n_orders == 0:
        return None
    x, n, anchors = baskets.matrix, len(item_ids), questions.anchors
    item_counts = np.bincount(x.indices, minlength=n).astype(np.float64)
    shape = Recency.for_window(half_life_days=None, window_start=recency_start, window_end=recency_end)
    buckets = shape.buckets(train.time_of(baskets.order_ids))
    n_buckets = int(buckets.max()) + 1
    # Each order's products land in the columns of its recency bucket: one product per γ
    # gives every bucket's counts.
    ext = sp.csr_matrix((x.data, x.indices + n * np.repeat(buckets, np.diff(x.indptr)), x.indptr),
                        shape=(x.shape[0], n * n_buckets))
    results: dict[Setting, tuple[np.ndarray, np.ndarray]] = {}
    baselines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gamma in sorted({s.gamma for s in grid}):
        packed = (size_weights(baskets.sizes, gamma=gamma) << COUNT_BITS) + 1
        rows = _anchor_rows(x, anchors, packed, ext).tocoo()
        item, bucket = rows.col % n, rows.col // n
        keep = item != anchors[rows.row]
        key = rows.row[keep].astype(np.int64) * n + item[keep]
        pairs, inverse = np.unique(key, return_inverse=True)
        data, bucket = rows.data[keep], bucket[keep]
        plain = np.bincount(inverse, weights=(data & COUNT_MASK).astype(np.float64))
        kept = plain >= min_count
        a, b, plain = pairs[kept] // n, pairs[kept] % n, plain[kept]
        weighted_raw = (data >> COUNT_BITS).astype(np.float64)
        if not baselines:
            baselines["cocount"] = questions.hits(_lists(a=a, b=b, score=plain, n_ab=plain, item_ids=item_ids,
                                                         n_anchors=len(anchors), k=k))
        for half_life in sorted({s.half_life_days or 0.0 for s in grid if s.gamma == gamma}):
            recency = Recency(half_life or None, shape.landmark, shape.bucket_seconds)
            weight = recency.bucket_multipliers(n_buckets)[bucket]
            weighted = np.bincount(inverse, weights=weighted_raw * weight)[kept]
            for setting in (s for s in grid if s.gamma == gamma and (s.half_life_days or 0.0) == half_life):
                score = weighted / np.power(item_counts[b], setting.alpha) if setting.alpha else weighted
                lists = _lists(a=a, b=b, score=score, n_ab=plain, item_ids=item_ids, n_anchors=len(anchors), k=k)
                results[setting] = questions.hits(lists)
    popular = np.argsort(-item_counts, kind="stable")[: k + 1]
    pop_lists = np.full((len(anchors), k), -1, dtype=np.int64)
    for row, anchor in enumerate(anchors.tolist()):
        others = popular[popular != anchor][:k]
        pop_lists[row, : len(others)] = others
    baselines["popularity"] = questions.hits(pop_lists)
    figures = {setting: questions.figures(*hits) for setting, hits in results.items()}
    best = max(grid, key=lambda s: figures[s].hit3)  # the first of equals: the default when tied
    diff = (results[best][0] < 3).astype(np.float64) - (results[default][0] < 3)
    se = _cluster_se(diff, questions.order, questions.queries)
    gain = figures[best].hit3 - figures[default].hit3
    chosen = best if gain > se else default
    return BackTest(
        chosen=chosen, default=default, best=best, orders=questions.n_orders, queries=questions.queries, se=se,
        figures={"chosen": figures[chosen], "default": figures[default], "best": figures[best],
                 **{name: questions.figures(*hits) for name, hits in baselines.items()}},
        grid=[{**asdict(s), "hit3": round(figures[s].hit3, 4)} for s in grid],
    )
