"""The counting core: pure functions from baskets to co-purchase counts (no database).

A basket is an order; an order counts a product once, whatever its quantity or number of
lines. Everything is set-based: the baskets become a sparse order × product matrix X with
0/1 entries and all pair counts come from one sparse product XᵀX.

Two counts are needed per pair: the plain number of orders holding both (support,
confidence and lift are defined on it) and the size-weighted count the ranking score uses
(each order weighs 1/(size-1)^γ, see `scoring.py`). Both come from ONE sparse product: the
row of order o is multiplied by v_o = (w_o << COUNT_BITS) + 1, so that
Xᵀ·diag(v)·X = (Σ w_o << COUNT_BITS) + Σ 1 for every pair; a shift and a mask split it.
The weights are fixed-point integers, so counts stay exactly additive: adding the new
orders and subtracting the expired ones gives bit for bit what a full recount gives
(floating point sums would differ in the last bits and could swap ties in the ranking).

How counts are stored (SnapshotCounts, ShardCounts) is codec.py's business.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .codec import counts_decode, counts_encode

# Plain counts live in the low 24 bits (a pair can be seen in up to 2^24 - 1 orders of one
# window); size weights above them in units of 1/WEIGHT_SCALE. 2^24 orders × 2^12 units
# × weight ≤ 1 stays below 2^39, so the packed value fits an int64 with room to spare.
COUNT_BITS = 24
COUNT_MASK = (1 << COUNT_BITS) - 1
WEIGHT_SCALE = 1 << 12
MAX_ORDERS_PER_COUNT = COUNT_MASK


@dataclass(frozen=True)
class Baskets:
    """Deduplicated baskets as a 0/1 sparse matrix: one row per order, one column per product."""

    matrix: sp.csr_matrix  # int64 0/1, shape (orders, products)
    item_ids: np.ndarray  # int64 product id of each column, ascending
    order_ids: np.ndarray | None = None  # int64 order id of each row, ascending

    @property
    def n_orders(self) -> int:
        return self.matrix.shape[0]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.matrix.indptr)


def baskets_from_lines(*, order_ids: np.ndarray, product_ids: np.ndarray, item_ids: np.ndarray | None = None) -> Baskets:
    """Turn order lines (two parallel id arrays, any order, duplicates allowed) into baskets.

    With `item_ids` the columns follow that vocabulary (products outside it are dropped);
    otherwise the vocabulary is the products seen.
    """
    order_ids = np.asarray(order_ids, dtype=np.int64)
    product_ids = np.asarray(product_ids, dtype=np.int64)
    if item_ids is None:
        item_ids, cols = dense_index(product_ids)
    else:
        item_ids = np.asarray(item_ids, dtype=np.int64)
        cols = np.searchsorted(item_ids, product_ids)
        cols[cols == len(item_ids)] = 0
        known = item_ids[cols] == product_ids if len(item_ids) else np.zeros(len(product_ids), bool)
        order_ids, cols = order_ids[known], cols[known]
    row_ids, rows = dense_index(order_ids)
    n_rows = int(rows.max()) + 1 if len(rows) else 0
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(n_rows, len(item_ids))
    )
    # csr_matrix sums duplicate (order, product) entries: an order counts a product once.
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return Baskets(matrix=matrix, item_ids=item_ids, order_ids=row_ids)


def values_at(matrix: sp.spmatrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """matrix[rows[i], cols[i]] for every i, vectorised (0 where nothing is stored).

    scipy's fancy indexing does this too, but slowly and with surprises on empty input."""
    m = matrix.tocoo()
    n = np.int64(matrix.shape[1])
    stored = m.row.astype(np.int64) * n + m.col
    order = np.argsort(stored, kind="stable")
    stored = stored[order]
    wanted = np.asarray(rows, np.int64) * n + np.asarray(cols, np.int64)
    pos = np.minimum(np.searchsorted(stored, wanted), max(len(stored) - 1, 0))
    if not len(stored):
        return np.zeros(len(wanted), dtype=matrix.dtype)
    return np.where(stored[pos] == wanted, m.data[order][pos], 0)


def dense_index(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(ids, return_inverse=True) without the sort when ids span a compact range
    (database ids do): a bitmap and a cumulative sum, O(n) instead of O(n log n)."""
    if not len(ids):
        return ids.astype(np.int64), np.zeros(0, np.int64)
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo > 8 * len(ids) + 1_000_000:
        return np.unique(ids, return_inverse=True)
    offsets = ids - lo
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[offsets] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64) + lo, position[offsets]


def size_weights(sizes: np.ndarray, *, gamma: float) -> np.ndarray:
    """Fixed-point weight of each order: WEIGHT_SCALE / (size-1)^γ (orders of one product weigh nothing)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    with np.errstate(divide="ignore"):
        w = np.where(sizes > 1, WEIGHT_SCALE / np.power(np.maximum(sizes - 1, 1), gamma), 0.0)
    return np.rint(w).astype(np.int64)


@dataclass(frozen=True)
class Counts:
    """Raw co-purchase counts of a set of orders; additive over disjoint sets of orders.

    `pairs` and `weighted` are upper-triangular (i < j) sparse matrices over the columns of
    `item_ids`; `weighted` is in units of 1/WEIGHT_SCALE.
    """

    item_ids: np.ndarray
    item_counts: np.ndarray
    pairs: sp.csr_matrix
    weighted: sp.csr_matrix
    n_orders: int
    gamma: float

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __add__(self, other: Counts) -> Counts:
        return _combine(self, other, sign=1)

    def __sub__(self, other: Counts) -> Counts:
        return _combine(self, other, sign=-1)

    def delta_to(self, other: Counts) -> Counts:
        """`self - other` as a signed delta (self: the orders added, other: those expired);
        no check, no pruning: only meaningful once applied to a base."""
        return _combine(self, other, sign=-1, checked=False)

    def apply(self, delta: Counts) -> Counts:
        """These counts plus a signed delta, checked and pruned like a subtraction."""
        return _checked(_combine(self, delta, sign=1, checked=False))

    def equals(self, other: Counts) -> bool:
        a, b = self.pruned(), other.pruned()
        return (
            a.n_orders == b.n_orders
            and np.array_equal(a.item_ids, b.item_ids)
            and np.array_equal(a.item_counts, b.item_counts)
            and (a.pairs != b.pairs).nnz == 0
            and (a.weighted != b.weighted).nnz == 0
        )

    def weighted_aligned(self) -> np.ndarray:
        """The weighted count of every stored pair, in the order of `pairs.tocoo()`."""
        p, w = self.pairs.tocsr(), self.weighted.tocsr()
        if np.array_equal(p.indptr, w.indptr) and np.array_equal(p.indices, w.indices):
            return w.data  # the usual case: both came out of the same product
        c = p.tocoo()
        return values_at(w, c.row, c.col)

    def pruned(self, *, in_place: bool = False) -> Counts:
        """Drop products no longer bought in the window and explicit zeros left by subtraction.

        `in_place`: the zeros may be dropped from these matrices themselves (counts just
        made by a sum, which nothing else holds), saving a copy of the window's pairs."""
        keep = np.flatnonzero(self.item_counts > 0)
        if len(keep) == self.n_items:  # nobody dropped out: skip the (slow) fancy indexing
            pairs, weighted = self.pairs.tocsr(), self.weighted.tocsr()
            if not in_place:
                pairs, weighted = pairs.copy(), weighted.copy()
        else:
            pairs = self.pairs[keep][:, keep].tocsr()
            weighted = self.weighted[keep][:, keep].tocsr()
        pairs.eliminate_zeros()
        weighted.eliminate_zeros()
        return Counts(
            item_ids=self.item_ids[keep],
            item_counts=self.item_counts[keep],
            pairs=pairs,
            weighted=weighted,
            n_orders=self.n_orders,
            gamma=self.gamma,
        )

    def to_bytes(self) -> bytes:
        """The stored form (codec.py): what SnapshotCounts and ShardCounts hold."""
        return counts_encode(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Counts:
        """Counts stored by to_bytes (or by an earlier format, see codec.py)."""
        return cls(**counts_decode(data))

    @classmethod
    def empty(cls, *, gamma: float) -> Counts:
        zero = sp.csr_matrix((0, 0), dtype=np.int64)
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), zero, zero.copy(), 0, gamma)


def count_baskets(
    baskets: Baskets, *, gamma: float, threads: int | None = None, multipliers: np.ndarray | None = None
) -> Counts:
    """All item and pair counts of the baskets, plain and size-weighted, from one XᵀX
    (its strict upper triangle only, see upper_gram).

    `multipliers`: an integer factor per order (row) on its size weight, the recency weight
    of recency.py; integers, so the weighted counts stay exact and additive."""
    x = baskets.matrix
    if x.shape[0] == 0:
        return Counts(baskets.item_ids, np.zeros(len(baskets.item_ids), np.int64),
                      sp.csr_matrix((x.shape[1], x.shape[1]), dtype=np.int64),
                      sp.csr_matrix((x.shape[1], x.shape[1]), dtype=np.int64), 0, gamma)
    if x.shape[0] > MAX_ORDERS_PER_COUNT:
        raise ValueError(f"more than {MAX_ORDERS_PER_COUNT} orders in one count: split into shards")
    weights = size_weights(baskets.sizes, gamma=gamma)
    if multipliers is not None:
        weights = weights * np.asarray(multipliers, dtype=np.int64)
    packed_rows = (weights << COUNT_BITS) + 1
    upper = upper_gram(x, packed_rows, threads=threads)
    item_counts = np.bincount(x.indices, minlength=x.shape[1]).astype(np.int64)
    pairs = sp.csr_matrix((upper.data & COUNT_MASK, upper.indices, upper.indptr), shape=upper.shape)
    weighted = sp.csr_matrix((upper.data >> COUNT_BITS, upper.indices, upper.indptr), shape=upper.shape)
    return Counts(
        item_ids=baskets.item_ids,
        item_counts=item_counts,
        pairs=pairs,
        weighted=weighted,
        n_orders=baskets.n_orders,
        gamma=gamma,
    )


# Row blocks of the Gram matrix: more blocks compute less of the lower triangle (a block
# computes only the columns from its own first product on) at a small cost per block.
GRAM_BLOCKS = 8


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def upper_gram(x: sp.csr_matrix, row_values: np.ndarray, *, blocks: int = GRAM_BLOCKS, threads: int | None = None) -> sp.csr_matrix:
    """The strict upper triangle (column > row) of xᵀ·diag(row_values)·x, x orders ×
    products, with its indices sorted within rows.

    The full product computes every pair twice and the diagonal. Here the products are cut
    into blocks [a, b) and each block computes only the entries (i, j) with i in the block
    and j ≥ a, transposed, as (diag(v)·x)ᵀ[a:] · x[:, a:b]: both operands are contiguous
    slices (rows of a CSR matrix, columns of a CSC one), so no block copies the matrix, and
    both come from one transpose of x. Keeping j > i and transposing gives the block's rows
    of the upper triangle, sorted. About (1 + 1/blocks)/2 of the full product's work. The
    blocks are independent and scipy's sparse kernels release the GIL, so they run on
    `threads` threads (default: one per CPU). The sums are integers: the result is exactly
    the upper triangle of the full product.
    """
    n = x.shape[1]
    x_columns = x.tocsc()
    # (diag(v)·x)ᵀ in CSR has x's CSC structure, each entry weighted by its order's value.
    right_t = sp.csr_matrix(
        (np.asarray(row_values)[x_columns.indices], x_columns.indices, x_columns.indptr), shape=(n, x.shape[0])
    )
    bounds = _block_bounds(np.diff(x_columns.indptr), n_orders=x.shape[0], blocks=blocks)

    def block(a: int, b: int):
        start = right_t.indptr[a]
        lower = sp.csr_matrix(
            (right_t.data[start:], right_t.indices[start:], right_t.indptr[a:] - start), shape=(n - a, right_t.shape[1])
        )
        first, last = x_columns.indptr[a], x_columns.indptr[b]
        columns = sp.csc_matrix(
            (x_columns.data[first:last], x_columns.indices[first:last], x_columns.indptr[a : b + 1] - first),
            shape=(x.shape[0], b - a),
        ).tocsr()
        # G = xᵀ·diag(v)·x is symmetric: here G[j, i] for local row r (j = a+r), local column c (i = a+c)
        product = (lower @ columns).tocsr()
        rows = np.repeat(np.arange(n - a, dtype=product.indices.dtype), np.diff(product.indptr))
        keep = rows > product.indices
        indptr = np.zeros(n - a + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=n - a), out=indptr[1:])
        kept = sp.csr_matrix((product.data[keep], product.indices[keep], indptr), shape=product.shape)
        upper = kept.tocsc()  # its transpose in CSR: the block's rows, indices sorted
        return upper.data, upper.indices + np.asarray(a, upper.indices.dtype), np.diff(upper.indptr)

    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    threads = min(threads or available_cpus(), len(spans))
    if threads > 1:
        with ThreadPoolExecutor(threads, thread_name_prefix="copurchase-gram") as pool:
            parts = list(pool.map(lambda span: block(*span), spans))
    else:
        parts = [block(a, b) for a, b in spans]
    indptr = np.zeros(n + 1, dtype=np.int64)
    if parts:
        np.cumsum(np.concatenate([lengths for _, _, lengths in parts]), out=indptr[1:])
    data = np.concatenate([d for d, _, _ in parts]) if parts else np.zeros(0, np.int64)
    indices = np.concatenate([i for _, i, _ in parts]) if parts else np.zeros(0, np.int32)
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))


def _block_bounds(order_counts: np.ndarray, *, n_orders: int, blocks: int) -> list[int]:
    """Cut the products into row blocks of about equal work, from each product's order
    count. Product i costs about its order count times the number of its orders' entries at
    columns ≥ i, estimated as its order count × (1 + mean basket size × share of all
    entries at columns ≥ i)."""
    n = len(order_counts)
    if n == 0:
        return [0]
    per_column = np.asarray(order_counts, dtype=np.float64)
    total = per_column.sum()
    tail_share = (total - np.cumsum(per_column) + per_column) / max(total, 1)
    mean_size = total / max(n_orders, 1)
    work = np.cumsum(per_column * (1 + mean_size * tail_share))
    cuts = np.searchsorted(work, work[-1] * np.arange(1, blocks) / blocks, side="right")
    return sorted({0, n, *(int(c) for c in cuts if 0 < c < n)})


def count_lines(
    *, order_ids: np.ndarray, product_ids: np.ndarray, gamma: float, multiplier_of: Callable | None = None
) -> Counts:
    """`multiplier_of`: order ids (ascending) -> their integer weight factors (recency.py)."""
    baskets = baskets_from_lines(order_ids=order_ids, product_ids=product_ids)
    multipliers = multiplier_of(baskets.order_ids) if multiplier_of is not None else None
    return count_baskets(baskets, gamma=gamma, multipliers=multipliers)


def _reindex(counts: Counts, item_ids: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix]:
    """Counts over a larger, sorted vocabulary that contains counts.item_ids."""
    n = len(item_ids)
    if n == counts.n_items:  # the same vocabulary (the big side of an incremental run)
        return counts.item_counts, counts.pairs.tocsr(), counts.weighted.tocsr()
    pos = np.searchsorted(item_ids, counts.item_ids)
    item_counts = np.zeros(n, np.int64)
    item_counts[pos] = counts.item_counts

    return item_counts, relabel(counts.pairs, pos, n), relabel(counts.weighted, pos, n)


def relabel(m: sp.spmatrix, pos: np.ndarray, n: int) -> sp.csr_matrix:
    """An n × n matrix holding m's row/column i at pos[i] (`pos` increasing).

    Rows keep their order and columns stay sorted: the CSR arrays are relabelled in place
    of a COO round trip (a new product in a night's orders would otherwise cost a re-sort
    of the whole window's matrix)."""
    m = m.tocsr()
    row_lengths = np.zeros(n, np.int64)
    row_lengths[pos] = np.diff(m.indptr)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(row_lengths, out=indptr[1:])
    return sp.csr_matrix((m.data.astype(np.int64, copy=False), pos[m.indices], indptr), shape=(n, n))


def _checked(result: Counts) -> Counts:
    """`result` is a sum just made by _combine: pruned in place."""
    if result.n_orders < 0 or (result.item_counts < 0).any() or (result.pairs.data < 0).any():
        raise ValueError("subtracted orders that were never counted")
    return result.pruned(in_place=True)


def _combine(a: Counts, b: Counts, *, sign: int, checked: bool = True) -> Counts:
    if a.gamma != b.gamma:
        raise ValueError("counts made with different size weights cannot be combined")
    item_ids = np.union1d(a.item_ids, b.item_ids)
    ac, ap, aw = _reindex(a, item_ids)
    bc, bp, bw = _reindex(b, item_ids)
    result = Counts(
        item_ids=item_ids,
        item_counts=ac + sign * bc,
        pairs=(ap + sign * bp).tocsr(),
        weighted=(aw + sign * bw).tocsr(),
        n_orders=a.n_orders + sign * b.n_orders,
        gamma=a.gamma,
    )
    if sign < 0 and checked:
        result = _checked(result)
    return result
