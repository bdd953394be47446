"""What keeps the demo and benchmark tools out of a shop that trades.

`load_demo --reset` deletes products; `simulate_shoppers` places orders; the `bench_*`
commands write carts, sessions and (bench_copurchase) whole order histories. Each first asks
`real_orders_refusal` and stops when the database holds orders placed by customers; and each
runs inside `no_real_email`, so nothing it causes ever reaches a real inbox.

Real orders are told apart by their number: only the checkout gives the shop's own numbers
(shop.orders.services.ORDER_NUMBER_PREFIX, "TD-"); the demo's history keeps its invoice
numbers ("OR536365") and the co-purchase benchmark numbers its own ("B0000000001"). The
simulated shoppers go through the real checkout, so the simulation marks each of its orders
with SIMULATED_CUSTOMER_REF (a column the checkout never sets).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.test.utils import override_settings

from shop.celery import app as celery_app
from shop.orders.models import Order
from shop.orders.services import ORDER_NUMBER_PREFIX

SIMULATED_CUSTOMER_REF = "simulated-shopper"
# Order numbers quoted in a refusal, so staff can look them up.
QUOTED_ORDERS = 3
LOCAL_MAILER = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def real_orders():
    """Orders placed by customers through the checkout (not the demo's, the simulation's or a benchmark's)."""
    return Order.objects.filter(number__startswith=ORDER_NUMBER_PREFIX).exclude(customer_ref=SIMULATED_CUSTOMER_REF)


def real_orders_refusal(*, action: str, force_flag: str | None = "--force") -> str | None:
    """Why `action` must not run here, or None when the shop holds no real orders."""
    count = real_orders().count()
    if not count:
        return None
    numbers = ", ".join(real_orders().order_by("-placed_at").values_list("number", flat=True)[:QUOTED_ORDERS])
    way_out = (
        f", or pass {force_flag} if this really is a scratch database"
        if force_flag
        else ", or delete those orders first (admin › Orders)"
    )
    return (
        f"This database holds {count} real order{'s' if count != 1 else ''} ({numbers}{', …' if count > QUOTED_ORDERS else ''}): "
        f"{action} would write into a shop that trades. Point DATABASE_URL at a demo or scratch database{way_out}."
    )


@contextmanager
def no_real_email() -> Iterator[None]:
    """E-mail goes to Django's in-memory outbox, and tasks run here (a worker would send
    with the real mailer): for the duration of a demo or benchmark command."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with override_settings(MAILERS=LOCAL_MAILER):
            yield
    finally:
        celery_app.conf.task_always_eager = eager
