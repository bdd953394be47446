"""Bulk inserts for half a million rows: COPY on PostgreSQL, executemany elsewhere.

bulk_create builds a model instance and compiles SQL per batch: for the demo's half million
order lines that costs more than the database does. These helpers insert plain tuples instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection

from shop.demo.progress import Progress, no_progress

BATCH = 20_000  # rows per executemany call / per progress update
LOAD_CACHE_KIB = -256_000  # SQLite page cache during a bulk insert (negative: a size in KiB)


def insert_rows(
    model, columns: Sequence[str], rows: Iterable[tuple], *, total: int, progress: Progress = no_progress, desc=""
) -> int:
    """Insert tuples (values of `columns`, by attname) into `model`'s table: far faster than
    bulk_create for half a million rows, which builds a model instance per row.

    PostgreSQL gets COPY; other databases a prepared INSERT run with executemany. The columns
    left out get the field's Python default, as the ORM would give them.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    rest = [name for name in fields if name not in columns]
    for name in rest:
        if fields[name].unique and not fields[name].null:
            raise ValueError(f"{model.__name__}.{name} is unique: give it a value per row")
    tail = tuple(fields[name].get_default() for name in rest)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(fields[name].column) for name in (*columns, *rest))
    values = (row + tail for row in rows)

    count = 0
    bar = progress(desc, total)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({names}) FROM STDIN"
            with _foreign_keys_checked_at_the_end(model), cursor.cursor.copy(copy_sql) as copy:
                for row in values:
                    copy.write_row(row)
                    count += 1
                    if count % BATCH == 0:
                        bar.update(BATCH)
            bar.update(count % BATCH)
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + len(rest)))})"
            with _secondary_indexes_built_at_the_end(model, enabled=connection.vendor == "sqlite"):
                while batch := list(islice(values, BATCH)):
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    bar.update(len(batch))
    bar.close()
    return count


@contextmanager
def _secondary_indexes_built_at_the_end(model, *, enabled: bool):
    """SQLite: drop the table's non-unique indexes for a bulk insert and create them after.

    Each row otherwise goes into every index as it comes, the product index in random
    order; building an index afterwards sorts once, which for the order lines costs far
    less than the inserts save (see the load's timings). A bigger page cache keeps
    the growing table out of the journal until the commit. Both happen inside the load's
    transaction (SQLite's DDL is transactional), so a failure brings the indexes back.
    """
    if not enabled:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {LOAD_CACHE_KIB}")
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


@contextmanager
def _foreign_keys_checked_at_the_end(model):
    """PostgreSQL: drop the table's foreign keys for a bulk COPY and add them back after.

    Adding a key back checks every row in one set-based pass (a join); left in place, each
    key queues one check per row until the commit, which for half a million order lines
    costs many times the COPY itself. Inside the load's transaction, so a failure restores them.
    """
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while checks of earlier inserts (products, …) are still queued.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        keys = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
