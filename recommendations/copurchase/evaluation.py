"""Offline evaluation: hit-rate@k and coverage of "bought together" lists on later orders.

For every test order with at least two products and every product in it, ask that product's
list (computed from the training orders only); it is a hit when another product of the same
order is in the first k entries. Coverage is the share of those questions that get a
non-empty list. Pure functions over arrays: the command feeds them from a CSV or the DB.
"""

from __future__ import annotations

import csv
import datetime as dt
import lzma
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .counting import baskets_from_lines, count_baskets
from .scoring import ScoreParams, TopPartners, ease_weights, score_counts

CART_SIZES = (2, 20)
# The default test side: the last DEFAULT_TEST_DAYS before the newest order, reaching back
# until it holds DEFAULT_MIN_TEST_ORDERS orders (at most a fifth of all of them).
DEFAULT_TEST_DAYS = 30
DEFAULT_MIN_TEST_ORDERS = 1000


@dataclass(frozen=True)
class Lines:
    order_ids: np.ndarray
    product_ids: np.ndarray
    placed_at: np.ndarray  # datetime64[s] of the line's order

    def split(self, cutoff: np.datetime64) -> tuple[Lines, Lines]:
        before = self.placed_at < cutoff
        return self._take(before), self._take(~before)

    def _take(self, mask: np.ndarray) -> Lines:
        return Lines(self.order_ids[mask], self.product_ids[mask], self.placed_at[mask])


@dataclass(frozen=True)
class HitRates:
    queries: int
    hits: dict[int, float]
    coverage: float


def lists_from_top(top: TopPartners, item_ids: np.ndarray, *, k: int) -> np.ndarray:
    """A dense (items × k) array of partner column indexes, -1 where a list is shorter."""
    lists = np.full((len(item_ids), k), -1, dtype=np.int64)
    keep = top.rank < k
    rows = np.searchsorted(item_ids, top.product_id[keep])
    cols = np.searchsorted(item_ids, top.partner_id[keep])
    lists[rows, top.rank[keep]] = cols
    return lists


def lists_from_dense_scores(scores: np.ndarray, *, k: int) -> np.ndarray:
    scores = scores.copy()
    np.fill_diagonal(scores, -np.inf)
    n = scores.shape[1]
    kk = min(k, n - 1)
    lists = np.full((scores.shape[0], k), -1, dtype=np.int64)
    if kk <= 0:
        return lists
    part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < n else np.argsort(-scores, axis=1)[:, :kk]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    lists[:, :kk] = np.take_along_axis(part, order, axis=1)
    return lists


def popularity_lists(item_counts: np.ndarray, *, k: int) -> np.ndarray:
    top = np.argsort(-item_counts, kind="stable")[: k + 1]
    lists = np.full((len(item_counts), k), -1, dtype=np.int64)
    for column in range(len(item_counts)):
        others = top[top != column][:k]
        lists[column, : len(others)] = others
    return lists


def hit_rates(
    *, lists: np.ndarray, item_ids: np.ndarray, test: Lines, ks=(3, 5), sizes: tuple[int, int] | None = None
) -> HitRates:
    """Hit-rate@k for each k and coverage of `lists` (rows follow `item_ids`) on the test lines."""
    keys, order_rows = np.unique(test.order_ids, return_inverse=True)
    pairs = np.unique(np.stack([order_rows, test.product_ids]), axis=1)
    order_rows, products = pairs
    size = np.bincount(order_rows, minlength=len(keys))
    low, high = sizes or (2, np.iinfo(np.int64).max)
    eligible = (size[order_rows] >= max(low, 2)) & (size[order_rows] <= high)
    order_rows, products = order_rows[eligible], products[eligible]
    queries = len(products)
    if not queries:
        return HitRates(0, {k: 0.0 for k in ks}, 0.0)
    col = np.searchsorted(item_ids, products)
    col[col == len(item_ids)] = 0
    known = item_ids[col] == products
    cand = np.full((queries, lists.shape[1]), -1, dtype=np.int64)
    cand[known] = lists[col[known]]
    # A candidate is a hit when (order, candidate product) is one of the test lines.
    cand_products = np.where(cand >= 0, item_ids[np.maximum(cand, 0)], -1)
    line_keys = np.unique(order_rows * (1 << 32) + products)
    cand_keys = order_rows[:, None] * (1 << 32) + cand_products
    found = np.isin(cand_keys, line_keys) & (cand >= 0)
    hits = {k: float(found[:, :k].any(axis=1).mean()) for k in ks}
    coverage = float((cand[:, 0] >= 0).mean())
    return HitRates(queries, hits, coverage)


def evaluate(
    *, train: Lines, test: Lines, params: ScoreParams, baselines: bool = True, ease_reg: float | None = 250.0, k: int = 5
) -> dict[str, dict[str, HitRates]]:
    """Every scorer's hit rates over all test orders and over cart-sized ones."""
    baskets = baskets_from_lines(order_ids=train.order_ids, product_ids=train.product_ids)
    counts = count_baskets(baskets, gamma=params.gamma)
    item_ids = counts.item_ids
    lists = {"chosen": lists_from_top(score_counts(counts, params), item_ids, k=k)}
    if baselines:
        lists["popularity"] = popularity_lists(counts.item_counts, k=k)
        for method in ("cocount", "lift", "cosine"):
            scored = score_counts(counts, ScoreParams(min_count=params.min_count, top_k=k, method=method))
            lists[method] = lists_from_top(scored, item_ids, k=k)
        if ease_reg is not None and len(item_ids) <= 8000:
            gram = (baskets.matrix.T @ baskets.matrix).astype(np.float64)
            lists["ease"] = lists_from_dense_scores(ease_weights(gram, reg=ease_reg), k=k)
    return {
        name: {
            "all": hit_rates(lists=lst, item_ids=item_ids, test=test),
            "cart": hit_rates(lists=lst, item_ids=item_ids, test=test, sizes=CART_SIZES),
        }
        for name, lst in lists.items()
    }


# Stock codes of real products start with five digits; the rest are postage, fees, manual
# adjustments, samples and gift vouchers.
_PRODUCT_CODE = re.compile(r"^\d{5}")


def read_online_retail(path: Path | str) -> Lines:
    """The UCI Online Retail lines as orders: cancellations, returns, free lines and
    non-product codes dropped; guest orders kept (README: 19,773 invoices)."""
    opener = lzma.open if str(path).endswith(".xz") else open
    invoices, codes, dates = [], [], []
    code_ids: dict[str, int] = {}
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            invoice, code = row["InvoiceNo"], row["StockCode"]
            if invoice.startswith("C") or not _PRODUCT_CODE.match(code):
                continue
            if int(row["Quantity"]) <= 0 or float(row["UnitPrice"]) <= 0:
                continue
            invoices.append(int(invoice))
            codes.append(code_ids.setdefault(code.upper(), len(code_ids) + 1))
            dates.append(row["InvoiceDate"])
    placed = np.array(dates, dtype="datetime64[s]")
    return Lines(np.array(invoices, dtype=np.int64), np.array(codes, dtype=np.int64), placed)


def default_cutoff(lines: Lines, *, days: int = DEFAULT_TEST_DAYS, min_orders: int = DEFAULT_MIN_TEST_ORDERS) -> str:
    """The day that splits `lines` into training and test orders when none is given
    (YYYY-MM-DD): `days` before the newest order, as the refresh window follows the orders
    rather than the calendar (an imported history ends long ago), and earlier if that leaves
    fewer than `min_orders` test orders (one order placed today must not make the test side
    that one order). Empty string when there are no lines."""
    if not len(lines.order_ids):
        return ""
    _, first = np.unique(lines.order_ids, return_index=True)
    times = np.sort(lines.placed_at[first])[::-1]  # one per order, newest first
    wanted = max(1, min(min_orders, len(times) // 5))
    cutoff = min(times[0] - np.timedelta64(days, "D"), times[wanted - 1])
    return str(cutoff.astype("datetime64[D]"))


def parse_cutoff(value: str) -> np.datetime64:
    return np.datetime64(dt.date.fromisoformat(value), "s")
