"""The order's life as one table: which event may happen in which state, and what it does.

Every status change goes through `order_apply` (one order) or `orders_expire` (a batch of
unpaid orders past their window), and both read TRANSITIONS, so the rules live in one place:
stock is held from placement and released exactly once when an order is cancelled or
expires; a payment that arrives after an order expired takes the stock again if it is still
there; a step that owes the customer money says so (`refund`) and the payments app carries
it out in the same transaction. The customer e-mail for a change is written to the outbox in
that transaction too. Stock moves through shop.orders.stock, which writes each change to
the stock ledger.

The state is the stored status, except that a cancelled order whose window ran out is its
own state, "expired": only such an order is reinstated by a late payment (one that the shop
or the customer cancelled is refunded instead).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import StockMovement
from shop.offers.points import points_order_paid, points_order_undone

from .emails import order_email_queue, order_emails_queue_many
from .models import Order, OrderEmail
from .stock import orders_release_stock, orders_take_stock

Status = Order.Status
Reason = Order.CancelReason
Kind = OrderEmail.Kind


class State(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Event(StrEnum):
    PAY = "pay"  # a payment for the order's full amount succeeded
    DISPATCH = "dispatch"  # staff sent the parcel
    CANCEL = "cancel"  # staff cancelled the order
    EXPIRE = "expire"  # the payment window closed unpaid
    REFUND = "refund"  # staff gave the money back


# How a refused step is worded: "Order TD-… is shipped and can't be marked cancelled."
EVENT_VERBS = {
    Event.PAY: "marked paid",
    Event.DISPATCH: "marked shipped",
    Event.CANCEL: "marked cancelled",
    Event.EXPIRE: "expired",
    Event.REFUND: "refunded",
}


@dataclass(frozen=True)
class Step:
    to: str = ""  # the new status; empty: unchanged
    cancel_reason: str = ""
    release_stock: bool = False
    take_stock: bool = False  # reinstating: take the stock again, or do `otherwise`
    otherwise: "Step | None" = None
    refund: bool = False  # money goes back: the payments app refunds what was paid
    email: str = ""
    refused: bool = False

    @property
    def changes_nothing(self) -> bool:
        return not (self.to or self.release_stock or self.take_stock or self.refund or self.email)


NOTHING = Step()
REFUSED = Step(refused=True)
CANCEL = Step(to=Status.CANCELLED, cancel_reason=Reason.STAFF, release_stock=True, email=Kind.CANCELLED)

TRANSITIONS: dict[tuple[State, Event], Step] = {
    (State.AWAITING_PAYMENT, Event.PAY): Step(to=Status.PAID, email=Kind.PAID),
    (State.AWAITING_PAYMENT, Event.DISPATCH): REFUSED,
    (State.AWAITING_PAYMENT, Event.CANCEL): CANCEL,
    (State.AWAITING_PAYMENT, Event.EXPIRE): Step(
        to=Status.CANCELLED, cancel_reason=Reason.EXPIRED, release_stock=True, email=Kind.CANCELLED
    ),
    (State.AWAITING_PAYMENT, Event.REFUND): REFUSED,  # nothing was paid
    # A second payment for a paid order: keep the first, give this one back.
    (State.PAID, Event.PAY): Step(refund=True),
    (State.PAID, Event.DISPATCH): Step(to=Status.SHIPPED, email=Kind.DISPATCHED),
    (State.PAID, Event.CANCEL): replace(CANCEL, refund=True),
    (State.PAID, Event.EXPIRE): NOTHING,  # paid in time; the task's view was stale
    (State.PAID, Event.REFUND): replace(CANCEL, cancel_reason=Reason.REFUNDED, refund=True),
    (State.SHIPPED, Event.PAY): Step(refund=True),
    (State.SHIPPED, Event.DISPATCH): NOTHING,
    (State.SHIPPED, Event.CANCEL): REFUSED,  # the parcel has left: refund it instead
    (State.SHIPPED, Event.EXPIRE): NOTHING,
    (State.SHIPPED, Event.REFUND): Step(refund=True),  # returned goods; the order stays shipped
    # A payment after the window closed: reinstate while the stock is there, else refund.
    (State.EXPIRED, Event.PAY): Step(
        to=Status.PAID, take_stock=True, email=Kind.PAID, otherwise=Step(refund=True)
    ),
    (State.EXPIRED, Event.DISPATCH): REFUSED,
    (State.EXPIRED, Event.CANCEL): NOTHING,
    (State.EXPIRED, Event.EXPIRE): NOTHING,
    (State.EXPIRED, Event.REFUND): Step(refund=True),  # whatever was paid and not yet refunded
    (State.CANCELLED, Event.PAY): Step(refund=True),  # cancelled on purpose: never reinstated
    (State.CANCELLED, Event.DISPATCH): REFUSED,
    (State.CANCELLED, Event.CANCEL): NOTHING,
    (State.CANCELLED, Event.EXPIRE): NOTHING,
    (State.CANCELLED, Event.REFUND): Step(refund=True),
}

STATE_LABELS = {
    State.AWAITING_PAYMENT: "awaiting payment",
    State.PAID: "paid",
    State.SHIPPED: "shipped",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "cancelled (not paid in time)",
}


class OrderStatusError(ValidationError):
    """A step the table refuses; nothing was changed. The message is written for staff."""


def order_state(order: Order) -> State:
    if order.status == Status.CANCELLED and order.cancel_reason == Reason.EXPIRED:
        return State.EXPIRED
    return State(order.status)


def step_for(order: Order, event: Event) -> Step:
    """The table's step for the order's state, or OrderStatusError when it refuses."""
    step = TRANSITIONS[(order_state(order), event)]
    if step.refused:
        raise OrderStatusError(
            f"Order {order.number} is {STATE_LABELS[order_state(order)]} and can't be {EVENT_VERBS[event]}.",
            code="transition",
        )
    return step


@dataclass(frozen=True)
class Applied:
    order: Order  # as it is now, locked until the caller's transaction ends
    before: State
    step: Step  # the step taken (a failed reinstatement's `otherwise`)


@transaction.atomic
def order_apply(*, order: Order, event: Event, now: datetime | None = None) -> Applied:
    """Apply `event` to the order under a row lock and return what was done.

    Runs in the caller's transaction when there is one: a payment recorded there and the
    order's change commit together.
    """
    now = now or timezone.now()
    locked = Order.objects.select_for_update().get(pk=order.pk)
    before = order_state(locked)
    step = step_for(locked, event)
    if step.take_stock and not orders_take_stock(order_ids=[locked.pk]):
        step = step.otherwise or NOTHING
    if step.release_stock:
        orders_release_stock(order_ids=[locked.pk], kind=StockMovement.Kind.CANCELLATION)
    if step.to:
        fields = _status_fields(step, now)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
    _move_points(locked, step, event, before)
    if step.email:
        order_email_queue(order=locked, kind=step.email, context=_email_context(step, before))
    return Applied(order=locked, before=before, step=step)


def orders_expire(*, order_ids: list[int], now: datetime) -> int:
    """Cancel a batch of unpaid orders whose window closed, releasing their stock once.

    The caller holds the orders' row locks (select_for_update) and has re-checked that they
    are still awaiting payment; this does the table's EXPIRE step for all of them set-wise:
    the stock (one ledger movement per order and product), one status update, one insert of
    e-mails.
    """
    step = TRANSITIONS[(State.AWAITING_PAYMENT, Event.EXPIRE)]
    if not order_ids:
        return 0
    orders_release_stock(order_ids=order_ids, kind=StockMovement.Kind.EXPIRY)
    Order.objects.filter(pk__in=order_ids).update(**_status_fields(step, now))
    # Never paid, so nothing earned: only the points they were placed with go back.
    points_order_undone(orders=Order.objects.filter(pk__in=order_ids, user__isnull=False).only("pk", "user_id"))
    order_emails_queue_many(
        order_ids=order_ids, kind=step.email, context=_email_context(step, State.AWAITING_PAYMENT)
    )
    return len(order_ids)


def _move_points(order: Order, step: Step, event: Event, before: State) -> None:
    """Loyalty points follow the order: earned when it is paid, taken back (and what it
    spent given back) when it is cancelled or its goods are refunded. Each once per order
    (shop.offers.points), so a replayed step moves nothing."""
    if step.to == Status.PAID:
        points_order_paid(order=order)
    elif step.to == Status.CANCELLED or (event == Event.REFUND and before == State.SHIPPED):
        points_order_undone(orders=[order])


def _status_fields(step: Step, now: datetime) -> dict:
    fields: dict = {"status": step.to}
    if step.to == Status.PAID:
        fields |= {"paid_at": now, "payment_due_at": None, "cancelled_at": None, "cancel_reason": Reason.NONE}
    elif step.to == Status.SHIPPED:
        fields |= {"shipped_at": now}
    elif step.to == Status.CANCELLED:
        fields |= {"cancelled_at": now, "cancel_reason": step.cancel_reason, "payment_due_at": None}
    return fields


def _email_context(step: Step, before: State) -> dict:
    if step.email == Kind.CANCELLED:
        return {"reason": step.cancel_reason, "was_paid": before in (State.PAID, State.SHIPPED)}
    if step.email == Kind.PAID:
        return {"reinstated": before == State.EXPIRED}
    return {}
