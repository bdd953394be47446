"""Writes to orders after they are placed.

Placing an order is shop.checkout.services.order_place. Every status change goes through
the transition table in shop.orders.workflow; what moves money with it (marking a bank
transfer paid, cancelling or refunding a paid order) is in shop.payments.services, which
refunds what the table says is owed.
"""

import secrets

from .models import Order
from .workflow import Event, OrderStatusError, order_apply

__all__ = ["OrderStatusError", "order_mark_shipped", "order_number_generate"]

# Order numbers: "TD-" and 8 characters from an alphabet without look-alikes (0/O, 1/I/L),
# easy to read out on the phone. 30**8 ≈ 6.6e11 numbers; the unique column catches the
# astronomically rare collision.
ORDER_NUMBER_PREFIX = "TD-"
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ORDER_NUMBER_LENGTH = 8


def order_number_generate() -> str:
    while True:
        body = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))
        number = f"{ORDER_NUMBER_PREFIX}{body[:4]}-{body[4:]}"
        if not Order.objects.filter(number=number).exists():
            return number


def order_mark_shipped(*, order: Order) -> Order:
    """The parcel has left: the customer gets the "dispatched" e-mail with the items."""
    return order_apply(order=order, event=Event.DISPATCH).order
