from celery import shared_task

from .services import carts_delete_idle


@shared_task(name="shop.cart.tasks.delete_idle_carts")
def delete_idle_carts() -> int:
    """Nightly: guests' carts untouched for CART_IDLE_DAYS."""
    return carts_delete_idle()
