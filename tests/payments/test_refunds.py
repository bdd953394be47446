"""Money that goes back: a second payment, a payment after the order was cancelled, staff
cancelling or refunding a paid order. Refunds go through Stripe (the stand-in) after the
commit, once per payment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from shop.orders.holds import orders_expire_unpaid
from shop.orders.models import Order, OrderEmail
from shop.payments import gateway
from shop.payments.models import Payment
from shop.orders.workflow import OrderStatusError
from shop.payments.refunds import payment_mark_refund_sent, payments_retry_refunds
from shop.payments.services import order_cancel_with_refund, order_mark_paid_by_transfer, order_refund
from tests.factories import ProductFactory

from .conftest import pay_and_notify, place_order, post_event, start_card_payment

pytestmark = pytest.mark.django_db

RefundStatus = Payment.RefundStatus


def expire_now(order):
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert orders_expire_unpaid().expired == 1


def refunded_emails(order) -> int:
    return OrderEmail.objects.filter(order=order, kind=OrderEmail.Kind.REFUNDED).count()


def test_paying_twice_for_one_order_keeps_the_first_payment_and_refunds_the_second(
    client, stripe_standin, django_capture_on_commit_callbacks
):
    # given: an order paid once, and a second Checkout session for it paid too
    order = place_order()
    first_session = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, first_session)
    second = Payment.objects.create(order=order, provider="card", amount=2495, currency="gbp", expires_at=timezone.now() + timedelta(hours=1))
    session = gateway.checkout_session_create(
        amount=2495, currency="gbp", description="again", email=order.email, reference=order.number,
        metadata={"payment_id": str(second.pk)}, expires_at=second.expires_at,
        success_url="http://x/", cancel_url="http://x/", idempotency_key="second",
    )

    # when: the second payment's webhook arrives (its session id unknown to the shop)
    with django_capture_on_commit_callbacks(execute=True):
        assert pay_and_notify(client, stripe_standin, session.id).status_code == 200

    # then
    first, second = order.payments.order_by("id")
    assert (first.status, first.refund_status) == (Payment.Status.SUCCEEDED, RefundStatus.NONE)
    assert (second.status, second.refund_status, second.refund_reason) == (
        Payment.Status.SUCCEEDED, RefundStatus.SUCCEEDED, Payment.RefundReason.DUPLICATE,
    )
    [refund] = stripe_standin.refunds.values()
    assert (refund["payment_intent"], refund["amount"], second.refund_id) == (second.payment_intent_id, 2495, refund["id"])
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 4
    assert refunded_emails(order) == 1


def test_a_payment_after_the_window_closed_reinstates_the_order_while_its_stock_is_there(client, stripe_standin):
    order = place_order(quantity=2)
    session_id = start_card_payment(order)
    expire_now(order)
    product = Product.objects.get(pk=order.lines.get().product_id)
    assert product.stock == 5

    pay_and_notify(client, stripe_standin, session_id)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.PAID, "")
    assert Product.objects.get(pk=product.pk).stock == 3
    assert not stripe_standin.refunds
    paid = OrderEmail.objects.get(order=order, kind=OrderEmail.Kind.PAID)
    assert paid.context == {"reinstated": True}


def test_a_payment_after_the_window_closed_is_refunded_when_the_stock_has_gone(
    client, stripe_standin, django_capture_on_commit_callbacks
):
    order = place_order(quantity=2)
    session_id = start_card_payment(order)
    expire_now(order)
    Product.objects.filter(pk=order.lines.get().product_id).update(stock=1)  # sold to someone else

    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, Order.CancelReason.EXPIRED)
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 1
    payment = order.payments.get()
    assert (payment.refund_status, payment.refund_reason) == (RefundStatus.SUCCEEDED, Payment.RefundReason.LATE)
    assert len(stripe_standin.refunds) == 1
    assert refunded_emails(order) == 1


def test_a_payment_for_an_order_staff_cancelled_is_refunded_not_reinstated(
    client, stripe_standin, django_capture_on_commit_callbacks
):
    order = place_order()
    session_id = start_card_payment(order)
    order_cancel_with_refund(order=order)
    # Cancelling expired the Checkout session; a payment that got through anyway is refunded.
    assert stripe_standin.sessions[session_id]["status"] == "expired"
    stripe_standin.sessions[session_id]["status"] = "open"
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, Order.CancelReason.STAFF)
    assert order.payments.get().refund_status == RefundStatus.SUCCEEDED


def test_cancelling_a_paid_card_order_refunds_it_through_stripe(client, stripe_standin, django_capture_on_commit_callbacks):
    order = place_order(quantity=2)
    session_id = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = order_cancel_with_refund(order=order)

    assert outcome.refunds == 1
    payment = order.payments.get()
    assert (payment.refund_status, payment.refund_reason) == (RefundStatus.SUCCEEDED, Payment.RefundReason.CANCELLED)
    assert stripe_standin.refunds[payment.refund_id]["amount"] == 4495
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 5
    cancelled = OrderEmail.objects.get(order=order, kind=OrderEmail.Kind.CANCELLED)
    assert cancelled.context == {"reason": "staff", "was_paid": True}


def test_a_pending_refund_is_completed_by_its_webhook_once(client, stripe_standin, django_capture_on_commit_callbacks):
    stripe_standin.refund_status = "pending"
    order = place_order()
    session_id = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)
        order_refund(order=order)
    payment = order.payments.get()
    assert payment.refund_status == RefundStatus.PENDING and refunded_emails(order) == 0

    refund = {**stripe_standin.refunds[payment.refund_id], "status": "succeeded"}
    stale = {**refund, "status": "pending"}
    for event in (refund, refund, stale):
        response = post_event(client, stripe_standin, stripe_standin.event("refund.updated", event))
        assert response.status_code == 200

    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.SUCCEEDED and payment.refunded_at is not None
    assert refunded_emails(order) == 1


def test_a_refund_stripe_could_not_be_reached_for_is_retried_later(settings, client, stripe_standin, django_capture_on_commit_callbacks):
    order = place_order()
    session_id = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)
    api = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order)
    payment = order.payments.get()
    assert payment.refund_status == RefundStatus.REQUESTED and "Connection" in payment.refund_error

    settings.STRIPE_API_BASE = api
    assert payments_retry_refunds(now=timezone.now() + timedelta(minutes=5)) == 1
    assert payments_retry_refunds(now=timezone.now() + timedelta(minutes=10)) == 0
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.SUCCEEDED and len(stripe_standin.refunds) == 1


def test_a_refund_stripe_refuses_is_flagged_for_staff(client, stripe_standin, django_capture_on_commit_callbacks):
    order = place_order()
    session_id = start_card_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay_and_notify(client, stripe_standin, session_id)
    payment = order.payments.get()
    stripe_standin.refunds["re_elsewhere"] = {"id": "re_elsewhere", "payment_intent": payment.payment_intent_id, "amount": 2495}
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order)
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.FAILED
    assert payment.needs_attention and "already been refunded" in payment.attention_reason


def test_an_order_with_nothing_paid_on_record_cannot_be_refunded():
    order = place_order(payment_method="bank_transfer")
    with pytest.raises(OrderStatusError, match="no payment on record"):
        order_refund(order=order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT


def test_a_bank_transfer_refund_waits_for_staff_to_send_the_money_back(django_capture_on_commit_callbacks):
    order = place_order(payment_method="bank_transfer")
    order_mark_paid_by_transfer(order=order, recorded_by="boss")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel_with_refund(order=order)
    payment = order.payments.get()
    assert payment.refund_status == RefundStatus.PENDING and payment.needs_attention
    assert refunded_emails(order) == 0
    assert payment_mark_refund_sent(payment=payment)
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.SUCCEEDED and not payment.needs_attention
    assert refunded_emails(order) == 1
    assert not payment_mark_refund_sent(payment=payment)


def test_marking_a_transfer_paid_after_the_order_expired_reinstates_it_if_the_stock_is_there():
    product = ProductFactory(stock=3)
    order = place_order(product=product, payment_method="bank_transfer")
    expire_now(order)
    order_mark_paid_by_transfer(order=order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert Product.objects.get(pk=product.pk).stock == 2


def test_a_card_order_cannot_be_marked_paid_by_hand():
    order = place_order(payment_method="bank_transfer")
    Order.objects.filter(pk=order.pk).update(payment_method="card")
    order.refresh_from_db()
    with pytest.raises(OrderStatusError, match="not bank transfer"):
        order_mark_paid_by_transfer(order=order)
