"""Reads about payments for the shopper's pages and the admin."""

from dataclasses import dataclass
from datetime import datetime

from shop.orders.models import Order

from .models import Payment
from .providers import CardProvider


@dataclass(frozen=True)
class PaymentState:
    """Where the order's payment stands, in the shopper's words."""

    state: str  # paid, processing, failed, awaiting, expired, cancelled
    title: str
    message: str
    deadline: datetime | None = None
    can_pay_by_card: bool = False
    refund_status: str = ""


def order_payment_state(*, order: Order, last_attempt_failed: bool = False) -> PaymentState:
    """Read from the database only (two queries at most): the order's status and its payments."""
    payments = list(Payment.objects.filter(order=order).order_by("-id"))
    refunded = next((p for p in payments if p.refund_status), None)
    refund_status = refunded.get_refund_status_display() if refunded else ""
    card = order.payment_method == CardProvider.code
    if order.status in (Order.Status.PAID, Order.Status.SHIPPED):
        return PaymentState("paid", "Paid", "Thank you: we have your payment and are getting your order ready.", refund_status=refund_status)
    if order.status == Order.Status.CANCELLED:
        if order.cancel_reason == Order.CancelReason.EXPIRED:
            return PaymentState(
                "expired", "Payment time ran out",
                "We didn't receive payment in time, so the order was cancelled and its items went back on sale.",
                refund_status=refund_status,
            )
        return PaymentState("cancelled", "Cancelled", "This order was cancelled.", refund_status=refund_status)
    if any(p.status == Payment.Status.PROCESSING or (p.status == Payment.Status.SUCCEEDED and p.needs_attention) for p in payments):
        return PaymentState(
            "processing", "Payment processing",
            "Your payment is being confirmed; we'll e-mail you as soon as it is. Your items are held meanwhile.",
        )
    latest = payments[0] if payments else None
    if last_attempt_failed or (latest is not None and latest.status == Payment.Status.FAILED):
        return PaymentState(
            "failed", "Payment failed",
            "Your payment didn't go through and nothing was charged. You can try again with another card.",
            deadline=order.payment_due_at, can_pay_by_card=card,
        )
    return PaymentState(
        "awaiting", "Not paid yet",
        "Your items are held for you until the time below; unpaid orders are cancelled then.",
        deadline=order.payment_due_at, can_pay_by_card=card,
    )
