"""Refunds: asked for in the transaction that owes them, made after it by a task.

A refund is first recorded as requested on its payment (in the same transaction as the order
change that owes it), then requested from the provider after the commit, by a task and, if the
broker or the provider was down, by the retry sweeper. The provider call carries one
idempotency key per payment, so however often it is retried, one refund is made. The
customer's "refunded" e-mail is written when the provider reports the refund succeeded.
"""

import logging
from datetime import datetime, timedelta

import stripe
from django.db import transaction
from django.utils import timezone

from shop.broker import enqueue_on_commit
from shop.orders.emails import order_email_queue
from shop.orders.models import Order, OrderEmail

from .events import event_first_delivery
from .models import Payment
from .money import from_minor_units
from .providers import PROVIDER_ERRORS, provider_for

logger = logging.getLogger(__name__)

Status = Payment.Status
RefundStatus = Payment.RefundStatus


def payment_refund_request(payment: Payment, *, reason: str, now=None) -> bool:
    """Mark a (locked) payment for refunding; the refund itself is made after the commit by
    a task (and by the retry sweeper if the broker or the provider was down)."""
    if not (payment.status == Status.SUCCEEDED and payment.refund_status in (RefundStatus.NONE, RefundStatus.FAILED)):
        return False
    payment.refund_status = RefundStatus.REQUESTED
    payment.refund_reason = reason
    payment.refund_requested_at = now or timezone.now()
    payment.refund_error = ""
    payment.save(update_fields=["refund_status", "refund_reason", "refund_requested_at", "refund_error", "updated_at"])
    enqueue_on_commit("shop.payments.tasks.refund_payment", payment.pk)
    return True


def order_payments_refund(order: Order, *, reason: str) -> int:
    payments = Payment.objects.select_for_update().filter(order=order, status=Status.SUCCEEDED).order_by("id")
    return sum(payment_refund_request(payment, reason=reason) for payment in payments)


def payment_refund_execute(*, payment_id: int) -> str:
    """Ask the provider for a refund requested earlier; returns the refund status now.

    Safe to run twice at once: the provider call carries an idempotency key per payment.
    A network failure leaves the request in place for the retry sweeper; a refusal marks it
    failed and flags it for staff.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.refund_status != RefundStatus.REQUESTED:
        return payment.refund_status
    provider = provider_for(payment.provider)
    try:
        result = provider.refund(payment)
    except PROVIDER_ERRORS as exc:
        retry = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError))
        outcome = {"refund_status": RefundStatus.REQUESTED} if retry else {
            "refund_status": RefundStatus.FAILED,
            "needs_attention": True,
            "attention_reason": f"The refund was refused: {str(exc)[:200]}",
        }
        Payment.objects.filter(pk=payment.pk, refund_status=RefundStatus.REQUESTED).update(
            refund_attempts=payment.refund_attempts + 1, refund_error=str(exc)[:300], **outcome
        )
        logger.warning("refund of payment %s failed (%s): %s", payment.pk, "will retry" if retry else "refused", exc)
        return RefundStatus.REQUESTED if retry else RefundStatus.FAILED
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=payment.order_id).first()
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.refund_status != RefundStatus.REQUESTED:
            return locked.refund_status  # a webhook for this refund got here first
        locked.refund_id = result.reference
        locked.refund_attempts += 1
        if result.attention:
            locked.needs_attention = True
            locked.attention_reason = result.attention
        _refund_set_status(locked, result.status)
    return result.status


def _refund_set_status(payment: Payment, status: str) -> None:
    """Save a (locked) payment's new refund status; the customer hears when it succeeds."""
    if payment.refund_status == RefundStatus.SUCCEEDED:
        return
    payment.refund_status = status
    if status == RefundStatus.SUCCEEDED:
        payment.refunded_at = timezone.now()
        order_email_queue(
            order=payment.order,
            kind=OrderEmail.Kind.REFUNDED,
            context={"amount": str(from_minor_units(payment.received_amount or payment.amount, payment.currency)), "reason": payment.refund_reason},
            key=f"{payment.order_id}:refunded:{payment.pk}",
        )
    elif status == RefundStatus.FAILED:
        payment.needs_attention = True
        payment.attention_reason = payment.attention_reason or "The provider reports the refund failed."
    payment.save()


# A refund's status moves this way only; a stale notification never moves it back.
REFUND_PROGRESS = {RefundStatus.REQUESTED: 0, RefundStatus.PENDING: 1, RefundStatus.FAILED: 2, RefundStatus.SUCCEEDED: 3}


def payment_refund_update(
    *, refund_id: str, status: str, payment_id: str = "", event_id: str = "", event_type: str = ""
) -> Payment | None:
    """A refund's new status as the provider reports it (webhook). None for an unknown refund."""
    payment = Payment.objects.filter(refund_id=refund_id).first() if refund_id else None
    if payment is None and payment_id.isdigit():
        payment = Payment.objects.filter(pk=int(payment_id)).first()
    if payment is None:
        return None
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=payment.order_id).first()
        if event_id and not event_first_delivery(event_id=event_id, event_type=event_type, payment=payment):
            return payment
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.refund_status == RefundStatus.NONE:
            return locked  # not a refund the shop asked for
        if REFUND_PROGRESS[status] > REFUND_PROGRESS.get(locked.refund_status, 0):
            locked.refund_id = locked.refund_id or refund_id
            _refund_set_status(locked, status)
        return locked


def payments_retry_refunds(*, now: datetime | None = None) -> int:
    """Beat: refunds still requested a while after they were asked for (broker or provider down)."""
    now = now or timezone.now()
    due = Payment.objects.filter(
        refund_status=RefundStatus.REQUESTED, refund_requested_at__lt=now - timedelta(minutes=2)
    ).values_list("pk", flat=True)
    return sum(payment_refund_execute(payment_id=pk) != RefundStatus.REQUESTED for pk in list(due))



def payment_mark_refund_sent(*, payment: Payment) -> bool:
    """Staff sent a bank-transfer refund back by hand."""
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=payment.order_id).first()
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.provider != "bank_transfer" or locked.refund_status != RefundStatus.PENDING:
            return False
        locked.needs_attention = False
        locked.attention_reason = ""
        _refund_set_status(locked, RefundStatus.SUCCEEDED)
    return True
