"""What a shopper types at checkout is normalised and capped before the confirmation
e-mail quotes it back: the shop is not a relay for anyone's text."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from shop.checkout.forms import CheckoutDetailsForm
from shop.orders.models import Order
from shop.security.text import ADDRESS_LINE_MAX_LENGTH, CITY_MAX_LENGTH, NAME_MAX_LENGTH
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "",
    "city": "Bristol",
    "postcode": "BS1 5DD",
    "country": "United Kingdom",
    "phone": "",
}


def form(**changes):
    bound = CheckoutDetailsForm({**DETAILS, **changes})
    bound.is_valid()
    return bound


def test_fields_are_collapsed_to_one_clean_line():
    cleaned = form(name="  Grace\r\n\tHopper\u202e ", line1="1\x00 Harbour\n\nRoad", city="Bris\u200btol").cleaned_data
    assert (cleaned["name"], cleaned["line1"], cleaned["city"]) == ("Grace Hopper", "1 Harbour Road", "Bristol")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Visit www.cheap-pills.example"),
        ("name", "Grace https://spam.example"),
        ("name", "Call 0800 123 4567 now"),
        ("name", "x"),
        ("line1", "1 Road http://spam.example/win"),
        ("line2", "see cheap-pills.com"),
        ("city", "www.spam"),
    ],
)
def test_links_phone_numbers_and_non_names_are_refused(field, value):
    assert field in form(**{field: value}).errors


@pytest.mark.parametrize(
    ("field", "limit"), [("name", NAME_MAX_LENGTH), ("line1", ADDRESS_LINE_MAX_LENGTH), ("city", CITY_MAX_LENGTH)]
)
def test_each_field_has_a_courier_label_length(field, limit):
    assert field not in form(**{field: "A" * limit}).errors
    assert field in form(**{field: "A" * (limit + 1)}).errors


def test_the_length_is_counted_after_the_clean_up():
    assert "name" not in form(name="Grace" + " " * 200 + "Hopper").errors


def test_the_consent_box_is_unticked_unless_ticked(client):
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    page = client.get(reverse("checkout:start")).text
    box = re.search(r'<input type="checkbox" name="marketing_consent"[^>]*>', page).group(0)
    assert "checked" not in box
    assert form().cleaned_data["marketing_consent"] is False


def test_the_confirmation_email_quotes_the_cleaned_text(client, django_capture_on_commit_callbacks):
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    client.post(reverse("checkout:start"), {**DETAILS, "name": "Grace\r\nHopper\u202e", "line1": "1\tHarbour   Road"})
    review = client.get(reverse("checkout:review")).text
    fields = {
        name: re.search(rf'name="{name}" value="([^"]+)"', review).group(1) for name in ("idempotency_key", "expected_total")
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checkout:place"), {**fields, "payment_method": "bank_transfer"})

    order = Order.objects.get()
    assert (order.shipping_name, order.shipping_line1) == ("Grace Hopper", "1 Harbour Road")
    [message] = mail.outbox
    assert "Thank you for your order, Grace Hopper!" in message.body
    assert "\u202e" not in message.body and "1 Harbour Road" in message.body
