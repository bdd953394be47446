import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from catalog.models import Product
from shop.orders.models import Order
from tests.factories import CartLineFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def run_action(client, action, *orders):
    return client.post(
        reverse("admin:orders_order_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [order.pk for order in orders]},
        follow=True,
    )


def test_staff_mark_orders_paid_then_shipped(staff_client):
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    run_action(staff_client, "mark_paid", order)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    response = run_action(staff_client, "mark_shipped", order)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at
    assert "1 order marked shipped." in response.text


def test_cancelling_in_the_admin_restores_stock_and_refuses_shipped_orders(staff_client):
    product = ProductFactory(stock=1)
    order = OrderFactory(status=Order.Status.PAID)
    OrderLineFactory(order=order, product=product, quantity=3)
    shipped = OrderFactory(status=Order.Status.SHIPPED)
    response = run_action(staff_client, "cancel", order, shipped)
    assert Product.objects.get(pk=product.pk).stock == 4
    assert Order.objects.get(pk=shipped.pk).status == Order.Status.SHIPPED
    assert "can&#x27;t be marked cancelled" in response.text


def test_orders_are_searchable_by_number_and_email_and_money_is_read_only(staff_client):
    wanted = OrderFactory(number="TD-ABCD-EFGH", email="find.me@example.com")
    OrderFactory(number="TD-ZZZZ-ZZZZ")
    OrderLineFactory(order=wanted)
    for query in ("ABCD", "find.me"):
        response = staff_client.get(reverse("admin:orders_order_changelist"), {"q": query})
        assert "TD-ABCD-EFGH" in response.text and "TD-ZZZZ-ZZZZ" not in response.text
    response = staff_client.get(reverse("admin:orders_order_change", args=[wanted.pk]))
    assert response.status_code == 200
    assert 'name="total"' not in response.text and 'name="status"' not in response.text
    assert staff_client.get(reverse("admin:orders_order_changelist"), {"status__exact": "paid"}).status_code == 200


def test_carts_can_be_looked_at_in_the_admin(staff_client):
    line = CartLineFactory()
    response = staff_client.get(reverse("admin:cart_cart_change", args=[line.cart.pk]))
    assert response.status_code == 200
    assert line.product.name in response.text
    assert staff_client.get(reverse("admin:cart_cart_changelist")).status_code == 200
