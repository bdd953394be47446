"""Reading order lines out of the database as numpy arrays, in bulk.

On PostgreSQL the rows stream out through `COPY (SELECT …) TO STDOUT (FORMAT binary)`: bigint
columns only, so every row has a fixed width and numpy parses the stream without a Python
object per row. Other databases use a plain cursor with `fetchmany` in chunks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.db import connection

from shop.orders.models import Order, OrderLine

FETCH_CHUNK = 100_000
# Parse the COPY stream every ~16 MB so the raw bytes never pile up next to the arrays.
COPY_PARSE_BYTES = 16 * 1024 * 1024

_PG_HEADER = 19  # b"PGCOPY\n\377\r\n\0" + int32 flags + int32 header-extension length

Progress = Callable[[int], None]


def _lines_sql(*, with_id_range: bool) -> str:
    line, order = OrderLine._meta.db_table, Order._meta.db_table
    sql = (
        f"SELECT l.order_id, l.product_id FROM {line} l JOIN {order} o ON o.id = l.order_id "
        f"WHERE o.placed_at >= %s AND o.placed_at < %s AND o.status <> %s AND l.product_id IS NOT NULL"
    )
    if with_id_range:
        sql += " AND o.id >= %s AND o.id < %s"
    return sql


def load_lines(
    *,
    window_start: dt.datetime,
    window_end: dt.datetime,
    id_range: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(order_ids, product_ids) of the counted order lines placed in [window_start, window_end)."""
    params: list = [window_start, window_end, Order.Status.CANCELLED]
    if id_range is not None:
        params += list(id_range)
    if connection.vendor == "postgresql":
        return _load_postgres(params, with_id_range=id_range is not None, progress=progress)
    return _load_generic(_lines_sql(with_id_range=id_range is not None), params, progress)


def _load_generic(sql: str, params: list, progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_CHUNK):
            chunks.append(np.array(rows, dtype=np.int64).reshape(-1, 2))
            if progress:
                progress(len(rows))
    if not chunks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    data = np.concatenate(chunks)
    return data[:, 0].copy(), data[:, 1].copy()


def _copy_binary_int8(sql: str, params: list, columns: int, progress: Progress | None = None) -> list[np.ndarray]:
    """COPY … TO STDOUT (FORMAT binary) of bigint columns, parsed by numpy in ~16 MB steps."""
    row = np.dtype([("n", ">i2")] + [x for i in range(columns) for x in ((f"l{i}", ">i4"), (f"c{i}", ">i8"))])
    parts: list[list[np.ndarray]] = [[] for _ in range(columns)]
    buffer = bytearray()
    header_done = False

    def parse(final: bool) -> None:
        nonlocal buffer, header_done
        start = 0
        if not header_done:
            if len(buffer) < _PG_HEADER:
                return
            start, header_done = _PG_HEADER, True
        usable = (len(buffer) - start - (2 if final else 0)) // row.itemsize  # the int16 -1 trailer
        if usable > 0:
            rows = np.frombuffer(buffer, dtype=row, count=usable, offset=start)
            for i in range(columns):
                parts[i].append(rows[f"c{i}"].astype(np.int64))
            if progress:
                progress(usable)
        buffer = buffer[start + max(usable, 0) * row.itemsize :]

    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
            for block in copy:
                buffer += block
                if len(buffer) >= COPY_PARSE_BYTES:
                    parse(final=False)
        parse(final=True)
    return [np.concatenate(p) if p else np.zeros(0, np.int64) for p in parts]


def _load_postgres(params: list, *, with_id_range: bool, progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """Two plain scans instead of one join: the counted order ids of the window, then the
    lines of that id span, filtered in numpy with a bitmap. Measured at 1M orders / 5M
    lines: 14 s for the join, about half for the two streams."""
    order, line = Order._meta.db_table, OrderLine._meta.db_table
    sql = f"SELECT id FROM {order} WHERE placed_at >= %s AND placed_at < %s AND status <> %s"
    if with_id_range:
        sql += " AND id >= %s AND id < %s"
    (order_ids,) = _copy_binary_int8(sql, params, 1)
    if not len(order_ids):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo, hi = int(order_ids.min()), int(order_ids.max())
    lines_sql = (
        f"SELECT order_id, product_id FROM {line} WHERE order_id >= %s AND order_id <= %s AND product_id IS NOT NULL"
    )
    orders, products = _copy_binary_int8(lines_sql, [lo, hi], 2, progress)
    counted = np.zeros(hi - lo + 1, dtype=bool)
    counted[order_ids - lo] = True
    keep = counted[orders - lo]
    return orders[keep], products[keep]


def load_recent_baskets(*, before: dt.datetime, orders: int) -> list[set[int]]:
    """The product sets of the `orders` most recent counted orders placed before `before`."""
    recent = (
        Order.objects.counted().filter(placed_at__lt=before).order_by("-placed_at", "-id").values("id")[:orders]
    )
    baskets: dict[int, set[int]] = {}
    lines = OrderLine.objects.filter(order_id__in=recent, product_id__isnull=False).values_list("order_id", "product_id")
    for order_id, product_id in lines.iterator(chunk_size=FETCH_CHUNK):
        baskets.setdefault(order_id, set()).add(product_id)
    return list(baskets.values())


def order_id_bounds(*, window_start: dt.datetime, window_end: dt.datetime) -> tuple[int, int, int]:
    """(lowest id, highest id, count) of the counted orders in the window."""
    from django.db.models import Count, Max, Min

    agg = (
        Order.objects.counted()
        .filter(placed_at__gte=window_start, placed_at__lt=window_end)
        .aggregate(lo=Min("id"), hi=Max("id"), n=Count("id"))
    )
    return agg["lo"] or 0, agg["hi"] or 0, agg["n"]
