"""Order e-mails through the outbox: written with the change, sent once, never lost when the
broker is down or a worker dies."""

import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shop.celery import app as celery_app
from shop.orders.emails import order_email_queue, order_email_send, order_emails_send_pending
from shop.orders.models import Order, OrderEmail
from shop.orders.tasks import send_order_email
from tests.page_cache import without_page_cache_bumps
from shop.orders.workflow import Event, order_apply
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

Mail = OrderEmail.Status
Kind = OrderEmail.Kind


def queued(order, kind=Kind.RECEIVED) -> OrderEmail:
    OrderEmail.objects.filter(order=order, kind=kind).delete()
    return OrderEmail.objects.create(order=order, kind=kind, key=f"{order.pk}:{kind}")


@pytest.fixture
def broker_down(settings):
    """Celery publishing for real (not eagerly) to a Redis port nobody listens on."""
    before = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    celery_app.close()  # drop any pooled connection to the old broker
    yield
    celery_app.conf.update(before)
    celery_app.close()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_unreachable_checkout_answers_at_once_and_the_sweeper_sends_the_email_later(
    client, broker_down, settings
):
    # given: a shopper at the last step while Redis is down
    settings.CART_DISCOUNT_PROVIDERS = []
    product = ProductFactory(price="10.00", stock=3)
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})
    client.post(reverse("checkout:start"), {
        "email": "grace@example.com", "name": "Grace Hopper", "line1": "1 Harbour Road", "line2": "",
        "city": "Bristol", "postcode": "BS1 5DD", "country": "United Kingdom", "phone": "",
    })
    review = client.get(reverse("checkout:review"))
    assert review.status_code == 200, (review.status_code, review.get("Location"))
    review = review.text
    form = {
        "idempotency_key": review.split('name="idempotency_key" value="')[1].split('"')[0],
        "expected_total": review.split('name="expected_total" value="')[1].split('"')[0],
        "payment_method": "bank_transfer",
    }

    # when: they place the order
    started = time.monotonic()
    response = client.post(reverse("checkout:place"), form)
    elapsed = time.monotonic() - started

    # then: the confirmation at once, the e-mail waiting in the outbox
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_confirmation_url()
    assert elapsed < 3, f"placing the order waited {elapsed:.1f} s on the broker"
    assert client.get(response.url).status_code == 200
    assert mail.outbox == []
    assert OrderEmail.objects.get(order=order).status == Mail.PENDING

    # and the beat sweeper sends it (once) when it next runs
    assert order_emails_send_pending() == 1
    assert order_emails_send_pending() == 0
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    assert OrderEmail.objects.get(order=order).status == Mail.SENT


@pytest.mark.django_db
def test_placing_an_order_writes_its_email_and_enqueues_it_after_the_commit(django_capture_on_commit_callbacks):
    from shop.checkout.services import ShippingAddress, order_place
    from tests.factories import CartFactory, CartLineFactory

    cart = CartFactory()
    CartLineFactory(cart=cart)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = order_place(
            cart=cart, email="a@example.com", payment_method="bank_transfer", idempotency_key="outbox-key-00000001",
            address=ShippingAddress(name="Ann", line1="1 Road", city="York", postcode="YO1 7HH"),
        )
    assert OrderEmail.objects.get(order=order).kind == Kind.RECEIVED
    callbacks = without_page_cache_bumps(callbacks)
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_redelivered_task_sends_the_email_once():
    email = queued(OrderFactory(status=Order.Status.AWAITING_PAYMENT))
    send_order_email.apply(args=[email.pk])
    send_order_email.apply(args=[email.pk])  # acks_late: the broker hands it out again
    order_emails_send_pending()
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Mail.SENT, 1)


@pytest.mark.django_db
def test_an_email_whose_worker_died_while_sending_is_sent_again_after_its_lease_and_only_then(monkeypatch, settings):
    email = queued(OrderFactory(status=Order.Status.AWAITING_PAYMENT))

    def killed(self, *args, **kwargs):
        raise SystemExit("worker killed (SIGKILL) mid-send")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", killed)
    with pytest.raises(SystemExit):
        order_email_send(email_id=email.pk)
    monkeypatch.undo()
    assert OrderEmail.objects.get(pk=email.pk).status == Mail.SENDING

    # Within its lease nobody touches it (the worker might still be finishing)...
    assert order_emails_send_pending() == 0 and mail.outbox == []
    # ...after it, the sweeper sends it, once.
    later = timezone.now() + timedelta(seconds=settings.ORDER_EMAIL_CLAIM_LEASE_SECONDS + 1)
    assert order_emails_send_pending(now=later) == 1
    assert order_emails_send_pending(now=later + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<order-email-{email.pk}@127.0.0.1>"


@pytest.mark.django_db
def test_a_mail_server_failure_leaves_the_email_for_the_sweeper_until_it_gives_up(monkeypatch, settings):
    settings.ORDER_EMAIL_MAX_ATTEMPTS = 2
    email = queued(OrderFactory(status=Order.Status.AWAITING_PAYMENT))

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)
    assert order_email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Mail.PENDING, 1, "Connection unexpectedly closed")
    assert order_emails_send_pending() == 0
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Mail.FAILED, 2)


@pytest.mark.django_db
def test_an_email_no_longer_true_when_its_turn_comes_is_skipped():
    order = OrderFactory(status=Order.Status.PAID)
    email = queued(order, Kind.PAYMENT_REMINDER)
    assert order_email_send(email_id=email.pk) is False
    assert OrderEmail.objects.get(pk=email.pk).status == Mail.SKIPPED and mail.outbox == []


@pytest.mark.django_db
def test_the_same_email_is_queued_once():
    order = OrderFactory()
    assert order_email_queue(order=order, kind=Kind.RECEIVED) is not None
    assert order_email_queue(order=order, kind=Kind.RECEIVED) is None
    assert OrderEmail.objects.count() == 1


@pytest.mark.django_db
def test_every_state_a_customer_cares_about_has_its_email(django_capture_on_commit_callbacks):
    product = ProductFactory(name="Enamel Teapot", stock=4)
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_due_at=timezone.now() + timedelta(days=3))
    OrderLineFactory(order=order, product=product, quantity=2)
    second = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_due_at=timezone.now() + timedelta(days=1))
    OrderLineFactory(order=second, product=product)

    with django_capture_on_commit_callbacks(execute=True):
        order_email_queue(order=order, kind=Kind.RECEIVED)
        order_email_queue(order=second, kind=Kind.PAYMENT_REMINDER)
    with django_capture_on_commit_callbacks(execute=True):
        order_apply(order=order, event=Event.PAY)
        order_apply(order=order, event=Event.DISPATCH)
        order_apply(order=second, event=Event.EXPIRE)
        order_email_queue(order=order, kind=Kind.REFUNDED, context={"amount": "24.95", "reason": "staff"}, key="r")

    by_subject = {m.subject: m for m in mail.outbox}
    received = by_subject[f"Your Tandem order {order.number}"]
    assert "Please transfer £" in received.body and "by " in received.body and "Enamel Teapot" in received.body
    reminder = by_subject[f"Your Tandem order {second.number} is waiting for payment"]
    assert "We are holding your items until" in reminder.body
    assert f"We have your payment of £{order.total}" in by_subject[f"Payment received for your Tandem order {order.number}"].body
    dispatched = by_subject[f"Your Tandem order {order.number} is on its way"]
    assert "2 × Enamel Teapot" in dispatched.body
    cancelled = by_subject[f"Your Tandem order {second.number} was cancelled"]
    assert "didn't receive payment for it in time" in cancelled.body
    refunded = by_subject[f"Refund for your Tandem order {order.number}"]
    assert "We have refunded £24.95" in refunded.body
    assert all(m.alternatives[0][1] == "text/html" for m in mail.outbox)
