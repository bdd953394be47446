"""Unpaid orders hold their stock for the payment window, then give it back, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from shop.orders.holds import orders_expire_unpaid, orders_queue_payment_reminders
from shop.orders.models import Order, OrderEmail
from shop.orders.tasks import expire_unpaid_orders
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from tests.payments.conftest import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


def unpaid(product, *, due_in: timedelta, quantity=1, method="bank_transfer", placed_ago=timedelta(days=3)):
    now = timezone.now()
    order = OrderFactory(
        status=Order.Status.AWAITING_PAYMENT, payment_method=method, placed_at=now - placed_ago, payment_due_at=now + due_in
    )
    OrderLineFactory(order=order, product=product, quantity=quantity)
    return order


def test_the_payment_window_is_set_at_placement_from_the_provider(settings, stripe_standin):
    settings.BANK_TRANSFER_PAYMENT_DAYS = 3
    settings.CARD_PAYMENT_WINDOW_MINUTES = 45
    bank = place_order(payment_method="bank_transfer")
    card = place_order(payment_method="card")
    assert bank.payment_due_at - bank.placed_at == timedelta(days=3)
    assert card.payment_due_at - card.placed_at == timedelta(minutes=45)


def test_a_script_that_ordered_the_whole_stock_and_never_paid_holds_it_only_until_the_window_closes():
    # given: anonymous bank-transfer orders for every unit, as the script did
    product = ProductFactory(stock=0, sales_count=3)
    orders = [unpaid(product, due_in=timedelta(seconds=-1), quantity=1) for _ in range(3)]
    not_yet = unpaid(product, due_in=timedelta(hours=1), quantity=2)

    # when: the beat task runs
    assert expire_unpaid_orders.apply().get() == 3

    # then: the expired orders' units are back on sale, once
    product.refresh_from_db()
    assert (product.stock, product.sales_count) == (3, 0)
    for order in orders:
        order.refresh_from_db()
        assert (order.status, order.cancel_reason, order.payment_due_at) == (
            Order.Status.CANCELLED, Order.CancelReason.EXPIRED, None,
        )
    assert Order.objects.get(pk=not_yet.pk).status == Order.Status.AWAITING_PAYMENT
    assert OrderEmail.objects.filter(kind=OrderEmail.Kind.CANCELLED).count() == 3
    assert orders_expire_unpaid().expired == 0
    assert Product.objects.get(pk=product.pk).stock == 3


def test_the_expiry_task_works_in_batches_and_leaves_paid_and_undated_orders_alone():
    product = ProductFactory(stock=0)
    for _ in range(5):
        unpaid(product, due_in=timedelta(minutes=-5))
    paid = OrderFactory(status=Order.Status.PAID, payment_due_at=None)
    OrderLineFactory(order=paid, product=product)
    undated = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_due_at=None)
    OrderLineFactory(order=undated, product=product)

    run = orders_expire_unpaid(batch_size=2)

    assert (run.expired, run.batches) == (5, 3)
    assert Product.objects.get(pk=product.pk).stock == 5
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    assert Order.objects.get(pk=undated.pk).status == Order.Status.AWAITING_PAYMENT


def test_expiring_a_batch_costs_the_same_number_of_queries_for_one_order_or_many(django_assert_max_num_queries):
    products = [ProductFactory(stock=0) for _ in range(4)]
    for index in range(40):
        unpaid(products[index % 4], due_in=timedelta(minutes=-1))
    with django_assert_max_num_queries(12):
        assert orders_expire_unpaid(batch_size=100).expired == 40


def test_a_bank_transfer_order_gets_one_reminder_before_its_window_closes(settings):
    settings.BANK_TRANSFER_REMINDER_HOURS = 24
    product = ProductFactory()
    soon = unpaid(product, due_in=timedelta(hours=20))
    later = unpaid(product, due_in=timedelta(hours=30))
    card = unpaid(product, due_in=timedelta(hours=20), method="card")
    short_window = unpaid(product, due_in=timedelta(hours=20), placed_ago=timedelta(hours=1))

    assert orders_queue_payment_reminders() == 1
    assert orders_queue_payment_reminders() == 0

    reminded = set(OrderEmail.objects.filter(kind=OrderEmail.Kind.PAYMENT_REMINDER).values_list("order_id", flat=True))
    assert reminded == {soon.pk}
    assert {later.pk, card.pk, short_window.pk}.isdisjoint(reminded)


def test_every_payments_beat_entry_names_a_registered_task(settings):
    from shop.celery import app as celery_app

    for name, entry in settings.PAYMENTS_BEAT_SCHEDULE.items():
        assert settings.CELERY_BEAT_SCHEDULE[name] == entry
        assert entry["task"] in celery_app.tasks, name
