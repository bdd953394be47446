"""What recommendations did: who was in which experiment group, and what was shown, clicked
and added. Purchases are not stored here: they are the order lines whose `rec_*` fields the
checkout copied from the cart, so revenue has exactly one source of truth."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from recommendations.vocabulary import Placement, Source
from shop.orders.models import Order

# The experiment groups are the order's (the storefront owns that column; this app may
# import it, never the reverse). A visitor here is always in one of the two.
Group = Order.Group
ASSIGNED_GROUPS = [(Group.TREATMENT.value, Group.TREATMENT.label), (Group.CONTROL.value, Group.CONTROL.label)]


class CustomerGroup(models.Model):
    """A signed-in customer's experiment group, so it follows them to every device."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="rec_group", on_delete=models.CASCADE)
    group = models.CharField(max_length=10, choices=ASSIGNED_GROUPS)
    assigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user} → {self.group}"


class Visitor(models.Model):
    """One row per counted visitor: the denominator of conversion and revenue per visitor.

    A visitor is a browser that kept the holdout's visitor cookie for a second request, or
    that started a cart, an account or a checkout (which need a session), whichever came
    first; `first_seen` is its first request. A one-page visit and a client that keeps no
    cookies write nothing and are not counted, in both groups alike (holdout.py)."""

    key = models.CharField(max_length=32, unique=True)
    group = models.CharField(max_length=10, choices=ASSIGNED_GROUPS)
    first_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["group", "first_seen"])]

    def __str__(self):
        return f"Visitor {self.key} ({self.group})"


class Event(models.Model):
    """An impression (one row per item of a block shown), a click or an add to cart."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", "Impression"
        CLICK = "click", "Click"
        ADD = "add", "Add to cart"

    kind = models.CharField(max_length=10, choices=Kind)
    placement = models.CharField(max_length=30, choices=Placement)
    source = models.CharField(max_length=20, choices=Source, blank=True)
    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    anchor = models.ForeignKey("catalog.Product", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    # The items of one block shown share a view id, so "blocks shown" is a distinct count.
    view_id = models.CharField(max_length=16, blank=True)
    # Service add-on events: the service offered or taken; `product` (and `anchor`) is then the
    # item it was offered with.
    service = models.ForeignKey(
        "addons.Service", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    # Adds only: the cart line, without a foreign key (lines go when the order is placed).
    cart_line_id = models.PositiveBigIntegerField(null=True, blank=True)
    visitor_key = models.CharField(max_length=32, blank=True)
    group = models.CharField(max_length=10, choices=ASSIGNED_GROUPS, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "created_at"]),
            models.Index(fields=["kind", "anchor", "product"]),
        ]
        constraints = [
            # One add per time a recommendation brought the line in, however often it is saved.
            models.UniqueConstraint(
                fields=["cart_line_id", "created_at"],
                condition=models.Q(kind="add", service__isnull=True),
                name="one_add_event_per_rec_add",
            ),
            # A service taken with a line, once per time it was taken.
            models.UniqueConstraint(
                fields=["cart_line_id", "service", "created_at"],
                condition=models.Q(kind="add", service__isnull=False),
                name="one_add_event_per_service_add",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.placement} · {self.product_id}"


class DailyCount(models.Model):
    """What one day's raw rows added up to, per placement × source × kind × group: kept by the
    nightly housekeeping (retention.py) before it deletes events and visitors older than
    MEASUREMENT_RAW_DAYS, so the dashboard keeps its history (history.py reads both).

    `kind` is an event kind (items shown, clicks, adds), "block" (blocks shown: the distinct
    views of a placement, whose items may come from several sources, so `source` is empty) or
    "visitor" (visitors first seen that day; `placement` and `source` empty).
    """

    class Kind(models.TextChoices):
        IMPRESSION = "impression", "Items shown"
        CLICK = "click", "Clicks"
        ADD = "add", "Adds to cart"
        BLOCK = "block", "Blocks shown"
        VISITOR = "visitor", "Visitors"

    day = models.DateField()
    # No choices: the history of a placement or source that is later retired stays readable.
    placement = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=10, choices=Kind)
    group = models.CharField(max_length=10, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["day", "placement", "source", "kind", "group"]
        constraints = [
            models.UniqueConstraint(fields=["day", "placement", "source", "kind", "group"], name="one_daily_count"),
        ]

    def __str__(self):
        return f"{self.day} {self.placement or '-'} {self.source or '-'} {self.kind} {self.group or '-'}: {self.count}"


class RawHorizon(models.Model):
    """One row: the first day whose raw events and visitors are kept. Every earlier day is in
    DailyCount (its raw rows deleted, or about to be); null until the first housekeeping run."""

    day = models.DateField(null=True)
    moved_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Raw measurement kept from {self.day or 'the start'}"


# The dashboard is an admin page that is not a list of rows: a proxy gives it a line, a link
# and a permission of its own on the admin index, with no table behind it.
class Dashboard(Event):
    class Meta:
        proxy = True
        verbose_name = "recommendations dashboard"
        verbose_name_plural = "recommendations dashboard"
