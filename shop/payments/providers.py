"""Payment providers: the ways a placed order can be paid.

A provider has a `code` (stored on the order as its payment method), a `label` and
`description` for the shopper, a payment window (how long an unpaid order holds its stock),
`prepare(order)`, called inside the placing transaction, what the shopper is told to do
(`instructions`) and how money goes back (`refund`). Two ship with the shop: bank transfer,
which needs no network (staff mark the order paid in the admin), and card, through Stripe
Checkout, offered only when the Stripe keys are set.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date

from . import gateway
from .models import Payment


@dataclass(frozen=True)
class RefundResult:
    status: str  # a Payment.RefundStatus
    reference: str = ""
    attention: str = ""  # what staff still have to do, if anything


def deadline_display(moment: datetime | None) -> str:
    return format_date(timezone.localtime(moment), "j F Y, H:i") if moment else ""


class PaymentProvider:
    code: str = ""
    label: str = ""
    description: str = ""
    sends_reminder: bool = False

    def is_available(self) -> bool:
        return True

    def payment_window(self) -> timedelta:
        raise NotImplementedError

    def prepare(self, *, order) -> None:
        """Inside the placing transaction, once the order and its lines exist."""

    def instructions(self, order) -> str:
        """What the customer has to do to pay, for the confirmation page and e-mails."""
        return ""

    def refund(self, payment: Payment) -> RefundResult:
        raise NotImplementedError


class BankTransferProvider(PaymentProvider):
    """Nothing is charged online: the order waits as "awaiting payment" until staff see the
    transfer and mark it paid, or its window closes."""

    code = "bank_transfer"
    label = "Bank transfer"
    description = (
        "No card needed and nothing is charged online. We e-mail you our bank details; "
        "your order waits as “awaiting payment” until your transfer arrives, then we send it."
    )
    sends_reminder = True

    def payment_window(self) -> timedelta:
        return timedelta(days=settings.BANK_TRANSFER_PAYMENT_DAYS)

    def instructions(self, order) -> str:
        bank = settings.SHOP_BANK_DETAILS
        deadline = f" by {deadline_display(order.payment_due_at)}" if order.payment_due_at else ""
        return (
            f"Please transfer £{order.total}{deadline} to {bank['account_name']}, sort code {bank['sort_code']}, "
            f"account {bank['account_number']}, quoting your order number {order.number} as the reference. "
            "We send your order as soon as the payment arrives; an order not paid in time is cancelled "
            "and its items go back on sale."
        )

    def refund(self, payment: Payment) -> RefundResult:
        # The money came by bank transfer and goes back the same way, by a person.
        return RefundResult(
            status=Payment.RefundStatus.PENDING,
            attention="Send the money back by bank transfer, then use “Mark refund sent”.",
        )


class CardProvider(PaymentProvider):
    """Stripe Checkout: the shopper pays on Stripe's hosted page (no card data reaches the
    shop); a signed webhook, or the return page re-reading the session, records the payment.
    The Payment row and its session are made right after the order commits
    (shop.payments.services.card_payment_start), outside the placing transaction: no stock
    stays locked while Stripe is being called."""

    code = "card"
    label = "Card"
    description = "Pay now by debit or credit card on Stripe’s secure payment page."

    def is_available(self) -> bool:
        return gateway.stripe_configured()

    def payment_window(self) -> timedelta:
        return timedelta(minutes=settings.CARD_PAYMENT_WINDOW_MINUTES)

    def instructions(self, order) -> str:
        deadline = f" before {deadline_display(order.payment_due_at)}" if order.payment_due_at else ""
        return (
            f"Pay £{order.total} by card{deadline} with the “Pay by card” button on your order page. "
            "Unpaid orders are cancelled then and the items go back on sale."
        )

    def refund(self, payment: Payment) -> RefundResult:
        refund = gateway.refund_create(
            payment_intent_id=payment.payment_intent_id,
            amount=payment.received_amount or payment.amount,
            metadata={"payment_id": str(payment.pk), "order_id": str(payment.order_id)},
            # One refund per payment, however often this is retried.
            idempotency_key=f"tandem-refund-{payment.pk}",
        )
        return RefundResult(status=refund_status_from_stripe(refund.status), reference=refund.id)


def refund_status_from_stripe(status: str | None) -> str:
    return {
        "succeeded": Payment.RefundStatus.SUCCEEDED,
        "failed": Payment.RefundStatus.FAILED,
        "canceled": Payment.RefundStatus.FAILED,
    }.get(status or "", Payment.RefundStatus.PENDING)


_PROVIDERS: dict[str, PaymentProvider] = {p.code: p for p in (BankTransferProvider(), CardProvider())}


def all_providers() -> dict[str, PaymentProvider]:
    """Every provider, offered or not (an order placed by card stays a card order after the keys go)."""
    return dict(_PROVIDERS)


def available_providers() -> dict[str, PaymentProvider]:
    """The providers offered at checkout now, bank transfer first."""
    return {code: p for code, p in _PROVIDERS.items() if p.is_available()}


def provider_for(code: str) -> PaymentProvider | None:
    return _PROVIDERS.get(code)


def payment_choices() -> list[tuple[str, str]]:
    return [(code, provider.label) for code, provider in available_providers().items()]


# What Stripe raises when it can't be reached or answers with an error.
PROVIDER_ERRORS = (stripe.StripeError,)
