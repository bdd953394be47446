"""Stripe's webhook: verified, idempotent on the event id, safe out of order, amount-checked."""

import logging

import pytest

from catalog.models import Product
from shop.orders.holds import orders_expire_unpaid
from shop.orders.models import Order, OrderEmail
from shop.payments.models import Payment, WebhookEvent

from .conftest import pay_and_notify, place_order, post_event, start_card_payment

pytestmark = pytest.mark.django_db


def queued(order) -> list[str]:
    """The customer e-mails written to the outbox for the order (sending is tested apart)."""
    return list(OrderEmail.objects.filter(order=order).order_by("id").values_list("kind", flat=True))


def test_a_signed_completed_event_marks_the_card_order_paid_and_emails_the_customer(client, stripe_standin):
    # given: a card order with its stock held and a Checkout session for the server's total
    order = place_order(quantity=2)
    session_id = start_card_payment(order)
    session = stripe_standin.sessions[session_id]
    assert (session["amount_total"], session["currency"]) == (4495, "gbp")
    assert session["metadata"] == {"order_number": order.number, "payment_id": str(order.payments.get().pk)}
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 3

    # when: the shopper pays and Stripe notifies the shop
    response = pay_and_notify(client, stripe_standin, session_id)

    # then
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.payment_due_at is None
    payment = order.payments.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.payment_intent_id.startswith("pi_")
    assert queued(order) == ["received", "paid"]
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 3


@pytest.mark.parametrize("case", ["missing", "wrong secret", "tampered body", "too old", "not json"])
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(client, stripe_standin, case):
    order = place_order()
    session_id = start_card_payment(order)
    payload = stripe_standin.event("checkout.session.completed", stripe_standin.pay(session_id))
    signature = {
        "missing": "",
        "wrong secret": stripe_standin.signature(payload, secret="whsec_someone_else"),
        "tampered body": stripe_standin.signature(payload),
        "too old": stripe_standin.signature(payload, timestamp=1_600_000_000),
        "not json": None,
    }[case]
    if case == "tampered body":
        payload = payload.replace('"paid"', '"paid" ')
    if case == "not json":
        payload = "not json at all"

    response = post_event(client, stripe_standin, payload, signature)

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT
    assert not WebhookEvent.objects.exists()
    assert Payment.objects.get(order=order).status == Payment.Status.PENDING


def test_the_same_event_delivered_1000_times_has_one_effect(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    payload = stripe_standin.event("checkout.session.completed", stripe_standin.pay(session_id))

    statuses = {post_event(client, stripe_standin, payload).status_code for _ in range(1000)}

    assert statuses == {200}
    assert WebhookEvent.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert queued(order) == ["received", "paid"]
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 4


def test_an_event_for_an_order_the_shop_does_not_know_is_logged_and_acknowledged(client, stripe_standin, caplog):
    payload = stripe_standin.event(
        "checkout.session.completed",
        {"id": "cs_test_nobody", "object": "checkout.session", "status": "complete", "payment_status": "paid",
         "amount_total": 100, "currency": "gbp", "metadata": {"payment_id": "999999"}},
    )
    with caplog.at_level(logging.WARNING, logger="shop.payments.webhooks"):
        response = post_event(client, stripe_standin, payload)
    assert response.status_code == 200
    assert "unknown session cs_test_nobody" in caplog.text
    assert not WebhookEvent.objects.exists() and not Payment.objects.exists()


def test_an_event_type_the_shop_does_not_use_is_acknowledged(client, stripe_standin):
    payload = stripe_standin.event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, stripe_standin, payload).status_code == 200


@pytest.mark.parametrize(("amount", "currency"), [(100, None), (None, "eur")])
def test_a_payment_that_does_not_match_the_order_leaves_it_unpaid_and_flags_it_for_staff(
    client, stripe_standin, amount, currency
):
    order = place_order()
    session_id = start_card_payment(order)

    response = pay_and_notify(client, stripe_standin, session_id, amount=amount, currency=currency)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    payment = order.payments.get()
    assert payment.needs_attention and "the order was left unpaid" in payment.attention_reason
    # It keeps its stock (no deadline) until staff decide: the expiry task leaves it alone.
    assert order.payment_due_at is None
    assert orders_expire_unpaid().expired == 0
    assert queued(order) == ["received"]


def test_a_late_completed_event_never_undoes_a_success_already_recorded(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    paid = stripe_standin.pay(session_id)
    processing = {**paid, "payment_status": "unpaid"}
    assert post_event(client, stripe_standin, stripe_standin.event("checkout.session.async_payment_succeeded", paid)).status_code == 200
    assert post_event(client, stripe_standin, stripe_standin.event("checkout.session.completed", processing)).status_code == 200
    assert Payment.objects.get(order=order).status == Payment.Status.SUCCEEDED
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_processing_payment_holds_the_order_until_it_settles(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    session = {**stripe_standin.pay(session_id), "payment_status": "unpaid"}
    post_event(client, stripe_standin, stripe_standin.event("checkout.session.completed", session))
    order.refresh_from_db()
    assert (order.status, order.payment_due_at) == (Order.Status.AWAITING_PAYMENT, None)
    post_event(client, stripe_standin, stripe_standin.event("checkout.session.async_payment_failed", session))
    assert Payment.objects.get(order=order).status == Payment.Status.FAILED
    assert orders_expire_unpaid().expired == 1
    assert Order.objects.get(pk=order.pk).cancel_reason == Order.CancelReason.EXPIRED


def test_an_expired_session_releases_the_stock_at_once(client, stripe_standin):
    order = place_order(quantity=2)
    session_id = start_card_payment(order)
    response = post_event(client, stripe_standin, stripe_standin.event("checkout.session.expired", stripe_standin.expire(session_id)))
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, Order.CancelReason.EXPIRED)
    assert Product.objects.get(pk=order.lines.get().product_id).stock == 5
    assert queued(order) == ["received", "cancelled"]
