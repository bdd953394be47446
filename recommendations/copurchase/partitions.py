"""On PostgreSQL the partner rows live in one partition per snapshot (list-partitioned on
snapshot_id); elsewhere in the one plain table.

Why: a snapshot is written once, whole, and later dropped whole.
- Writing: the rows go by COPY into a fresh table without an index, whose primary key is
  then built in one sorted pass, and the table is attached to the parent: less server time
  than inserting into an indexed table, row by row into its index. ATTACH
  takes SHARE UPDATE EXCLUSIVE on the parent: the storefront's reads go on meanwhile, and a
  CHECK on the snapshot id spares it the validating scan.
- Dropping: DETACH PARTITION … CONCURRENTLY then DROP TABLE, instead of deleting hundreds
  of thousands of rows (server time, and as many dead rows left for vacuum). CONCURRENTLY never
  blocks readers; it needs PostgreSQL ≥ 14 and a parent without a default partition, so
  there is none: rows can only be written into a snapshot's own partition, made by
  `partition_create` (the writer) or `partition_ensure` (anything else, e.g. tests).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import PairStat

KEY_COLUMNS = ("snapshot_id", "product_id", "rank")


def parent_table() -> str:
    return PairStat._meta.db_table


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def partition_name(snapshot_id: int) -> str:
    return f"{parent_table()}_s{int(snapshot_id)}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def partition_create(snapshot_id: int) -> str:
    """A fresh, unindexed, unattached table for a snapshot's rows (any earlier one of that
    name dropped first); its name. On other databases, the plain table."""
    if not partitioned():
        return parent_table()
    partitions_drop([snapshot_id])
    name, snapshot_id = partition_name(snapshot_id), int(snapshot_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {_quote(name)} (LIKE {_quote(parent_table())} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"ALTER TABLE {_quote(name)} ADD CONSTRAINT {_quote(name + '_snapshot')} CHECK (snapshot_id = {snapshot_id})"
        )
    return name


def partition_attach(snapshot_id: int) -> None:
    """Index the rows written into `partition_create`'s table and attach it to the parent."""
    if not partitioned():
        return
    name, snapshot_id = partition_name(snapshot_id), int(snapshot_id)
    columns = ", ".join(_quote(column) for column in KEY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {_quote(name)} ADD CONSTRAINT {_quote(name + '_pkey')} PRIMARY KEY ({columns})")
        cursor.execute(f"ALTER TABLE {_quote(parent_table())} ATTACH PARTITION {_quote(name)} FOR VALUES IN ({snapshot_id})")


def partition_ensure(snapshot_id: int) -> None:
    """An attached (empty) partition for a snapshot, unless it has one: for rows written
    one by one through the ORM rather than by the refresh."""
    if partitioned() and int(snapshot_id) not in _partitions():
        partition_create(snapshot_id)
        partition_attach(snapshot_id)


def _partitions() -> dict[int, tuple[bool, bool]]:
    """Snapshot id -> (attached, detach pending) of every table named like a partition."""
    prefix = parent_table() + "_s"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.inhrelid IS NOT NULL, COALESCE(i.inhdetachpending, false) "
            "FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
            "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND starts_with(c.relname, %s)",
            [prefix],
        )
        rows = cursor.fetchall()
    return {
        int(name[len(prefix):]): (attached, pending) for name, attached, pending in rows if name[len(prefix):].isdigit()
    }


def partition_ids() -> set[int]:
    """The snapshots that have a partition table (attached or not)."""
    return set(_partitions()) if partitioned() else set()


def partitions_drop(snapshot_ids: Iterable[int]) -> None:
    """Drop the partitions of these snapshots, those that exist; and first any partition an
    interrupted DETACH … CONCURRENTLY left pending (it was being dropped, and while it is
    pending no other partition of the table can be detached concurrently)."""
    existing = _partitions()
    pending = {snapshot_id for snapshot_id, (_, is_pending) in existing.items() if is_pending}
    wanted = {int(snapshot_id) for snapshot_id in snapshot_ids} & set(existing)
    with connection.cursor() as cursor:
        for snapshot_id in sorted(pending) + sorted(wanted - pending):
            name = _quote(partition_name(snapshot_id))
            attached, is_pending = existing[snapshot_id]
            if is_pending:  # an earlier CONCURRENTLY was interrupted half-way
                cursor.execute(f"ALTER TABLE {_quote(parent_table())} DETACH PARTITION {name} FINALIZE")
            elif attached:
                # CONCURRENTLY cannot run inside a transaction block (tests): a plain detach there.
                concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
                cursor.execute(f"ALTER TABLE {_quote(parent_table())} DETACH PARTITION {name}{concurrently}")
            cursor.execute(f"DROP TABLE {name}")


def rows_delete(snapshot_ids: list[int]) -> None:
    """Delete the partner rows of these snapshots."""
    if partitioned():
        partitions_drop(snapshot_ids)
    else:
        PairStat.objects.filter(snapshot_id__in=snapshot_ids).delete()
