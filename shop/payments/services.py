"""Writes about money: starting a card payment, recording what the provider reports, and
the staff actions that move money (refunds themselves are in shop.payments.refunds).

Lock order, everywhere: the order row, then its payment rows, then products. The webhook,
the return page, the expiry task and the admin all follow it, so none deadlocks another.
Everything the provider tells us is applied through one function per fact (`_record_*`),
each a no-op when the payment is already in that state or further along: a webhook replayed,
delivered out of order or racing the return page changes nothing the second time.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.orders.models import Order
from shop.orders.workflow import Event, OrderStatusError, State, order_apply

from . import gateway
from .events import event_first_delivery
from .models import Payment
from .money import from_minor_units, to_minor_units
from .providers import PROVIDER_ERRORS, CardProvider
from .refunds import order_payments_refund, payment_refund_request

logger = logging.getLogger(__name__)

Status = Payment.Status
RefundStatus = Payment.RefundStatus
RefundReason = Payment.RefundReason

# Stripe refuses a Checkout session that expires less than 30 minutes after it is created;
# the margin covers the request's own time. The order's hold is moved to the session's end.
STRIPE_MIN_SESSION = timedelta(minutes=30, seconds=30)
# How far a payment may only move forward: a late or replayed event never moves it back.
PROGRESS = {Status.PENDING: 0, Status.FAILED: 1, Status.EXPIRED: 1, Status.PROCESSING: 2, Status.SUCCEEDED: 3}


class PaymentError(Exception):
    """The payment can't be started or changed; the message is written for the person asking."""


# Card payments ----------------------------------------------------------------------------


def card_payment_start(*, order: Order, success_url: str, cancel_url: str, now: datetime | None = None) -> str:
    """The address of the Stripe page where the shopper pays the order: its open session,
    or a new one. Raises PaymentError when the order isn't payable or Stripe can't be reached
    (the order is unchanged and still holds its stock)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.AWAITING_PAYMENT or locked.payment_method != CardProvider.code:
            raise PaymentError("This order isn't waiting for a card payment.")
        payments = list(locked.payments.filter(provider=CardProvider.code).order_by("-id"))
        if any(p.status in (Status.SUCCEEDED, Status.PROCESSING) for p in payments):
            raise PaymentError("We have your payment for this order already.")
        payment = next((p for p in payments if p.status == Status.PENDING), None)
        if payment is not None and payment.checkout_url and payment.expires_at and payment.expires_at > now:
            return payment.checkout_url
        if payment is None or payment.checkout_session_id or payment.expires_at is None or payment.expires_at < now + timedelta(minutes=30):
            # Never retried with another expiry under the same idempotency key: a fresh attempt.
            if payment is not None:
                Payment.objects.filter(pk=payment.pk).update(status=Status.EXPIRED)
            payment = Payment.objects.create(
                order=locked,
                provider=CardProvider.code,
                amount=to_minor_units(locked.total, settings.CURRENCY),
                currency=settings.CURRENCY.lower(),
                expires_at=max(locked.payment_due_at or now, now + STRIPE_MIN_SESSION),
            )
        if locked.payment_due_at is None or locked.payment_due_at < payment.expires_at:
            locked.payment_due_at = payment.expires_at
            locked.save(update_fields=["payment_due_at"])
    try:
        session = gateway.checkout_session_create(
            amount=payment.amount,
            currency=payment.currency,
            description=f"{settings.SITE_NAME} order {locked.number}",
            email=locked.email,
            reference=locked.number,
            metadata={"order_number": locked.number, "payment_id": str(payment.pk)},
            expires_at=payment.expires_at,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=f"tandem-checkout-{payment.pk}",
        )
    except PROVIDER_ERRORS as exc:
        logger.warning("could not open a Checkout session for order %s: %s", locked.number, exc)
        raise PaymentError("We couldn't open the card payment page just now. Please try again in a moment.") from exc
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session.id, checkout_url=session.url or "")
    return session.url


@dataclass(frozen=True)
class SessionView:
    """What a Checkout session says, reduced to what the shop acts on."""

    id: str
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    amount_total: int | None
    currency: str
    payment_intent_id: str
    payment_id: str  # our Payment's id from the session's metadata
    payment_failed: bool  # the last attempt on the page was declined


def as_dict(obj) -> dict:
    """A Stripe object (or the plain dict a test hands over) as nested dicts."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def session_view(session) -> SessionView:
    session = as_dict(session)
    intent = session.get("payment_intent")
    intent_id = intent if isinstance(intent, str) else (intent.get("id") if intent else "")
    failed = bool(intent and not isinstance(intent, str) and intent.get("last_payment_error"))
    return SessionView(
        id=session["id"],
        status=session.get("status") or "",
        payment_status=session.get("payment_status") or "",
        amount_total=session.get("amount_total"),
        currency=(session.get("currency") or "").lower(),
        payment_intent_id=intent_id or "",
        payment_id=str((session.get("metadata") or {}).get("payment_id") or ""),
        payment_failed=failed,
    )


def payment_for_session(view: SessionView) -> Payment | None:
    payment = Payment.objects.filter(checkout_session_id=view.id).first()
    if payment is None and view.payment_id.isdigit():
        # The session's creation answer was lost but Stripe made it: the metadata names the row.
        payment = Payment.objects.filter(pk=int(view.payment_id), provider=CardProvider.code).first()
        if payment is not None and payment.checkout_session_id not in (None, view.id):
            payment = None
    return payment


def payment_apply_session(*, payment: Payment, view: SessionView, event_id: str = "", event_type: str = "") -> bool:
    """Record what the session says about the payment. With an event id, only the first
    delivery of that event has any effect; returns False for a repeat."""
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=payment.order_id).first()
        if event_id and not event_first_delivery(event_id=event_id, event_type=event_type, payment=payment):
            return False
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if not locked.checkout_session_id:
            locked.checkout_session_id = view.id
            locked.save(update_fields=["checkout_session_id", "updated_at"])
        if event_type == "checkout.session.async_payment_failed":
            _record_failed(locked)
        elif view.status == "complete" and view.payment_status in ("paid", "no_payment_required"):
            _record_success(locked, amount=view.amount_total, currency=view.currency, intent_id=view.payment_intent_id)
        elif view.status == "complete":
            _record_processing(locked, intent_id=view.payment_intent_id)
        elif view.status == "expired":
            _record_expired(locked)
    return True


def _advance(payment: Payment, status: str) -> bool:
    return PROGRESS[status] > PROGRESS[payment.status] or (
        status == Status.FAILED and payment.status == Status.PROCESSING
    )


def _record_success(payment: Payment, *, amount: int | None, currency: str, intent_id: str, now=None) -> None:
    now = now or timezone.now()
    if payment.status == Status.SUCCEEDED:
        return
    payment.status = Status.SUCCEEDED
    payment.paid_at = now
    payment.payment_intent_id = intent_id or payment.payment_intent_id
    payment.received_amount = amount
    payment.received_currency = currency
    if amount != payment.amount or currency != payment.currency:
        # Money arrived, but not what the order costs: nobody guesses. The order stays
        # unpaid and keeps its stock (no deadline) until staff decide; cancelling refunds it.
        payment.needs_attention = True
        payment.attention_reason = (
            f"Received {_money(amount, currency)} but the order is {_money(payment.amount, payment.currency)}: "
            "the order was left unpaid. Check the payment, then cancel the order (which refunds it) or contact the customer."
        )
        payment.save()
        Order.objects.filter(pk=payment.order_id, status=Order.Status.AWAITING_PAYMENT).update(payment_due_at=None)
        logger.error("payment %s: %s", payment.pk, payment.attention_reason)
        return
    payment.save()
    applied = order_apply(order=payment.order, event=Event.PAY, now=now)
    if applied.step.refund:
        reason = RefundReason.DUPLICATE if applied.before in (State.PAID, State.SHIPPED) else RefundReason.LATE
        payment_refund_request(payment, reason=reason)


def _record_processing(payment: Payment, *, intent_id: str) -> None:
    if not _advance(payment, Status.PROCESSING):
        return
    payment.status = Status.PROCESSING
    payment.payment_intent_id = intent_id or payment.payment_intent_id
    payment.save(update_fields=["status", "payment_intent_id", "updated_at"])
    # The bank is still settling it: the order keeps its stock until it does.
    Order.objects.filter(pk=payment.order_id, status=Order.Status.AWAITING_PAYMENT).update(payment_due_at=None)


def _record_failed(payment: Payment, now=None) -> None:
    now = now or timezone.now()
    if not _advance(payment, Status.FAILED):
        return
    payment.status = Status.FAILED
    payment.save(update_fields=["status", "updated_at"])
    # A settled failure: the order's hold ends now (the expiry task releases it).
    Order.objects.filter(pk=payment.order_id, status=Order.Status.AWAITING_PAYMENT, payment_due_at__isnull=True).update(
        payment_due_at=now
    )


def _record_expired(payment: Payment, now=None) -> None:
    now = now or timezone.now()
    if not _advance(payment, Status.EXPIRED):
        return
    payment.status = Status.EXPIRED
    payment.save(update_fields=["status", "updated_at"])
    live = Payment.objects.filter(order_id=payment.order_id, status__in=[Status.PENDING, Status.PROCESSING, Status.SUCCEEDED])
    order = Order.objects.get(pk=payment.order_id)
    if order.status == Order.Status.AWAITING_PAYMENT and order.payment_due_at and not live.exists():
        # Stripe closed the page: release the stock now rather than at the next expiry run.
        order_apply(order=order, event=Event.EXPIRE, now=now)


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return "nothing"
    return f"{from_minor_units(amount, currency or settings.CURRENCY)} {(currency or '').upper()}"


# Staff ------------------------------------------------------------------------------------


def order_mark_paid_by_transfer(*, order: Order, recorded_by: str = "", now: datetime | None = None) -> Payment:
    """Staff saw the bank transfer: record it and mark the order paid (an order that expired
    meanwhile is reinstated if its stock is still there, else the transfer is to be sent back)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.payment_method != "bank_transfer":
            raise OrderStatusError(f"Order {locked.number} is paid by {locked.payment_method or 'another way'}, not bank transfer.")
        if locked.status in (Order.Status.PAID, Order.Status.SHIPPED):
            return locked.payments.filter(status=Status.SUCCEEDED).first()
        if locked.status == Order.Status.CANCELLED and locked.cancel_reason != Order.CancelReason.EXPIRED:
            raise OrderStatusError(f"Order {locked.number} was cancelled; a transfer for it has to be sent back.")
        payment = Payment.objects.create(
            order=locked,
            provider="bank_transfer",
            amount=to_minor_units(locked.total, settings.CURRENCY),
            currency=settings.CURRENCY.lower(),
            reference=f"Marked paid by {recorded_by}" if recorded_by else "Marked paid in the admin",
        )
        _record_success(payment, amount=payment.amount, currency=payment.currency, intent_id="", now=now)
        return payment


@dataclass(frozen=True)
class StaffOutcome:
    order: Order
    refunds: int


def order_cancel_with_refund(*, order: Order) -> StaffOutcome:
    """Cancel an order (its stock goes back); whatever was paid is refunded."""
    with transaction.atomic():
        applied = order_apply(order=order, event=Event.CANCEL)
        refunds = order_payments_refund(applied.order, reason=RefundReason.CANCELLED) if applied.step.refund else 0
        open_sessions = list(
            Payment.objects.filter(order=order, status=Status.PENDING, checkout_session_id__isnull=False).values_list(
                "checkout_session_id", flat=True
            )
        )
    for session_id in open_sessions:
        # So the shopper can't pay a cancelled order; if it was paid meanwhile, the webhook refunds it.
        try:
            gateway.checkout_session_expire(session_id)
        except PROVIDER_ERRORS as exc:
            logger.info("could not expire Checkout session %s: %s", session_id, exc)
    return StaffOutcome(order=applied.order, refunds=refunds)


def order_refund(*, order: Order) -> StaffOutcome:
    """Give back what was paid for the order; an order not yet shipped is cancelled too."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not Payment.objects.filter(
            order=locked, status=Status.SUCCEEDED, refund_status__in=[RefundStatus.NONE, RefundStatus.FAILED]
        ).exists():
            raise OrderStatusError(f"Order {locked.number} has no payment on record left to refund.")
        applied = order_apply(order=locked, event=Event.REFUND)
        refunds = order_payments_refund(applied.order, reason=RefundReason.STAFF)
    return StaffOutcome(order=applied.order, refunds=refunds)


def order_payment_refresh(*, order: Order) -> bool:
    """Ask Stripe where the order's open card payment stands and record it the way its
    webhook would (Stripe's own advice: fulfil from the return page too, idempotently), so
    the return page shows the real state even when the webhook is late. The session is the
    one stored for this order, never one named in the return address. Returns whether the
    last attempt on the payment page was declined."""
    if order.status != Order.Status.AWAITING_PAYMENT or order.payment_method != CardProvider.code:
        return False
    payment = (
        Payment.objects.filter(order=order, provider=CardProvider.code, status__in=[Status.PENDING, Status.PROCESSING])
        .exclude(checkout_session_id=None)
        .order_by("-id")
        .first()
    )
    if payment is None:
        return False
    try:
        session = gateway.checkout_session_retrieve(payment.checkout_session_id)
    except PROVIDER_ERRORS as exc:
        logger.warning("could not read Checkout session %s: %s", payment.checkout_session_id, exc)
        return False
    view = session_view(session)
    if view.id != payment.checkout_session_id:
        return False
    payment_apply_session(payment=payment, view=view)
    return view.status == "open" and view.payment_failed
