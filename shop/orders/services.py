"""Writes to orders after they are placed: status changes, cancellation, the e-mail.

Placing an order is shop.checkout.services.order_place.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import Product
from shop.checkout.payments import PROVIDERS

from .models import Order, OrderLine

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


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _check_transition(order: Order, new_status: str) -> None:
    if new_status not in TRANSITIONS[order.status]:
        raise OrderStatusError(
            f"Order {order.number} is {order.get_status_display().lower()} and can't be marked "
            f"{Status(new_status).label.lower()}.",
            code="transition",
        )


@transaction.atomic
def order_mark_paid(*, order: Order) -> Order:
    locked = _locked(order)
    if locked.status == Status.PAID:
        return locked
    _check_transition(locked, Status.PAID)
    locked.status = Status.PAID
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def order_mark_shipped(*, order: Order) -> Order:
    locked = _locked(order)
    if locked.status == Status.SHIPPED:
        return locked
    _check_transition(locked, Status.SHIPPED)
    locked.status = Status.SHIPPED
    locked.shipped_at = timezone.now()
    locked.save(update_fields=["status", "shipped_at"])
    return locked


@transaction.atomic
def order_cancel(*, order: Order) -> Order:
    """Cancel the order and put its items back in stock. Cancelling twice changes nothing."""
    locked = _locked(order)
    if locked.status == Status.CANCELLED:
        return locked
    _check_transition(locked, Status.CANCELLED)
    quantities: dict[int, int] = {}
    for product_id, quantity in OrderLine.objects.filter(order=locked, product__isnull=False).values_list(
        "product_id", "quantity"
    ):
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    # Locked in id order, like order placement, so the two never deadlock.
    products = list(Product.objects.select_for_update().filter(pk__in=quantities).order_by("id"))
    # The rows are locked, so plain arithmetic on the values just read is safe.
    for product in products:
        product.stock += quantities[product.pk]
        # sales_count counts orders that are sales; a cancelled one no longer is.
        product.sales_count = max(product.sales_count - 1, 0)
    Product.objects.bulk_update(products, ["stock", "sales_count"])
    locked.status = Status.CANCELLED
    locked.save(update_fields=["status"])
    return locked


def order_send_confirmation(*, order_id: int) -> None:
    """The order e-mail, HTML and plain text."""
    order = Order.objects.prefetch_related("lines", "adjustments").get(pk=order_id)
    provider = PROVIDERS.get(order.payment_method)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "site_name": settings.SITE_NAME,
        "confirmation_url": settings.SITE_URL.rstrip("/") + order.get_confirmation_url(),
        "payment_label": provider.label if provider else order.payment_method,
        "payment_instructions": provider.instructions(order) if provider else "",
    }
    subject = render_to_string("emails/orders/confirmation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/orders/confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(render_to_string("emails/orders/confirmation.html", context), "text/html")
    message.send()
