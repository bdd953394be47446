"""The expiry task and a late webhook racing for the same order, on PostgreSQL with real
transactions in threads: whatever the interleaving, the stock moves once and the payment is
kept (reinstated if the task got there first)."""

import threading
from datetime import timedelta

import pytest
from celery.result import allow_join_result
from django.db import connection, connections
from django.utils import timezone

from catalog.models import Product
from shop.orders.holds import orders_expire_unpaid
from shop.orders.models import Order, OrderEmail
from shop.payments.models import Payment, WebhookEvent
from shop.payments.webhooks import Outcome, webhook_handle
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

from .conftest import place_order, start_card_payment

ROUNDS = 6


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises all writes): run with DATABASE_URL=postgres://…")


def race(*targets):
    barrier = threading.Barrier(len(targets))
    outcomes: list = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait()
            outcomes[index] = target()
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    # The eager tasks the threads' commits run each set and restore Celery's process-wide
    # "a join would block" flag; interleaved, they can leave it set, and a later test's real
    # `.get()` (tests/realstack) then refuses to wait. Put back what it was before the race.
    with allow_join_result():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_expiry_task_and_a_late_payment_racing_for_an_order_move_its_stock_once(postgres_only, stripe_standin):
    for _ in range(ROUNDS):
        # given: a card order whose window has just closed, paid at the last moment
        product = ProductFactory(stock=5, sales_count=0)
        order = place_order(product=product, quantity=2)
        session_id = start_card_payment(order)
        Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
        payload = stripe_standin.event("checkout.session.completed", stripe_standin.pay(session_id))
        signature = stripe_standin.signature(payload)

        # when: the beat task and Stripe's webhook run at the same moment
        expiry, webhook = race(
            lambda: orders_expire_unpaid().expired,
            lambda: webhook_handle(payload=payload.encode(), signature=signature),
        )

        # then: the order is paid, its stock taken exactly once, nothing refunded
        assert expiry in (0, 1) and webhook == Outcome.APPLIED, (expiry, webhook)
        order.refresh_from_db()
        assert order.status == Order.Status.PAID, (expiry, order.cancel_reason)
        product.refresh_from_db()
        assert (product.stock, product.sales_count) == (3, 1)
        payment = Payment.objects.get(order=order)
        assert (payment.status, payment.refund_status) == (Payment.Status.SUCCEEDED, "")
        assert WebhookEvent.objects.filter(payment=payment).count() == 1
        kinds = list(OrderEmail.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
        assert kinds in (["received", "paid"], ["received", "cancelled", "paid"]), kinds


@pytest.mark.django_db(transaction=True)
def test_overlapping_expiry_runs_release_each_order_once(postgres_only):
    product = ProductFactory(stock=0, sales_count=40)
    for _ in range(40):
        order = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_due_at=timezone.now() - timedelta(minutes=1))
        OrderLineFactory(order=order, product=product)

    outcomes = race(*[lambda: orders_expire_unpaid(batch_size=5).expired for _ in range(4)])

    assert sum(outcomes) == 40, outcomes
    product.refresh_from_db()
    assert (product.stock, product.sales_count) == (40, 0)
    assert Product.objects.filter(stock__lt=0).count() == 0
