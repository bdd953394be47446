from celery import shared_task

from .services import order_send_confirmation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_confirmation(order_id: int) -> None:
    """The order e-mail, sent after the order's transaction has committed."""
    order_send_confirmation(order_id=order_id)
