"""The shopper's side of card payments: checkout to Stripe, the return page, "Pay by card"."""

import re

import pytest
from django.urls import reverse

from catalog.models import Product
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.providers import deadline_display
from tests.factories import ProductFactory, UserFactory

from .conftest import place_order, post_event, start_card_payment

pytestmark = pytest.mark.django_db

DETAILS = {
    "email": "grace@example.com", "name": "Grace Hopper", "line1": "1 Harbour Road", "line2": "",
    "city": "Bristol", "postcode": "BS1 5DD", "country": "United Kingdom", "phone": "",
}


def checkout(client, payment_method: str):
    product = ProductFactory(price="12.00", stock=4)
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": 2})
    client.post(reverse("checkout:start"), DETAILS)
    review = client.get(reverse("checkout:review"))
    form = {
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', review.text).group(1),
        "expected_total": re.search(r'name="expected_total" value="([^"]+)"', review.text).group(1),
        "payment_method": payment_method,
    }
    return review, client.post(reverse("checkout:place"), form), form


def return_page(client, order, query=""):
    return client.get(reverse("payments:return", kwargs={"token": order.access_token}) + query)


def test_without_stripe_keys_card_is_not_offered_and_cannot_be_posted(client):
    review, response, _ = checkout(client, "card")
    assert 'value="bank_transfer"' in review.text and 'value="card"' not in review.text
    assert "by bank transfer. Nothing is charged now." in review.text
    assert response.url == reverse("checkout:review")
    assert not Order.objects.exists()


def test_a_card_checkout_goes_on_to_stripes_page_with_the_items_held(client, stripe_standin):
    review, response, form = checkout(client, "card")
    assert 'value="card"' in review.text

    order = Order.objects.get()
    session_id = order.payments.get().checkout_session_id
    assert response.url == stripe_standin.sessions[session_id]["url"]
    assert stripe_standin.sessions[session_id]["success_url"] == f"http://testserver/payments/return/{order.access_token}/"
    assert Product.objects.get().stock == 2
    assert order.payment_due_at == order.payments.get().expires_at
    # The same form posted again goes back to the same payment page.
    assert client.post(reverse("checkout:place"), form).url == response.url
    assert Payment.objects.count() == 1


def test_when_stripe_cannot_be_reached_the_order_is_kept_and_the_shopper_can_pay_later(client, settings, stripe_standin):
    api = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    _, response, _ = checkout(client, "card")

    order = Order.objects.get()
    assert response.url == order.get_confirmation_url()
    page = client.get(response.url)
    assert "couldn&#x27;t open the card payment page" in page.text
    assert "Pay by card" in page.text and "data-payment-deadline" in page.text
    assert order.status == Order.Status.AWAITING_PAYMENT and Product.objects.get().stock == 2

    settings.STRIPE_API_BASE = api
    response = client.post(reverse("payments:pay", kwargs={"token": order.access_token}))
    payment = order.payments.get(checkout_session_id__isnull=False)
    assert response.url == stripe_standin.sessions[payment.checkout_session_id]["url"]


def test_the_return_page_shows_paid_from_stripe_even_before_the_webhook(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    stripe_standin.pay(session_id)

    page = return_page(client, order)

    assert 'data-payment-state="paid"' in page.text and ">Paid<" in page.text
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    # The webhook that follows changes nothing more.
    post_event(client, stripe_standin, stripe_standin.event("checkout.session.completed", stripe_standin.sessions[session_id]))
    assert Order.objects.get(pk=order.pk).payments.get().status == Payment.Status.SUCCEEDED


def test_a_tampered_return_address_shows_the_real_state(client, stripe_standin):
    order = place_order()
    start_card_payment(order)
    someone_elses = place_order()
    other_session = start_card_payment(someone_elses)
    stripe_standin.pay(other_session)

    page = return_page(client, order, f"?session_id={other_session}&status=paid&payment_status=paid")

    assert 'data-payment-state="awaiting"' in page.text and "Not paid yet" in page.text
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT
    assert Order.objects.get(pk=someone_elses.pk).status == Order.Status.AWAITING_PAYMENT
    assert client.get(reverse("payments:return", kwargs={"token": "guessed"})).status_code == 404


def test_a_declined_card_shows_failed_with_a_way_to_try_again(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    stripe_standin.decline(session_id)
    page = return_page(client, order)
    assert 'data-payment-state="failed"' in page.text and "Try again" in page.text
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT


def test_an_expired_session_shows_that_the_time_ran_out(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    stripe_standin.expire(session_id)
    page = return_page(client, order)
    assert 'data-payment-state="expired"' in page.text
    assert Order.objects.get(pk=order.pk).cancel_reason == Order.CancelReason.EXPIRED


def test_a_processing_payment_is_shown_as_processing(client, stripe_standin):
    order = place_order()
    session_id = start_card_payment(order)
    stripe_standin.pay(session_id)
    stripe_standin.sessions[session_id]["payment_status"] = "unpaid"
    assert 'data-payment-state="processing"' in return_page(client, order).text


def test_pay_by_card_needs_post_and_refuses_an_order_that_is_not_waiting(client, stripe_standin):
    order = place_order()
    url = reverse("payments:pay", kwargs={"token": order.access_token})
    assert client.get(url).status_code == 405
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    assert client.post(url).url == order.get_confirmation_url()
    assert not Payment.objects.exists()


def test_the_confirmation_and_my_orders_say_how_long_the_shopper_has_to_pay(client):
    user = UserFactory()
    client.force_login(user)
    _, response, _ = checkout(client, "bank_transfer")
    order = Order.objects.get()
    assert order.user == user
    confirmation = client.get(response.url)
    assert "Please pay by" in confirmation.text and "data-payment-deadline" in confirmation.text
    assert f"Please pay by <strong>{deadline_display(order.payment_due_at)}</strong>" in confirmation.text
    listing = client.get(reverse("accounts:orders"))
    assert "data-payment-deadline" in listing.text and "left)" in listing.text


def test_the_return_page_costs_the_same_queries_for_one_line_or_many(client, stripe_standin, django_assert_max_num_queries):
    from tests.factories import OrderLineFactory

    counts = []
    for lines in (1, 15):
        order = place_order()
        for _ in range(lines - 1):
            OrderLineFactory(order=order)
        stripe_standin.pay(start_card_payment(order))
        return_page(client, order)  # the first visit records the payment
        with django_assert_max_num_queries(30) as queries:
            assert 'data-payment-state="paid"' in return_page(client, order).text
        counts.append(len(queries))
    assert counts[1] <= counts[0], counts
