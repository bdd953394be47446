"""Writing a snapshot's rows in bulk: binary COPY on PostgreSQL, bulk_create elsewhere.

Binary COPY rows are fixed width here (ints and doubles only), so numpy lays out the whole
stream as one structured array: a million partner rows are written in about two seconds,
with no Python object per row.
"""

from __future__ import annotations

import numpy as np
from django.db import connection

from .core import Counts
from .models import PairStat, ProductStat, Snapshot, SnapshotCounts
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


def write_snapshot_rows(*, snapshot: Snapshot, top: TopPartners, counts: Counts) -> None:
    """The partner rows and product order counts of a (building) snapshot."""
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
    if connection.vendor == "postgresql":
        _copy_binary(PairStat._meta.db_table, PAIR_COLUMNS, pair_values, n_pairs)
        _copy_binary(ProductStat._meta.db_table, PRODUCT_COLUMNS, product_values, n_products)
    else:
        _bulk(PairStat, pair_values, n_pairs)
        _bulk(ProductStat, product_values, n_products)


def write_snapshot_counts(*, snapshot: Snapshot, counts: Counts) -> None:
    """The raw counts, the base of the next incremental run."""
    blob = counts.to_bytes()
    SnapshotCounts.objects.filter(snapshot=snapshot).delete()
    if connection.vendor != "postgresql":
        SnapshotCounts.objects.create(snapshot=snapshot, data=blob, size=len(blob))
        return
    # Django's psycopg cursors bind client-side: a 40 MB bytea would travel as an 80 MB hex
    # literal inside the SQL text. A server-side-binding cursor sends it as binary (%b).
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {SnapshotCounts._meta.db_table} (snapshot_id, data, size) VALUES (%s, %b, %s)",
            [snapshot.pk, blob, len(blob)],
        )


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
