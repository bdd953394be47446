"""Staff and money in the admin: every action needs the change permission; the order page
shows the payment, its provider reference and its refund."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from catalog.models import Product
from shop.orders.models import Order
from shop.payments.models import Payment
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, UserFactory

from .conftest import pay_and_notify, place_order, start_card_payment

pytestmark = pytest.mark.django_db


def run_action(client, action, *orders, model="orders/order"):
    app_label, model_name = model.split("/")
    return client.post(
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [order.pk for order in orders]},
        follow=True,
    )


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_every_admin_action_in_the_project_needs_a_permission_beyond_view():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    unguarded = []
    for model, model_admin in admin.site._registry.items():
        for name, action in model_admin.get_actions(request).items():
            if not set(getattr(action.func, "allowed_permissions", ())) - {"view"}:
                unguarded.append(f"{model._meta.label}.{name}")
    assert unguarded == []


def test_staff_who_may_only_view_orders_cannot_run_any_order_action(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_payment", "view_snapshot"])
    )
    client.force_login(viewer)
    product = ProductFactory(stock=2)
    awaiting = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    paid = OrderFactory(status=Order.Status.PAID)
    for order in (awaiting, paid):
        OrderLineFactory(order=order, product=product)
    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200

    for action in ("mark_paid", "mark_shipped", "cancel", "refund"):
        run_action(client, action, awaiting, paid)

    assert Order.objects.get(pk=awaiting.pk).status == Order.Status.AWAITING_PAYMENT
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    assert Product.objects.get(pk=product.pk).stock == 2
    assert not Payment.objects.exists()
    page = client.get(reverse("admin:orders_order_changelist")).text
    assert 'value="mark_paid"' not in page and 'value="refund"' not in page


def test_staff_mark_a_transfer_paid_and_the_order_page_shows_the_payment(superuser_client):
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    response = run_action(superuser_client, "mark_paid", order)
    assert "1 order marked paid." in response.text
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.status, payment.reference) == ("bank_transfer", "succeeded", "Marked paid by boss")
    page = superuser_client.get(reverse("admin:orders_order_change", args=[order.pk])).text
    assert "Bank transfer succeeded" in page


def test_cancelling_a_paid_card_order_in_the_admin_refunds_it_and_shows_the_refund(
    superuser_client, client, stripe_standin, django_capture_on_commit_callbacks
):
    order = place_order()
    session_id = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(superuser_client, "cancel", order)

    assert "refund of its payment requested" in response.text
    payment = Payment.objects.get(order=order)
    assert payment.refund_status == Payment.RefundStatus.SUCCEEDED and payment.refund_id in stripe_standin.refunds
    page = superuser_client.get(reverse("admin:orders_order_change", args=[order.pk])).text
    assert payment.payment_intent_id in page and "refund: refunded" in page and payment.refund_id in page
    listing = superuser_client.get(reverse("admin:orders_order_changelist")).text
    assert "refund: refunded" in listing


def test_a_payment_that_needs_attention_is_flagged_in_the_order_list(superuser_client, client, stripe_standin):
    order = place_order()
    pay_and_notify(client, stripe_standin, start_card_payment(order), amount=1)
    other = OrderFactory()
    listing = superuser_client.get(reverse("admin:orders_order_changelist"), {"attention": "yes"}).text
    assert order.number in listing and other.number not in listing
    assert "⚠ Received 0.01 GBP but the order is 24.95 GBP" in listing


def test_the_order_list_reads_payments_in_a_constant_number_of_queries(superuser_client, django_assert_max_num_queries):
    for _ in range(2):
        order = OrderFactory()
        Payment.objects.create(order=order, provider="bank_transfer", amount=100, currency="gbp", status="succeeded")
    with django_assert_max_num_queries(12) as few:
        superuser_client.get(reverse("admin:orders_order_changelist"))
    for _ in range(10):
        order = OrderFactory()
        Payment.objects.create(order=order, provider="bank_transfer", amount=100, currency="gbp", status="succeeded")
    with django_assert_max_num_queries(len(few)):
        superuser_client.get(reverse("admin:orders_order_changelist"))
