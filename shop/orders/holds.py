"""Stock held by unpaid orders: released when the payment window closes, with a reminder first.

An order holds its stock from placement until `payment_due_at` (set from its payment
provider's window). The expiry task takes unpaid orders past that moment in batches, each in
one transaction that locks its orders with SKIP LOCKED — an order a webhook is marking paid
right now is skipped and left to it — and re-checks they are still unpaid under the lock, so
every order's stock is released exactly once however many runs overlap.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.payments.providers import all_providers

from .emails import order_emails_queue_many
from .models import Order, OrderEmail
from .workflow import orders_expire

# Orders per transaction: big enough that 10,000 expire in a few dozen statements, small
# enough that a batch's locks are short (tests/benchmarks/bench_expiry.py prints the time).
EXPIRY_BATCH = 500


@dataclass(frozen=True)
class ExpiryRun:
    expired: int
    batches: int


def orders_expire_unpaid(*, now: datetime | None = None, batch_size: int = EXPIRY_BATCH) -> ExpiryRun:
    """Cancel every order still awaiting payment after its window, releasing its stock."""
    now = now or timezone.now()
    expired = batches = 0
    while True:
        with transaction.atomic():
            ids = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(status=Order.Status.AWAITING_PAYMENT, payment_due_at__lt=now)
                .order_by("payment_due_at", "id")
                .values_list("pk", flat=True)[:batch_size]
            )
            orders_expire(order_ids=ids, now=now)
        expired += len(ids)
        batches += 1
        if len(ids) < batch_size:
            return ExpiryRun(expired=expired, batches=batches)


def orders_queue_payment_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminder for unpaid orders whose window closes within the reminder lead,
    for providers that send one (bank transfer: a card window is too short to remind)."""
    now = now or timezone.now()
    lead = timedelta(hours=settings.BANK_TRANSFER_REMINDER_HOURS)
    codes = [code for code, provider in all_providers().items() if provider.sends_reminder]
    with transaction.atomic():
        ids = list(
            Order.objects.filter(
                status=Order.Status.AWAITING_PAYMENT,
                payment_method__in=codes,
                payment_due_at__gt=now,
                payment_due_at__lte=now + lead,
                # A window no longer than the lead would be reminded as soon as it opened.
                placed_at__lt=F("payment_due_at") - lead,
            )
            .exclude(emails__kind=OrderEmail.Kind.PAYMENT_REMINDER)
            .values_list("pk", flat=True)
        )
        if ids:
            order_emails_queue_many(order_ids=ids, kind=OrderEmail.Kind.PAYMENT_REMINDER)
    return len(ids)
