"""Writes to orders after they are placed: status changes, cancellation, the e-mail.

Placing an order is shop.checkout.services.order_place.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import StockMovement

from .models import Order
from .selectors import order_summary
from .stock import orders_release_stock

Status = Order.Status

# Which status may follow which. Cancelling is allowed until the parcel has left.
TRANSITIONS: dict[str, set[str]] = {
    Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED},
    Status.PAID: {Status.SHIPPED, Status.CANCELLED},
    Status.SHIPPED: set(),
    Status.CANCELLED: set(),
}

# Order numbers: "TD-" and 8 characters from an alphabet without look-alikes (0/O, 1/I/L),
# easy to read out on the phone. 30**8 ≈ 6.6e11 numbers; the unique column catches the
# astronomically rare collision.
ORDER_NUMBER_PREFIX = "TD-"
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ORDER_NUMBER_LENGTH = 8


class OrderStatusError(ValidationError):
    """A status change that isn't allowed; nothing was changed."""


def order_number_generate() -> str:
    while True:
        body = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))
        number = f"{ORDER_NUMBER_PREFIX}{body[:4]}-{body[4:]}"
        if not Order.objects.filter(number=number).exists():
            return number


def _check_transition(order: Order, new_status: str) -> None:
    if new_status not in TRANSITIONS[order.status]:
        raise OrderStatusError(
            f"Order {order.number} is {order.get_status_display().lower()} and can't be marked "
            f"{Status(new_status).label.lower()}.",
            code="transition",
        )


@transaction.atomic
def _transition(order: Order, new_status: str, *, on_change: Callable[[Order], list[str]] | None = None) -> Order:
    """The one way an order's status changes, in one transaction.

    Locks the order's row, then: an order already in `new_status` is returned unchanged (a
    repeated click changes nothing); a move TRANSITIONS does not allow raises
    OrderStatusError; otherwise `on_change` does the move's own work under the lock and
    returns the other fields of the order it set, saved with the status.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == new_status:
        return locked
    _check_transition(locked, new_status)
    fields = on_change(locked) if on_change else []
    locked.status = new_status
    locked.save(update_fields=["status", *fields])
    return locked


def order_mark_paid(*, order: Order) -> Order:
    return _transition(order, Status.PAID)


def order_mark_shipped(*, order: Order) -> Order:
    return _transition(order, Status.SHIPPED, on_change=_stamp_shipped)


def order_cancel(*, order: Order) -> Order:
    """Cancel the order and put its items back in stock. Cancelling twice changes nothing."""
    return _transition(order, Status.CANCELLED, on_change=_return_stock)


def _stamp_shipped(order: Order) -> list[str]:
    order.shipped_at = timezone.now()
    return ["shipped_at"]


def _return_stock(order: Order) -> list[str]:
    orders_release_stock(order_ids=[order.pk], kind=StockMovement.Kind.CANCELLATION)
    return []  # the order's own row changes only its status


def order_send_confirmation(*, order_id: int) -> None:
    """The order e-mail, HTML and plain text."""
    order = Order.objects.prefetch_related("lines", "adjustments").get(pk=order_id)
    context = {
        **order_summary(order=order),
        "site_name": settings.SITE_NAME,
        "confirmation_url": settings.SITE_URL.rstrip("/") + order.get_confirmation_url(),
    }
    subject = render_to_string("emails/orders/confirmation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/orders/confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(render_to_string("emails/orders/confirmation.html", context), "text/html")
    message.send()
