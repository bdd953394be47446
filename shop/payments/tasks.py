"""Thin tasks over the payment services; each is safe to run twice."""

from celery import shared_task

from .refunds import payment_refund_execute, payments_retry_refunds


@shared_task(ignore_result=True)
def refund_payment(payment_id: int) -> str:
    """Ask the provider for a refund recorded as requested (after that commit)."""
    return payment_refund_execute(payment_id=payment_id)


@shared_task(ignore_result=True)
def retry_refunds() -> int:
    """Beat: refunds the broker or the provider let down."""
    return payments_retry_refunds()
