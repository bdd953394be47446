"""PostgreSQL: the partner rows become a table list-partitioned by snapshot (see
recommendations/copurchase/partitions.py); the rows already there move into one partition
per snapshot. Other databases keep the plain table: nothing to do."""

from django.db import migrations

TABLE = "copurchase_pairstat"
OLD = "copurchase_pairstat_unpartitioned"
COLUMNS = "snapshot_id, product_id, partner_id, rank, count_ab, count_a, count_b, support, confidence, lift, score"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    run(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
    run(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (snapshot_id)")
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (snapshot_id, product_id, rank)")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT snapshot_id FROM {OLD}")
        snapshot_ids = [row[0] for row in cursor.fetchall()]
    for snapshot_id in snapshot_ids:
        name = f"{TABLE}_s{int(snapshot_id)}"
        run(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES IN ({int(snapshot_id)})")
        run(f"ALTER TABLE {name} ADD CONSTRAINT {name}_snapshot CHECK (snapshot_id = {int(snapshot_id)})")
    run(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {OLD}")
    run(f"DROP TABLE {OLD}")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"CREATE TABLE {OLD} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    run(f"INSERT INTO {OLD} ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE}")
    run(f"DROP TABLE {TABLE}")  # and every attached partition with it
    with schema_editor.connection.cursor() as cursor:  # and any left unattached
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND starts_with(relname, %s)", [f"{TABLE}_s"])
        for (name,) in cursor.fetchall():
            if name[len(TABLE) + 2:].isdigit():
                run(f"DROP TABLE {name}")
    run(f"ALTER TABLE {OLD} RENAME TO {TABLE}")
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (snapshot_id, product_id, rank)")


class Migration(migrations.Migration):

    dependencies = [
        ("copurchase", "0004_natural_primary_keys"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition),
    ]
