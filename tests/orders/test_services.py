import pytest

from catalog.models import Product
from shop.orders.models import Order
from shop.orders.services import OrderStatusError, order_mark_shipped, order_number_generate
from shop.payments.services import order_cancel_with_refund, order_mark_paid_by_transfer
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def awaiting_order_with_lines():
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_method="bank_transfer")
    mug, bag = ProductFactory(stock=3, sales_count=4), ProductFactory(stock=0, sales_count=1)
    OrderLineFactory(order=order, product=mug, quantity=2)
    OrderLineFactory(order=order, product=bag, quantity=5)
    return order, mug, bag


def test_cancelling_puts_the_items_back_in_stock():
    order, mug, bag = awaiting_order_with_lines()
    order_cancel_with_refund(order=order)
    mug.refresh_from_db()
    bag.refresh_from_db()
    assert (mug.stock, bag.stock) == (5, 5)
    assert (mug.sales_count, bag.sales_count) == (3, 0)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_cancelling_twice_restores_stock_once():
    order, mug, _ = awaiting_order_with_lines()
    order_cancel_with_refund(order=order)
    order_cancel_with_refund(order=order)
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_a_line_whose_product_was_deleted_does_not_stop_a_cancellation():
    order, mug, _ = awaiting_order_with_lines()
    OrderLineFactory(order=order, product=None, sku="GONE", name="Gone", unit_price=1, line_total=1)
    order_cancel_with_refund(order=order)
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_a_shipped_order_cannot_be_cancelled():
    order, mug, _ = awaiting_order_with_lines()
    order_mark_paid_by_transfer(order=order)
    order_mark_shipped(order=order)
    with pytest.raises(OrderStatusError, match="shipped"):
        order_cancel_with_refund(order=order)
    assert Product.objects.get(pk=mug.pk).stock == 3


def test_an_order_goes_from_awaiting_payment_to_paid_to_shipped():
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_method="bank_transfer")
    with pytest.raises(OrderStatusError):
        order_mark_shipped(order=order)
    order_mark_paid_by_transfer(order=order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    shipped = order_mark_shipped(order=order)
    assert shipped.status == Order.Status.SHIPPED
    assert shipped.shipped_at is not None


def test_order_numbers_never_repeat_an_existing_one(monkeypatch):
    OrderFactory(number="TD-2222-2222")
    draws = iter("22222222" + "33333333")
    monkeypatch.setattr("shop.orders.services.secrets.choice", lambda alphabet: next(draws))
    assert order_number_generate() == "TD-3333-3333"
