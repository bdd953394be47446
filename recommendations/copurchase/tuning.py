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
(X_Qᵀ·diag(v)·X, the partners split by recency bucket): every half-life and α is derived
from those counts at scoring time (recency.py explains the buckets). The grid is scored on
at most MAX_QUESTION_ORDERS held-out orders, the newest, and a bestseller's row on a sample
of ANCHOR_ORDERS of its orders: without it one γ would cost more than counting the window.

Not in the grid: a blend with the category's co-purchases or bestsellers (see the README).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from .counting import COUNT_BITS, COUNT_MASK, Baskets, available_cpus, baskets_from_lines, size_weights
from .evaluation import CART_SIZES
from .recency import Recency
from .scoring import top_k_order

HOLDOUT_DAYS = 14
HOLDOUT_SHARE = 0.05
MAX_QUESTION_ORDERS = 1000
TUNING_K = (3, 5)
GRID_GAMMA = (0.25, 0.5, 1.0)
GRID_HALF_LIFE_DAYS = (None, 180.0, 60.0)
GRID_ALPHA = (0.0, 0.1, 0.2)
# Orders an anchor's row is counted on at most (see backtest), and the sample's seed.
ANCHOR_ORDERS = 500
SAMPLE_SEED = 20141


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
    """The grid, nearest the default first: the default, then the settings that change one
    parameter, then two, then three (the best of equals is the first, so a tie goes to the
    setting that departs least from the default)."""
    gammas = sorted({default.gamma, *GRID_GAMMA})
    alphas = sorted({default.alpha, *GRID_ALPHA})
    grid = [Setting(g, h, a) for g, h, a in itertools.product(gammas, GRID_HALF_LIFE_DAYS, alphas)]

    def departure(s: Setting) -> tuple:
        changed = (s.gamma != default.gamma) + (s.half_life_days != default.half_life_days) + (s.alpha != default.alpha)
        return changed, abs(s.gamma - default.gamma), -(s.half_life_days or float("inf")), abs(s.alpha - default.alpha)

    return sorted(grid, key=departure)


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

    def baskets(self) -> tuple[Baskets, np.ndarray]:
        """The baskets and the time of each of their rows."""
        baskets = baskets_from_lines(order_ids=self.order_ids, product_ids=self.product_ids)
        sort = np.argsort(self.times_order_ids, kind="stable")
        ids = self.times_order_ids[sort]
        pos = np.clip(np.searchsorted(ids, baskets.order_ids), 0, max(len(ids) - 1, 0))
        return baskets, self.times[sort][pos]


@dataclass(frozen=True)
class Split:
    """The window's baskets cut in two, one vocabulary: training rows and held-out rows,
    each with its orders' times."""

    item_ids: np.ndarray
    train: sp.csr_matrix
    train_times: np.ndarray
    holdout: sp.csr_matrix
    holdout_times: np.ndarray


def split_baskets(baskets: Baskets, times: np.ndarray, *, end: float) -> Split:
    """Hold out the newest orders (holdout_orders) of baskets whose rows were placed at `times`."""
    mask = holdout_orders(times, end=end)
    x = baskets.matrix
    return Split(baskets.item_ids, x[~mask], times[~mask], x[mask], times[mask])


def split_holdout(history: History, *, end: float) -> Split:
    return split_baskets(*history.baskets(), end=end)


class _Questions:
    """The held-out cart-sized orders asked: (order, product column) pairs and the lookups
    that score a list of partner columns against them."""

    def __init__(self, split: Split, *, max_orders: int):
        item_ids = split.item_ids
        low, high = CART_SIZES
        sizes = np.diff(split.holdout.indptr)  # the vocabulary holds every held-out product: sizes as placed
        cart = np.flatnonzero((sizes >= max(low, 2)) & (sizes <= high))
        newest = np.argsort(-split.holdout_times[cart], kind="stable")[:max_orders]
        rows = np.sort(cart[newest])
        x = split.holdout[rows]
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


def _anchor_rows(ext_t: sp.csr_matrix, xq: sp.csr_matrix, values: np.ndarray) -> sp.csr_matrix:
    """(ext_t·diag(values)·X_Q)ᵀ: a row per anchor, its partner × bucket columns sorted. The
    anchors are split over the CPUs (scipy's sparse product releases the GIL)."""
    xq_rows = np.repeat(np.arange(xq.shape[0]), np.diff(xq.indptr))
    right = sp.csr_matrix((values[xq_rows], xq.indices, xq.indptr), shape=xq.shape).tocsc()
    parts = min(available_cpus(), max(1, xq.shape[1] // 256))
    bounds = np.linspace(0, xq.shape[1], parts + 1).astype(int)

    def block(lo: int, hi: int) -> sp.csr_matrix:
        return (ext_t @ right[:, lo:hi]).T.tocsr()  # the transpose sorts the columns

    if parts <= 1:
        return block(0, xq.shape[1])
    with ThreadPoolExecutor(parts, thread_name_prefix="copurchase-tune") as pool:
        return sp.vstack(list(pool.map(lambda ab: block(*ab), zip(bounds[:-1], bounds[1:]))), format="csr")


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


def one_standard_error_choice(
    *, hits: dict[Setting, np.ndarray], grid: list[Setting], default: Setting, order: np.ndarray
) -> tuple[Setting, Setting, float]:
    """(chosen, best, se): the best setting by hit rate (the first of equals in grid order),
    chosen only if it beats the default by more than one standard error of the difference;
    `hits` holds one boolean per question, `order` each question's order."""
    best = max(grid, key=lambda s: int(hits[s].sum()))
    diff = hits[best].astype(np.float64) - hits[default]
    se = _cluster_se(diff, order, len(diff))
    return (best if diff.mean() > se else default), best, se


def backtest(
    *, split: Split, default: Setting, recency_start: float, recency_end: float,
    min_count: int = 2, grid: list[Setting] | None = None, max_orders: int = MAX_QUESTION_ORDERS,
) -> BackTest | None:
    """Score the grid on the held-out orders (counts from `train` only); None when there is
    nothing to ask. `recency_start/end`: the window whose quarters are the recency buckets."""
    grid = grid or default_grid(default)
    if default not in grid:
        grid = [default, *grid]
    k = max(TUNING_K)
    item_ids = split.item_ids
    questions = _Questions(split, max_orders=max_orders)
    x = split.train
    if questions.queries == 0 or x.shape[0] == 0:
        return None
    n, anchors = len(item_ids), questions.anchors
    sizes = np.diff(x.indptr)
    item_counts = np.bincount(x.indices, minlength=n).astype(np.float64)
    shape = Recency.for_window(half_life_days=None, window_start=recency_start, window_end=recency_end)
    buckets = shape.buckets(split.train_times)
    n_buckets = int(buckets.max()) + 1
    # Xᵀ with a row per (partner, recency bucket), item·T + bucket, and X_Q, the anchors'
    # columns: one product per γ gives every bucket's counts of every anchor's partners.
    t = n_buckets
    line_orders = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    ext_t = sp.csr_matrix((np.ones(len(x.indices), np.int64), (x.indices * t + buckets[line_orders], line_orders)),
                          shape=(n * t, x.shape[0]))
    position = np.full(n, -1, np.int64)
    position[anchors] = np.arange(len(anchors))
    # A bestseller's row would cost its every order: it is counted on a random sample of
    # ANCHOR_ORDERS of them (the same sample for every setting, so they are compared fairly;
    # its partners' ranks barely move, their counts being in the hundreds).
    share = np.minimum(1.0, ANCHOR_ORDERS / np.maximum(item_counts, 1))
    asked = position[x.indices] >= 0
    asked &= np.random.default_rng(SAMPLE_SEED).random(len(asked)) < share[x.indices]
    xq = sp.csr_matrix((np.ones(int(asked.sum()), np.int64), (line_orders[asked], position[x.indices][asked])),
                       shape=(x.shape[0], len(anchors)))
    results: dict[Setting, tuple[np.ndarray, np.ndarray]] = {}
    baselines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gamma in sorted({s.gamma for s in grid}):
        packed = (size_weights(sizes, gamma=gamma) << COUNT_BITS) + 1
        # Transposed to anchor rows with sorted columns: an anchor's buckets of one partner
        # are adjacent, so summing them over buckets is one reduceat per half-life.
        rows = _anchor_rows(ext_t, xq, packed)
        anchor_of = np.repeat(np.arange(len(anchors)), np.diff(rows.indptr))
        partner, bucket = rows.indices // t, rows.indices % t
        data = rows.data
        del rows
        starts = np.flatnonzero(np.r_[True, (partner[1:] != partner[:-1]) | (anchor_of[1:] != anchor_of[:-1])])
        plain = np.add.reduceat(data & COUNT_MASK, starts)
        a, b = anchor_of[starts], partner[starts]
        plain = plain / share[anchors[a]]  # estimated from the sample for bestsellers
        kept = (plain >= min_count) & (b != anchors[a])
        a, b, plain = a[kept], b[kept], plain[kept]
        weighted_raw = data >> COUNT_BITS
        del data
        if not baselines:
            baselines["cocount"] = questions.hits(_lists(a=a, b=b, score=plain, n_ab=plain, item_ids=item_ids,
                                                         n_anchors=len(anchors), k=k))
        for half_life in sorted({s.half_life_days or 0.0 for s in grid if s.gamma == gamma}):
            recency = Recency(half_life or None, shape.landmark, shape.bucket_seconds)
            if half_life:
                weighted = np.add.reduceat(weighted_raw * recency.bucket_multipliers(t)[bucket], starts)[kept]
            else:
                weighted = np.add.reduceat(weighted_raw, starts)[kept]
            weighted = weighted.astype(np.float64)
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
    chosen, best, se = one_standard_error_choice(
        hits={setting: first < 3 for setting, (first, _) in results.items()}, grid=grid, default=default,
        order=questions.order,
    )
    return BackTest(
        chosen=chosen, default=default, best=best, orders=questions.n_orders, queries=questions.queries, se=se,
        figures={"chosen": figures[chosen], "default": figures[default], "best": figures[best],
                 **{name: questions.figures(*hits) for name, hits in baselines.items()}},
        grid=[{**asdict(s), "hit3": round(figures[s].hit3, 4)} for s in grid],
    )
