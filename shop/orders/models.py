import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse


def new_access_token():
    return secrets.token_urlsafe(24)


# The session key under which the recommendations' holdout experiment keeps the visitor's
# group (one of Order.Group); the checkout copies it onto the order. Defined beside the
# column so that the storefront reads it without importing the recommendations app, and
# the measurement app, which assigns the group, writes it under the same name.
REC_GROUP_SESSION_KEY = "rec_group"


class OrderQuerySet(models.QuerySet):
    def counted(self):
        """Orders that count as sales (for statistics and reports): all but cancelled ones."""
        return self.exclude(status=Order.Status.CANCELLED)


class Order(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    class CancelReason(models.TextChoices):
        NONE = "", "—"
        EXPIRED = "expired", "Not paid in time"
        STAFF = "staff", "Cancelled by the shop"
        REFUNDED = "refunded", "Refunded before dispatch"

    class Group(models.TextChoices):
        """The recommendations' holdout experiment groups: the one definition, which the
        measurement app uses for its own tables."""

        NONE = "", "Not assigned"
        TREATMENT = "treatment", "Sees recommendations"
        CONTROL = "control", "Holdout (no recommendations)"

    number = models.CharField(max_length=20, unique=True)
    # An unguessable token: a guest sees their confirmation through a link that carries it.
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="orders", on_delete=models.SET_NULL
    )
    email = models.EmailField()
    # For imported historical orders: the customer id in the source data (no account).
    customer_ref = models.CharField(max_length=40, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.AWAITING_PAYMENT, db_index=True)
    placed_at = models.DateTimeField(db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=30, blank=True)
    # While awaiting payment the order holds its stock until this moment; past it the expiry
    # task cancels it (shop.orders.holds). Empty: no deadline (imported history, or a payment
    # that staff or the provider are still settling).
    payment_due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason, blank=True, default=CancelReason.NONE)

    shipping_name = models.CharField(max_length=120, blank=True)
    shipping_line1 = models.CharField(max_length=200, blank=True)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100, blank=True)
    shipping_postcode = models.CharField(max_length=20, blank=True)
    shipping_country = models.CharField(max_length=60, blank=True, default="United Kingdom")
    phone = models.CharField(max_length=30, blank=True)

    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    # Recommendation experiment group of the visitor who placed it (holdout measurement).
    rec_group = models.CharField(max_length=10, choices=Group, blank=True, default=Group.NONE)
    # The checkout form's one-time token: a double submit finds the order already placed.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            # The expiry task's scan: only unpaid orders with a deadline, oldest first.
            models.Index(
                fields=["payment_due_at"],
                condition=models.Q(status="awaiting_payment", payment_due_at__isnull=False),
                name="order_unpaid_due_idx",
            ),
        ]

    def __str__(self):
        return f"Order {self.number}"

    def get_absolute_url(self):
        return reverse("orders:detail", kwargs={"number": self.number})

    def get_confirmation_url(self):
        """The guest-safe link: carries the unguessable token instead of needing a login."""
        return reverse("orders:confirmation", kwargs={"token": self.access_token})


class OrderLine(models.Model):
    """A snapshot of what was bought: name, SKU and price as they were when the order was placed."""

    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, related_name="order_lines", on_delete=models.SET_NULL
    )
    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    # Copied from the cart line when it came from a recommendation: a slug the cart accepted
    # (named by recommendations.vocabulary, which the storefront does not import).
    rec_placement = models.CharField(max_length=30, blank=True)
    rec_source = models.CharField(max_length=20, blank=True)
    rec_anchor = models.ForeignKey(
        "catalog.Product", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    # A service add-on (shop.addons) is a line of its own under its item's line: no product, so
    # no stock; `sku` and `name` are the service's code and name, its quantity the item's.
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="+", on_delete=models.CASCADE,
        help_text="For a service add-on: the line of the item it was bought with.",
    )
    service = models.ForeignKey("addons.Service", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def is_service(self) -> bool:
        return self.parent_id is not None


class OrderAdjustment(models.Model):
    """A discount applied to the order (a bundle price, say), as it was when the order was placed."""

    order = models.ForeignKey(Order, related_name="adjustments", on_delete=models.CASCADE)
    label = models.CharField(max_length=200)
    code = models.CharField(max_length=60, blank=True)
    # Positive amounts are discounts, matching shop.cart.pricing.Adjustment.
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.label}: −{self.amount}"


class OrderEmail(models.Model):
    """One customer e-mail about an order, written in the same transaction as the change it
    reports (the outbox): it can't be lost when the broker is down, and `key` makes writing it
    twice a no-op. shop.orders.emails claims each row once before sending it."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Order received"
        PAYMENT_REMINDER = "payment_reminder", "Payment reminder"
        PAID = "paid", "Payment received"
        DISPATCHED = "dispatched", "Dispatched"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (no longer true)"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, related_name="emails", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind)
    # "<order id>:<kind>" (or with the payment for a refund): the same e-mail is never queued twice.
    key = models.CharField(max_length=80, unique=True)
    # What the template needs beyond the order as it is when sent (the reason, an amount).
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["status", "id"], condition=models.Q(status__in=["pending", "sending"]), name="order_email_open_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} e-mail for order {self.order_id}"
