"""The stored form of raw co-purchase counts (SnapshotCounts, ShardCounts): bytes in, bytes out.

The upper-triangle CSR arrays go into one npz archive compressed with Zstandard level 1:
the counts of a large window are written every night and read back by the next
incremental run, so the codec favours speed over the last few percent of size (zlib, or
npz's own deflate on COO arrays, were both slower for a larger result). Counts stored
before the switch to Zstandard are zlib streams, and counts stored before indices were
delta-encoded hold them whole: both still load.

Pure functions over arrays, no database: `Counts.to_bytes`/`from_bytes` (counting.py)
call them, so the counting stays free of any storage format.
"""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
import zstandard

if TYPE_CHECKING:
    from .counting import Counts

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def counts_encode(counts: Counts) -> bytes:
    """Counts of real orders have one structure for both matrices (a pair seen in no order
    has no weight either); a signed delta may not (+1 −1 orders of different sizes cancel
    the count, not the weight), so then the weights keep their own structure."""
    p, w = counts.pairs.tocsr(), counts.weighted.tocsr()
    arrays = {
        "item_ids": counts.item_ids,
        "item_counts": counts.item_counts,
        "indptr": p.indptr.astype(np.int64),
        # Column indices as differences from the entry before: sorted within rows they are
        # small numbers, which compress far better (a cumsum restores them).
        "indices_delta": _delta(p.indices),
        "pairs": _narrow(p.data),  # signed: a delta can be negative
        "meta": np.array([counts.n_orders], dtype=np.int64),
        "gamma": np.array([counts.gamma]),
    }
    if np.array_equal(p.indptr, w.indptr) and np.array_equal(p.indices, w.indices):
        arrays["weighted"] = _narrow(w.data)
    else:
        arrays.update(weighted=_narrow(w.data), w_indptr=w.indptr.astype(np.int64), w_indices_delta=_delta(w.indices))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return zstandard.ZstdCompressor(level=1).compress(buffer.getbuffer())


def counts_decode(data: bytes) -> dict[str, Any]:
    """The keyword arguments of `Counts` stored by counts_encode: Zstandard, or zlib as
    stored before (its own header)."""
    data = bytes(data)
    raw = zstandard.ZstdDecompressor().decompress(data) if data[:4] == _ZSTD_MAGIC else zlib.decompress(data)
    with np.load(io.BytesIO(raw)) as z:
        n = len(z["item_ids"])
        structure = (_indices(z, "indices"), z["indptr"])
        w_structure = (_indices(z, "w_indices"), z["w_indptr"]) if "w_indptr" in z.files else structure
        return {
            "item_ids": z["item_ids"],
            "item_counts": z["item_counts"],
            "pairs": sp.csr_matrix((z["pairs"].astype(np.int64), *structure), shape=(n, n)),
            "weighted": sp.csr_matrix((z["weighted"].astype(np.int64), *w_structure), shape=(n, n)),
            "n_orders": int(z["meta"][0]),
            "gamma": float(z["gamma"][0]),
        }


def _delta(indices: np.ndarray) -> np.ndarray:
    return np.diff(indices.astype(np.int32), prepend=np.int32(0))


def _indices(z, name: str) -> np.ndarray:
    """Stored indices: as deltas (see counts_encode), or whole in counts stored before."""
    if f"{name}_delta" in z.files:
        return np.cumsum(z[f"{name}_delta"], dtype=np.int32)
    return z[name]


def _narrow(values: np.ndarray) -> np.ndarray:
    """The smallest signed integer type holding `values`: pair counts usually fit 16 bits
    and weights 32, which makes the stored counts smaller and quicker to write."""
    if not len(values):
        return values.astype(np.int32)
    dtype = np.result_type(np.min_scalar_type(-int(abs(values).max()) - 1), np.int16)
    return values.astype(dtype)
