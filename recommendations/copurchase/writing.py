"""Writing a snapshot's rows in bulk: binary COPY on PostgreSQL, executemany elsewhere.

Binary COPY rows are fixed width here (ints and doubles only), so numpy lays out the whole
stream as one structured array, with no Python object per row. What is left is the
server's own cost per row, into the snapshot's own unindexed partition whose key is built
afterwards in one pass (partitions.py, while the quality gate runs); that cost takes one
core per connection, so the rows go in two streams on two connections.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

import numpy as np
import psycopg
from django.db import connection, transaction

from .background import in_background
from .counting import Counts
from .models import PairStat, ProductStat, Snapshot, SnapshotCounts
from .partitions import partition_attach, partition_create
from .scoring import TopPartners

BULK_BATCH = 5_000
COPY_CHUNK_ROWS = 200_000

_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_PG_TRAILER = b"\xff\xff"
_PG_TYPES = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8"}

PAIR_COLUMNS = [
    ("snapshot_id", "int8"),
    ("product_id", "int8"),
    ("partner_id", "int8"),
    ("rank", "int2"),
    ("count_ab", "int4"),
    ("count_a", "int4"),
    ("count_b", "int4"),
    ("support", "float8"),
    ("confidence", "float8"),
    ("lift", "float8"),
    ("score", "float8"),
]
PRODUCT_COLUMNS = [("snapshot_id", "int8"), ("product_id", "int8"), ("order_count", "int4")]


def _copy_binary(table: str, columns: list[tuple[str, str]], values: dict[str, np.ndarray], n: int) -> None:
    fields = [("n", ">i2")]
    for name, kind in columns:
        fields += [(f"{name}__len", ">i4"), (name, _PG_TYPES[kind])]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["n"] = len(columns)
    for name, kind in columns:
        rows[f"{name}__len"] = np.dtype(_PG_TYPES[kind]).itemsize
        rows[name] = values[name]
    names = ", ".join(f'"{name}"' for name, _ in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT binary)') as copy:
            copy.write(_PG_HEADER)
            for start in range(0, n, COPY_CHUNK_ROWS):
                copy.write(rows[start : start + COPY_CHUNK_ROWS].tobytes())
            copy.write(_PG_TRAILER)


def write_snapshot_rows(*, snapshot: Snapshot, top: TopPartners, counts: Counts) -> int:
    """The partner rows and product order counts of a (building) snapshot; the number of rows.
    On PostgreSQL the rows are not readable before snapshot_rows_finish_in_background."""
    n_pairs, n_products = len(top), counts.n_items
    pair_values = {
        "snapshot_id": np.full(n_pairs, snapshot.pk, dtype=np.int64),
        "product_id": top.product_id,
        "partner_id": top.partner_id,
        "rank": top.rank,
        "count_ab": top.count_ab,
        "count_a": top.count_a,
        "count_b": top.count_b,
        "support": top.support,
        "confidence": top.confidence,
        "lift": top.lift,
        "score": top.score,
    }
    product_values = {
        "snapshot_id": np.full(n_products, snapshot.pk, dtype=np.int64),
        "product_id": counts.item_ids,
        "order_count": counts.item_counts,
    }
    if connection.vendor != "postgresql":
        # One transaction: SQLite syncs to disk at every commit, which a commit per batch
        # would pay once per batch.
        with transaction.atomic():
            _bulk(ProductStat, product_values, n_products)
            _bulk(PairStat, pair_values, n_pairs)
        return n_pairs
    # The pair rows go into the snapshot's own unindexed partition table (partitions.py),
    # in two streams at once on two connections (the server's cost per row takes one core
    # per connection), the product counts first on the second one.
    table = partition_create(snapshot.pk)
    half = n_pairs // 2

    def second_stream() -> None:
        _copy_binary(ProductStat._meta.db_table, PRODUCT_COLUMNS, product_values, n_products)
        _copy_binary(table, PAIR_COLUMNS, {k: v[half:] for k, v in pair_values.items()}, n_pairs - half)

    other = in_background(second_stream)
    try:
        _copy_binary(table, PAIR_COLUMNS, {k: v[:half] for k, v in pair_values.items()}, half)
    except BaseException:
        with suppress(Exception):
            other()  # no thread outlives a failed write
        raise
    other()
    return n_pairs


def snapshot_rows_finish_in_background(*, snapshot: Snapshot) -> Callable[[], None]:
    """Make the rows written by write_snapshot_rows readable: on PostgreSQL, build the key of
    the snapshot's partition and attach it (server time the refresh need not wait for), on
    its own connection; returns the function that waits for it."""
    return in_background(partition_attach, snapshot.pk)


def write_snapshot_counts(*, snapshot: Snapshot, counts: Counts, base: Snapshot | None = None) -> None:
    """The raw counts, the base of the next incremental run: all of them, or with `base`
    a delta on top of that snapshot's counts (see SnapshotCounts)."""
    blob = counts.to_bytes()
    SnapshotCounts.objects.filter(snapshot=snapshot).delete()
    base_id = base.pk if base else None
    if connection.vendor != "postgresql":
        SnapshotCounts.objects.create(snapshot=snapshot, base_id=base_id, data=blob, size=len(blob))
        return
    # Django's psycopg cursors bind client-side: a large bytea would travel as a hex literal
    # of twice its size inside the SQL text. A server-side-binding cursor sends it as binary (%b).
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {SnapshotCounts._meta.db_table} (snapshot_id, base_id, data, size) VALUES (%s, %s, %b, %s)",
            [snapshot.pk, base_id, blob, len(blob)],
        )


def write_snapshot_counts_in_background(
    *, snapshot: Snapshot, counts: Counts, base: Snapshot | None = None
) -> Callable[[], None]:
    """Start writing the raw counts; returns the function that waits for it. Compressing a
    full count runs on another core while this one scores, and storing it beside the rows'
    COPY."""
    return in_background(write_snapshot_counts, snapshot=snapshot, counts=counts, base=base)


def _bulk(model, values: dict[str, np.ndarray], n: int) -> None:
    """executemany of plain tuples: the rows are numbers only, so model instances (and
    bulk_create's per-object preparation) would only cost time."""
    names = list(values)
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    rows = list(zip(*(values[name].tolist() for name in names), strict=True))
    with connection.cursor() as cursor:
        for start in range(0, n, BULK_BATCH):
            cursor.executemany(sql, rows[start : start + BULK_BATCH])
