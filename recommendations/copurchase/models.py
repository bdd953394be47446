"""Versioned co-purchase snapshots.

A snapshot is built aside (status "building") and switched live in one transaction; readers
always filter on the live one, so they see one complete snapshot. Partner lists are stored
denormalised (the anchor's and partner's order counts on every row) so the storefront reads
a product's partners with one indexed range scan on (snapshot, product, rank).
"""

from django.db import models
from django.db.models import Q


class Snapshot(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected by the quality gate"
        HELD = "held", "Held back (a pinned snapshot is live)"
        PRUNED = "pruned", "Pruned (rows deleted)"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        SHARDED = "sharded", "Sharded (Celery chord)"

    status = models.CharField(max_length=10, choices=Status, default=Status.BUILDING, db_index=True)
    mode = models.CharField(max_length=12, choices=Mode, default=Mode.FULL)
    base = models.ForeignKey(
        "self", null=True, blank=True, related_name="+", on_delete=models.SET_NULL,
        help_text="The snapshot an incremental run started from.",
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    params = models.JSONField(default=dict)
    order_count = models.PositiveIntegerField(default=0)
    product_count = models.PositiveIntegerField(default=0)
    pair_count = models.PositiveIntegerField(default=0, help_text="Distinct pairs seen in at least the minimum orders.")
    row_count = models.PositiveIntegerField(default=0, help_text="Partner rows kept (top K per product).")
    duration = models.FloatField(null=True, blank=True, help_text="Seconds from start to publish.")
    timings = models.JSONField(default=dict, blank=True)
    quality = models.JSONField(default=dict, blank=True)
    backtest = models.JSONField(
        default=dict, blank=True,
        help_text="The tuning's back-test on the newest orders: the grid, the chosen setting and its figures (tuning.py).",
    )
    note = models.TextField(blank=True)
    pinned = models.BooleanField(
        default=False,
        help_text="Put live by staff (a rollback): it stays live, and refreshes are built and held back, until unpinned.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="live"), name="copurchase_one_live_snapshot"),
        ]

    def __str__(self):
        return f"Snapshot #{self.pk} ({self.get_status_display()})"


class SnapshotCounts(models.Model):
    """The raw counts behind a snapshot (compressed npz), the base of the next incremental
    run. In the database rather than on a file system so every worker host sees it.

    A full run stores the whole matrix. An incremental run stores only its delta (added
    minus expired orders, far smaller) chained to its base's
    counts: the snapshot's counts are the chain's root plus every delta on the way. The
    weekly full rebuild starts a new chain; pruning keeps every link a kept snapshot needs.
    """

    snapshot = models.OneToOneField(Snapshot, primary_key=True, related_name="counts", on_delete=models.CASCADE)
    base = models.ForeignKey(
        Snapshot, null=True, blank=True, related_name="+", on_delete=models.CASCADE,
        help_text="Set when `data` is a delta on top of this snapshot's counts.",
    )
    data = models.BinaryField()
    size = models.PositiveBigIntegerField(default=0)


# The rows of a snapshot are written by COPY in one statement, hundreds of thousands at a
# time, so each costs as little as it can: a natural composite primary key (the one index
# the reads use) and no surrogate id (a sequence call and a second index per row); no
# database foreign key (a trigger per row). Rows are only ever deleted by snapshot id
# (pruning.py).
_SNAPSHOT_ROW = {"related_name": "+", "on_delete": models.CASCADE, "db_constraint": False, "db_index": False}


class ProductStat(models.Model):
    pk = models.CompositePrimaryKey("snapshot", "product_id")
    snapshot = models.ForeignKey(Snapshot, **_SNAPSHOT_ROW)
    product_id = models.BigIntegerField()
    order_count = models.PositiveIntegerField()


class PairStat(models.Model):
    """One kept partner of a product: `product_id` is the anchor A, `partner_id` is B."""

    # Also the index of the storefront's read: (snapshot, product) then rank order.
    pk = models.CompositePrimaryKey("snapshot", "product_id", "rank")
    snapshot = models.ForeignKey(Snapshot, **_SNAPSHOT_ROW)
    product_id = models.BigIntegerField()
    partner_id = models.BigIntegerField()
    rank = models.PositiveSmallIntegerField()
    count_ab = models.PositiveIntegerField()
    count_a = models.PositiveIntegerField()
    count_b = models.PositiveIntegerField()
    support = models.FloatField()
    confidence = models.FloatField(help_text="Share of the orders with A that also hold B.")
    lift = models.FloatField()
    score = models.FloatField()

    class Meta:
        ordering = ["snapshot", "product_id", "rank"]


class ShardCounts(models.Model):
    """A map task's partial counts, waiting for the chord's reduce step."""

    run_id = models.CharField(max_length=40)
    shard = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "shard"], name="copurchase_shard_unique")]


class RefreshLease(models.Model):
    """A named lease: a refresh holds it while it runs; it expires if its holder dies."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=80, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)


class PairExplanation(Snapshot):
    """"Explain a pair" (`explain.py`), an admin page that is not a list of rows: a proxy
    gives it a line, a link and a permission of its own on the admin index, beside the
    snapshots, with no table behind it."""

    class Meta:
        proxy = True
        verbose_name = "explain a pair"
        verbose_name_plural = "explain a pair"
