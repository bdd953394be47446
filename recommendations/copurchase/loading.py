"""Reading order lines out of the database as numpy arrays, in bulk.

On PostgreSQL the ids stream out as `array_agg` slices through `COPY … TO STDOUT (FORMAT
binary)`: bigint array elements have a fixed width, so numpy reads them straight from the
protocol bytes, no Python object per line. Other databases use `fetchmany` in chunks.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Max, Min

from catalog.models import Product
from shop.orders.models import Order, OrderLine

FETCH_CHUNK = 100_000
# Orders per array slice on PostgreSQL: a few hundred thousand lines, one message of a
# bounded size and a bounded transient copy (ORDERS_PER_SLICE < 2^31: an order's offset in
# its slice takes the high half of an int64).
ORDERS_PER_SLICE = 100_000
PACKED_PRODUCT_LIMIT = 1 << 32
_PG_INT8_ELEMENT = np.dtype([("len", ">i4"), ("v", ">i8")])
# Connections reading slices at once: each slice costs the server one core (a bitmap scan
# of an index range and one array_agg of the packed ids), the client little.
READ_CONNECTIONS = 2

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
    order_times: list | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(order_ids, product_ids) of the counted order lines placed in [window_start, window_end).

    `order_times`: a list that receives (order ids, placed_at in epoch seconds) of the
    window's counted orders, read with them on PostgreSQL (load_order_times elsewhere)."""
    params: list = [window_start, window_end, Order.Status.CANCELLED]
    if id_range is not None:
        params += list(id_range)
    if connection.vendor == "postgresql":
        return _load_postgres(params, with_id_range=id_range is not None, progress=progress, order_times=order_times)
    if order_times is not None:
        order_times.extend(load_order_times(window_start=window_start, window_end=window_end))
    # As the ORM would store them: SQLite compares text, and the driver's own rendering of an
    # aware datetime ("…+00:00") sorts after the stored value of the same instant.
    params[:2] = [connection.ops.adapt_datetimefield_value(value) for value in params[:2]]
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


def _copy_int8_arrays(sql: str, params: list, *, bitmap_scan: bool = False) -> list[np.ndarray]:
    """Run `sql` (one row of `array_agg(bigint)` columns) through binary COPY; the arrays.

    `bitmap_scan`: read a range of an index as a bitmap heap scan. The planner prefers a
    plain index scan for the order lines of an id range (the index is well correlated),
    which costs about twice the server time. Only outside a transaction (a SET LOCAL inside
    someone else's would outlive this read).

    Why arrays: binary COPY sends one protocol message per row, and psycopg hands each to
    Python, so millions of two-column rows cost far more in the Python loop than on the
    server. A handful of rows holding a million-element array each stream the same data
    at close to the server's own speed.
    """
    hint = bitmap_scan and not connection.in_atomic_block
    with transaction.atomic() if hint else nullcontext(), connection.cursor() as cursor:
        if hint:
            cursor.execute("SET LOCAL enable_indexscan = off")
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
            data = b"".join(bytes(block) for block in copy)
    offset = _PG_HEADER
    (n_fields,) = struct.unpack_from(">h", data, offset)
    offset += 2
    arrays = []
    for _ in range(n_fields):
        (length,) = struct.unpack_from(">i", data, offset)
        offset += 4
        if length == -1:  # array_agg of no rows is NULL
            arrays.append(np.zeros(0, np.int64))
            continue
        ndim, _, _ = struct.unpack_from(">iii", data, offset)
        count = struct.unpack_from(">i", data, offset + 12)[0] if ndim else 0
        header = 12 + 8 * ndim
        values = np.frombuffer(data, dtype=_PG_INT8_ELEMENT, count=count, offset=offset + header)
        arrays.append(values["v"].astype(np.int64))
        offset += length
    return arrays


def _load_postgres(
    params: list, *, with_id_range: bool, progress: Progress | None, order_times: list | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two plain scans instead of one join: the counted order ids of the window, then the
    lines of that id span in slices, filtered in numpy with a bitmap. Several times faster
    than streaming the join row by row (`bench_copurchase` measures the read)."""
    order, line = Order._meta.db_table, OrderLine._meta.db_table
    times = ", array_agg(extract(epoch FROM placed_at)::bigint)" if order_times is not None else ""
    sql = f"SELECT array_agg(id){times} FROM {order} WHERE placed_at >= %s AND placed_at < %s AND status <> %s"
    if with_id_range:
        sql += " AND id >= %s AND id < %s"
    order_ids, *placed = _copy_int8_arrays(sql, params)
    if order_times is not None:
        order_times.extend([order_ids, placed[0].astype(np.float64)])
    if not len(order_ids):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo, hi = int(order_ids.min()), int(order_ids.max())
    counted = np.zeros(hi - lo + 1, dtype=bool)
    counted[order_ids - lo] = True
    starts = list(range(lo, hi + 1, ORDERS_PER_SLICE))
    # One array of (order id - slice start) << 32 | product id per slice: half the elements of
    # two arrays, and the server's cost is per element.
    packed = (Product.objects.aggregate(top=Max("id"))["top"] or 0) < PACKED_PRODUCT_LIMIT
    if packed:
        lines_sql = (
            f"SELECT array_agg(((order_id - %s) << 32) | product_id) FROM {line} "
            f"WHERE order_id >= %s AND order_id < %s AND product_id IS NOT NULL"
        )
    else:  # product ids past 32 bits: the two ids apart
        lines_sql = (
            f"SELECT array_agg(order_id), array_agg(product_id) FROM {line} "
            f"WHERE order_id >= %s AND order_id < %s AND product_id IS NOT NULL"
        )

    def read(start: int) -> tuple[np.ndarray, np.ndarray]:
        stop = min(start + ORDERS_PER_SLICE, hi + 1)
        if packed:
            (values,) = _copy_int8_arrays(lines_sql, [start, start, stop], bitmap_scan=True)
            slice_orders, slice_products = (values >> 32) + start, values & 0xFFFF_FFFF
        else:
            slice_orders, slice_products = _copy_int8_arrays(lines_sql, [start, stop], bitmap_scan=True)
        keep = counted[slice_orders - lo]
        return slice_orders[keep], slice_products[keep]

    slices: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if connection.in_atomic_block or len(starts) == 1:
        # Other connections cannot see this transaction's rows (tests): read here.
        for start in starts:
            slices[start] = read(start)
            if progress:
                progress(len(slices[start][0]))
    else:
        with ThreadPoolExecutor(READ_CONNECTIONS, thread_name_prefix="copurchase-read") as pool:
            futures = {pool.submit(_on_own_connection, read, start): start for start in starts}
            for future in as_completed(futures):
                slices[futures[future]] = future.result()
                if progress:
                    progress(len(slices[futures[future]][0]))
    # Concatenated in id order whatever order the slices arrived in.
    return (np.concatenate([slices[start][0] for start in starts]),
            np.concatenate([slices[start][1] for start in starts]))


def _on_own_connection(read: Callable, start: int):
    """Run on a pool thread: Django gives the thread its own connection; closed after each
    slice (a reconnect is cheap beside a slice) because nothing else would close it when
    the pool ends."""
    try:
        return read(start)
    finally:
        connection.close()


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
    agg = (
        Order.objects.counted()
        .filter(placed_at__gte=window_start, placed_at__lt=window_end)
        .aggregate(lo=Min("id"), hi=Max("id"), n=Count("id"))
    )
    return agg["lo"] or 0, agg["hi"] or 0, agg["n"]


def load_order_times(*, window_start: dt.datetime, window_end: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """(order ids, placed_at in epoch seconds) of the counted orders placed in the window,
    for the recency weights and the tuning's held-out orders."""
    order = Order._meta.db_table
    params: list = [window_start, window_end, Order.Status.CANCELLED]
    if connection.vendor == "postgresql":
        sql = (f"SELECT array_agg(id), array_agg(extract(epoch FROM placed_at)::bigint) FROM {order} "
               f"WHERE placed_at >= %s AND placed_at < %s AND status <> %s")
        ids, times = _copy_int8_arrays(sql, params)
        return ids, times.astype(np.float64)
    rows = (
        Order.objects.filter(placed_at__gte=window_start, placed_at__lt=window_end)
        .exclude(status=Order.Status.CANCELLED).values_list("id", "placed_at")
    )
    ids, times = [], []
    for order_id, placed_at in rows.iterator(chunk_size=FETCH_CHUNK):
        ids.append(order_id)
        times.append(placed_at.timestamp())
    return np.array(ids, dtype=np.int64), np.array(times, dtype=np.float64)


def load_baskets_between(*, start: dt.datetime, end: dt.datetime, orders: int) -> dict[int, tuple[float, set[int]]]:
    """order id -> (placed_at in epoch seconds, its products) of the `orders` most recent
    counted orders placed in [start, end)."""
    recent = list(
        Order.objects.counted().filter(placed_at__gte=start, placed_at__lt=end)
        .order_by("-placed_at", "-id").values_list("id", "placed_at")[:orders]
    )
    baskets = {order_id: (placed_at.timestamp(), set()) for order_id, placed_at in recent}
    lines = OrderLine.objects.filter(order_id__in=list(baskets), product_id__isnull=False).values_list("order_id", "product_id")
    for order_id, product_id in lines.iterator(chunk_size=FETCH_CHUNK):
        baskets[order_id][1].add(product_id)
    return baskets
