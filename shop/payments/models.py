"""What money moved for an order, and which provider notifications were already handled.

A Payment is one attempt to be paid (one Stripe Checkout session, one bank transfer): an
order usually has one, and can have more (a second card payment for the same order, which
is then refunded). Amounts are integers in the currency's minor units, as Stripe counts
them, computed from the order's own total when the payment is created.
"""

from django.db import models


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the customer"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    class RefundStatus(models.TextChoices):
        NONE = "", "—"
        REQUESTED = "requested", "Requested"
        PENDING = "pending", "Pending at the provider"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Refund failed"

    class RefundReason(models.TextChoices):
        NONE = "", "—"
        CANCELLED = "cancelled", "Order cancelled"
        LATE = "late", "Paid after the order was cancelled"
        DUPLICATE = "duplicate", "Order was already paid"
        STAFF = "staff", "Refunded by the shop"

    order = models.ForeignKey("orders.Order", related_name="payments", on_delete=models.PROTECT)
    provider = models.CharField(max_length=30)
    amount = models.PositiveBigIntegerField(help_text="In the currency's minor units (pence).")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING, db_index=True)
    # Stripe's references; empty for a bank transfer.
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    # A bank transfer's reference (who recorded it), or anything staff should read.
    reference = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # What the provider actually reported, kept when it differs from what was asked.
    received_amount = models.PositiveBigIntegerField(null=True, blank=True)
    received_currency = models.CharField(max_length=3, blank=True)

    refund_status = models.CharField(max_length=10, choices=RefundStatus, blank=True, default=RefundStatus.NONE)
    refund_reason = models.CharField(max_length=10, choices=RefundReason, blank=True, default=RefundReason.NONE)
    refund_id = models.CharField(max_length=255, blank=True, db_index=True)
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refund_error = models.CharField(max_length=300, blank=True)

    # Something a person must look at (an amount that doesn't match the order, a refund the
    # provider refused); shown and filterable in the admin.
    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["refund_status"], condition=models.Q(refund_status="requested"), name="payment_refund_due_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} payment #{self.pk} for order {self.order_id}"

    def get_provider_display(self) -> str:
        return {"card": "Card", "bank_transfer": "Bank transfer"}.get(self.provider, self.provider)

    @property
    def is_refundable(self) -> bool:
        return self.status == self.Status.SUCCEEDED and self.refund_status in (
            self.RefundStatus.NONE,
            self.RefundStatus.FAILED,
        )


class WebhookEvent(models.Model):
    """A provider notification already acted on: the same event delivered again (Stripe
    retries, replays) finds its row and changes nothing. Written in the same transaction as
    the event's effect, so an event either had its effect and is recorded, or neither."""

    event_id = models.CharField(max_length=255, primary_key=True)
    provider = models.CharField(max_length=30, default="stripe")
    type = models.CharField(max_length=100)
    payment = models.ForeignKey(Payment, null=True, blank=True, related_name="events", on_delete=models.SET_NULL)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-processed_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
