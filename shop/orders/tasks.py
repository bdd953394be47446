"""Thin tasks over the order services. Every one is safe to run twice (acks_late redelivery,
the beat sweeper and the on-commit task overlapping): each claims its rows first."""

from celery import shared_task

from .emails import order_email_send, order_emails_send_pending
from .holds import orders_expire_unpaid, orders_queue_payment_reminders


@shared_task(ignore_result=True)
def send_order_email(email_id: int) -> None:
    """One outbox e-mail, enqueued after the commit that wrote it."""
    order_email_send(email_id=email_id)


@shared_task(ignore_result=True)
def send_pending_order_emails() -> int:
    """Beat: what the broker missed, and rows a dead worker left claimed."""
    return order_emails_send_pending()


@shared_task(ignore_result=True)
def expire_unpaid_orders() -> int:
    """Beat: cancel unpaid orders past their payment window and release their stock."""
    return orders_expire_unpaid().expired


@shared_task(ignore_result=True)
def queue_payment_reminders() -> int:
    """Beat: the "your order is waiting" e-mail before a bank-transfer order's window closes."""
    return orders_queue_payment_reminders()
