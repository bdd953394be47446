"""The benchmark's order history: a Zipf-like long tail, written in bulk (bench_copurchase).

On PostgreSQL every row goes in through COPY, and a fresh history is loaded the way a
bulk load is done: the order and line tables' secondary indexes and foreign keys are
dropped first and made again at the end, in the same transaction (each row would otherwise
update a dozen indexes and queue a deferred foreign-key check). The foreign keys come back
NOT VALID: the generated lines reference orders and products generated alongside them, and
validating would read every line once per key; new rows are checked as usual. While one
batch is sent, the next is generated (the COPY runs on the same connection, in a thread).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from catalog.models import Category, Product
from recommendations.copurchase.models import Snapshot
from shop.orders.models import Order, OrderLine

BENCH_CATEGORY = "bench-copurchase"
BENCH_EMAIL = "bench@example.com"
GENERATE_CHUNK = 200_000  # orders per COPY batch: a bounded amount of CSV text in memory


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    text = str(value)
    return '""' if text == "" else '"' + text.replace('"', '""') + '"'


def _constant_columns(model, explicit: set[str], constants: dict | None = None) -> tuple[list[str], str]:
    """Every other concrete column with its constant (or its default), as a CSV fragment."""
    constants = constants or {}
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in explicit:
            continue
        columns.append(field.column)
        values.append(_csv_value(constants.get(field.name, field.get_default())))
    return columns, ",".join(values)


def _copy_sql(model, columns: list[str]) -> str:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    return f"COPY {model._meta.db_table} ({names}) FROM STDIN (FORMAT csv)"


def _copy_csv(model, columns: list[str], text: str) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(model, columns)) as copy:
        copy.write(text)


@contextmanager
def bulk_load(models: list) -> Iterator[None]:
    """Inside a transaction: the tables' foreign keys, unique constraints and secondary
    indexes dropped, then made again as they were (the keys NOT VALID, see above)."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no table with pending checks can be altered
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype DESC",
            [tables],
        )
        constraints = cursor.fetchall()  # unique ones first: a foreign key may need one
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _, _ in reversed(constraints):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, kind, definition in constraints:
            not_valid = " NOT VALID" if kind == "f" else ""
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{not_valid}')


def history_generate(*, orders: int, products: int, seed: int, out) -> None:
    """Replace every order (and the benchmark's products) with a generated history."""
    rng = np.random.default_rng(seed)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {OrderLine._meta.db_table}, {Order._meta.db_table} CASCADE")
        else:
            OrderLine.objects.all().delete()
            Order.objects.all().delete()
        Snapshot.objects.all().delete()
        category, _ = Category.objects.get_or_create(slug=BENCH_CATEGORY, defaults={"name": "Benchmark"})
        if postgres:  # nothing else refers to the benchmark's products; the ORM's cascade walk takes minutes
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {Product._meta.db_table} WHERE category_id = %s", [category.pk])
        else:
            Product.objects.filter(category=category).delete()
        product_ids = _products(category, products)
        if postgres:
            with bulk_load([Order, OrderLine]):
                history_append(product_ids=product_ids, orders=orders, rng=rng, max_age_seconds=360 * 86400, out=out)
        else:
            history_append(product_ids=product_ids, orders=orders, rng=rng, max_age_seconds=360 * 86400, out=out)
    if postgres and not connection.in_atomic_block:  # VACUUM needs autocommit
        # As a production database's autovacuum leaves it: hint bits set, statistics fresh.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Order._meta.db_table}, {OrderLine._meta.db_table}")


def bench_product_ids() -> np.ndarray:
    return np.array(Product.objects.filter(category__slug=BENCH_CATEGORY).order_by("id").values_list("id", flat=True))


def _products(category, n: int) -> np.ndarray:
    if connection.vendor == "postgresql":
        now = timezone.now()
        columns, fragment = _constant_columns(
            Product, {"sku", "name", "slug", "category_id", "price", "stock"}, {"created_at": now, "updated_at": now}
        )
        text = "".join(f"BENCH{i:07d},Bench product {i},bench-{i},{category.pk},9.99,100,{fragment}\n" for i in range(n))
        _copy_csv(Product, ["sku", "name", "slug", "category_id", "price", "stock", *columns], text)
    else:
        Product.objects.bulk_create(
            (Product(sku=f"BENCH{i:07d}", name=f"Bench product {i}", slug=f"bench-{i}", category=category,
                     price=Decimal("9.99"), stock=100) for i in range(n)),
            batch_size=5000,
        )
    return bench_product_ids()


def history_append(*, product_ids: np.ndarray, orders: int, rng, max_age_seconds: float, out=None) -> None:
    """`orders` more orders, placed over the last `max_age_seconds`, after the newest one."""
    n_products = len(product_ids)
    # Zipf-like popularity: weight 1/(rank+10)^1.05 — a head of bestsellers, a long tail.
    weights = 1.0 / np.power(np.arange(n_products) + 10.0, 1.05)
    cumulative = np.cumsum(weights / weights.sum())
    now = np.datetime64(timezone.now().astimezone(dt.UTC).replace(tzinfo=None), "us")
    next_order = 1 + (Order.objects.order_by("-id").values_list("id", flat=True).first() or 0)
    order_columns, order_fragment = _constant_columns(
        Order, {"id", "number", "access_token", "placed_at", "status", "email"}
    )
    line_columns, line_fragment = _constant_columns(
        OrderLine,
        {"id", "order_id", "product_id", "sku", "name"},
        {"unit_price": Decimal("9.99"), "quantity": 1, "line_total": Decimal("9.99")},
    )
    order_sql = _copy_sql(Order, ["id", "number", "access_token", "placed_at", "status", "email", *order_columns])
    line_sql = _copy_sql(OrderLine, ["order_id", "product_id", "sku", "name", *line_columns])
    postgres = connection.vendor == "postgresql"
    if postgres:
        connection.ensure_connection()
        raw = connection.connection  # the COPY thread uses this transaction's connection
    sending: Future | None = None

    def send(order_text: str, line_text: str) -> None:
        with raw.cursor() as cursor:
            with cursor.copy(order_sql) as copy:
                copy.write(order_text)
            with cursor.copy(line_sql) as copy:
                copy.write(line_text)

    with ThreadPoolExecutor(1, thread_name_prefix="bench-copy") as pool, tqdm(
        total=orders, unit="order", file=out, desc="generate", mininterval=5
    ) as bar:
        for start in range(0, orders, GENERATE_CHUNK):
            n = min(GENERATE_CHUNK, orders - start)
            ids = np.arange(next_order + start, next_order + start + n)
            # 1–20 lines per order, mostly small: geometric with mean ~5, capped.
            sizes = np.minimum(rng.geometric(0.2, size=n), 20)
            ranks = np.minimum(np.searchsorted(cumulative, rng.random(int(sizes.sum()))), n_products - 1)
            items = product_ids[ranks]
            placed = now - (rng.uniform(0, max_age_seconds, size=n) * 1e6).astype("timedelta64[us]")
            if not postgres:
                _orm_write(ids, placed, np.repeat(ids, sizes), items)
                bar.update(n)
                continue
            stamps = np.datetime_as_string(placed, unit="us")
            order_text = "".join(
                f"{i},B{i:010d},bench{i},{p}+00:00,paid,{BENCH_EMAIL},{order_fragment}\n"
                for i, p in zip(ids.tolist(), stamps.tolist())
            )
            buffer = io.StringIO()
            tail = f",B,B,{line_fragment}\n"
            for o, p in zip(np.repeat(ids, sizes).tolist(), items.tolist()):
                buffer.write(f"{o},{p}{tail}")
            if sending is not None:
                sending.result()
            sending = pool.submit(send, order_text, buffer.getvalue())
            bar.update(n)
        if sending is not None:
            sending.result()
    if postgres:
        with connection.cursor() as cursor:
            for table in (Order._meta.db_table, OrderLine._meta.db_table):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _orm_write(ids, placed, line_orders, items) -> None:
    Order.objects.bulk_create(
        (Order(id=i, number=f"B{i:010d}", access_token=f"bench{i}", placed_at=p.replace(tzinfo=dt.UTC), status="paid",
               email=BENCH_EMAIL)
         for i, p in zip(ids.tolist(), placed.tolist())),
        batch_size=2000,
    )
    OrderLine.objects.bulk_create(
        (OrderLine(order_id=o, product_id=p, sku="B", name="B", unit_price=Decimal("9.99"), quantity=1,
                   line_total=Decimal("9.99")) for o, p in zip(line_orders.tolist(), items.tolist())),
        batch_size=2000,
    )
