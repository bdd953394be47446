"""Customer e-mails about orders, through an outbox.

A state change writes its e-mail as an OrderEmail row in the same transaction, then asks
Celery to send it once the transaction commits (shop.broker: a broker that is down costs a
log line, never the shopper's page). Sending claims the row first with one conditional
UPDATE (pending -> sending), so the task, a redelivered copy of it (acks_late) and the
sweeper can all try and only one sends. The sweeper (a beat task) sends what the broker
missed and re-sends a row whose worker died after claiming it, once its lease is over; that
crash window (after the mail server accepted, before the row was marked sent) is the only
way an e-mail goes out twice, and the stable Message-ID lets mail systems drop the copy.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from shop.broker import enqueue_on_commit

from .models import Order, OrderEmail
from .selectors import order_summary

logger = logging.getLogger(__name__)

Kind = OrderEmail.Kind
Mail = OrderEmail.Status

# Rows the sweeper claims per transaction; each is then sent on its own.
SWEEP_BATCH = 200

# An e-mail that is no longer true when its turn comes is skipped: a reminder for an order
# paid meanwhile, "cancelled" for an order a late payment reinstated.
STILL_TRUE = {
    Kind.PAYMENT_REMINDER: {Order.Status.AWAITING_PAYMENT},
    Kind.PAID: {Order.Status.PAID, Order.Status.SHIPPED},
    Kind.CANCELLED: {Order.Status.CANCELLED},
}


def order_email_queue(*, order: Order, kind: str, context: dict | None = None, key: str = "") -> OrderEmail | None:
    """Write the e-mail to the outbox (in the caller's transaction) and send it after the
    commit. None when an e-mail with the same key was already queued."""
    email, created = OrderEmail.objects.get_or_create(
        key=key or _key(order.pk, kind, context), defaults={"order": order, "kind": kind, "context": context or {}}
    )
    if not created:
        return None
    enqueue_on_commit("shop.orders.tasks.send_order_email", email.pk)
    return email


def order_emails_queue_many(*, order_ids: list[int], kind: str, context: dict | None = None) -> None:
    """The same e-mail for many orders (the expiry task's batch): one insert, one task."""
    OrderEmail.objects.bulk_create(
        [OrderEmail(order_id=pk, kind=kind, key=_key(pk, kind, context), context=context or {}) for pk in order_ids],
        ignore_conflicts=True,
    )
    enqueue_on_commit("shop.orders.tasks.send_pending_order_emails")


def _key(order_id: int, kind: str, context: dict | None) -> str:
    # An order can be cancelled twice in its life (expired, reinstated by a late payment,
    # then cancelled by staff): each reason is its own e-mail.
    if kind == Kind.CANCELLED and context and context.get("reason"):
        return f"{order_id}:{kind}:{context['reason']}"
    return f"{order_id}:{kind}"


def order_email_send(*, email_id: int, now: datetime | None = None) -> bool:
    """Send one queued e-mail if nobody else has claimed it; True when this call sent it."""
    now = now or timezone.now()
    claimed = OrderEmail.objects.filter(pk=email_id, status=Mail.PENDING, attempts__lt=settings.ORDER_EMAIL_MAX_ATTEMPTS).update(
        status=Mail.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return bool(claimed) and _deliver(_load([email_id])[0])


def order_emails_send_pending(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """The sweeper: claim pending rows (and rows whose claim outlived its lease) in batches,
    skipping rows another sweeper holds, and send them. Returns how many were sent."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.ORDER_EMAIL_CLAIM_LEASE_SECONDS)
    sent = 0
    while True:
        with transaction.atomic():
            ids = list(
                OrderEmail.objects.select_for_update(skip_locked=True)
                .filter(Q(status=Mail.PENDING) | Q(status=Mail.SENDING, claimed_at__lt=stale))
                .order_by("id")
                .values_list("pk", flat=True)[:limit]
            )
            exhausted = OrderEmail.objects.filter(pk__in=ids, attempts__gte=settings.ORDER_EMAIL_MAX_ATTEMPTS)
            exhausted.update(status=Mail.FAILED, last_error="Gave up after too many attempts.")
            claimed = list(
                OrderEmail.objects.filter(pk__in=ids, attempts__lt=settings.ORDER_EMAIL_MAX_ATTEMPTS).values_list(
                    "pk", flat=True
                )
            )
            OrderEmail.objects.filter(pk__in=claimed).update(
                status=Mail.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        sent += sum(_deliver(email) for email in _load(claimed))
        if len(ids) < limit:
            return sent


def _load(ids: list[int]) -> list[OrderEmail]:
    """Claimed rows with everything their templates need, in three queries for any number."""
    return list(
        OrderEmail.objects.filter(pk__in=ids)
        .select_related("order")
        .prefetch_related("order__lines", "order__adjustments")
        .order_by("id")
    )


def _deliver(email: OrderEmail) -> bool:
    """Send a row this process has claimed, and record the outcome."""
    email_id = email.pk
    allowed = STILL_TRUE.get(email.kind)
    if allowed is not None and email.order.status not in allowed:
        OrderEmail.objects.filter(pk=email_id).update(status=Mail.SKIPPED)
        return False
    message = _render(email)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        give_up = email.attempts >= settings.ORDER_EMAIL_MAX_ATTEMPTS
        OrderEmail.objects.filter(pk=email_id).update(
            status=Mail.FAILED if give_up else Mail.PENDING, last_error=str(exc)[:300]
        )
        logger.warning("order e-mail %s not sent (attempt %s): %s", email_id, email.attempts, exc)
        return False
    OrderEmail.objects.filter(pk=email_id).update(status=Mail.SENT, sent_at=timezone.now(), last_error="")
    return True


def _render(email: OrderEmail) -> EmailMultiAlternatives:
    order = email.order
    context = {
        **email.context,
        **order_summary(order=order),
        "site_name": settings.SITE_NAME,
        "confirmation_url": settings.SITE_URL.rstrip("/") + order.get_confirmation_url(),
    }
    template = f"emails/orders/{email.kind}"
    message = EmailMultiAlternatives(
        subject=render_to_string(f"{template}_subject.txt", context).strip(),
        body=render_to_string(f"{template}.txt", context),
        to=[order.email],
        headers={"Message-ID": f"<order-email-{email.pk}@{urlsplit(settings.SITE_URL).hostname or 'tandem'}>"},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
