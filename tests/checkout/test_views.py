import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from catalog.models import Product
from shop.cart.models import CartLine
from shop.orders.models import Order
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "line2": "",
    "city": "Bristol",
    "postcode": "bs1 5dd",
    "country": "United Kingdom",
    "phone": "",
}


def add(client, product, quantity=1):
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": quantity})


def review_form(client):
    response = client.get(reverse("checkout:review"))
    assert response.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', response.text).group(1)
    total = re.search(r'name="expected_total" value="([^"]+)"', response.text).group(1)
    return {"idempotency_key": key, "expected_total": total, "payment_method": "bank_transfer"}


def last_message(response):
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def test_a_guest_checks_out_and_lands_on_the_confirmation(client, django_capture_on_commit_callbacks):
    product = ProductFactory(name="Vintage Doily", price=Decimal("12.00"), stock=4)
    add(client, product, 2)

    response = client.post(reverse("checkout:start"), DETAILS)
    assert response.url == reverse("checkout:review")
    form = review_form(client)
    assert form["expected_total"] == "28.95"  # 24.00 + 4.95 delivery
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("checkout:place"), form)

    order = Order.objects.get()
    assert response.url == order.get_confirmation_url()
    assert (order.email, order.shipping_postcode, order.user) == ("grace@example.com", "BS1 5DD", None)
    assert order.total == Decimal("28.95")
    assert Product.objects.get(pk=product.pk).stock == 2
    page = client.get(response.url)
    assert order.number in page.text and "Vintage Doily" in page.text and "How to pay" in page.text
    assert len(mail.outbox) == 1
    assert client.get(reverse("cart:detail")).text.count("data-line=") == 0


def test_the_email_typed_at_checkout_is_kept_on_the_cart_for_a_reminder(client):
    from shop.cart.models import Cart

    add(client, ProductFactory())

    client.post(reverse("checkout:start"), DETAILS)

    assert Cart.objects.get().email == "grace@example.com"


def test_submitting_the_place_order_form_twice_gives_one_order(client):
    add(client, ProductFactory(stock=5))
    client.post(reverse("checkout:start"), DETAILS)
    form = review_form(client)
    first = client.post(reverse("checkout:place"), form)
    second = client.post(reverse("checkout:place"), form)
    assert Order.objects.count() == 1
    assert first.url == second.url == Order.objects.get().get_confirmation_url()


def test_a_signed_in_customer_checks_out_with_their_email_prefilled_and_owns_the_order(client):
    user = UserFactory(email="linus@example.com")
    client.force_login(user)
    add(client, ProductFactory())
    page = client.get(reverse("checkout:start"))
    assert 'value="linus@example.com"' in page.text
    client.post(reverse("checkout:start"), {**DETAILS, "email": "linus@example.com"})
    client.post(reverse("checkout:place"), review_form(client))
    assert Order.objects.get().user == user


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("postcode", "12345", "valid UK postcode"),
        ("postcode", "SW1A 1A", "valid UK postcode"),
        ("email", "not-an-email", "valid email"),
        ("name", "", "required"),
        ("line1", "", "required"),
        ("phone", "call me maybe", "digits"),
        ("country", "Narnia", "valid choice"),
    ],
)
def test_invalid_delivery_details_show_an_error_and_store_nothing(client, field, value, error):
    add(client, ProductFactory())
    response = client.post(reverse("checkout:start"), {**DETAILS, field: value})
    assert response.status_code == 200
    assert error in response.text
    assert "checkout_details" not in client.session


def test_a_non_uk_postcode_is_not_held_to_the_uk_format(client):
    add(client, ProductFactory())
    response = client.post(reverse("checkout:start"), {**DETAILS, "country": "Ireland", "postcode": "D02 X285"})
    assert response.url == reverse("checkout:review")


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    for name in ("checkout:start", "checkout:review"):
        response = client.get(reverse(name))
        assert response.url == reverse("cart:detail")


def test_the_review_needs_the_details_first(client):
    add(client, ProductFactory())
    assert client.get(reverse("checkout:review")).url == reverse("checkout:start")


def test_a_tampered_place_order_form_places_nothing(client):
    add(client, ProductFactory())
    client.post(reverse("checkout:start"), DETAILS)
    form = review_form(client)
    for tampered in (
        {**form, "idempotency_key": ""},
        {**form, "idempotency_key": "short"},
        {**form, "payment_method": "free"},
        {**form, "expected_total": "abc"},
    ):
        response = client.post(reverse("checkout:place"), tampered)
        assert response.url == reverse("checkout:review")
    assert not Order.objects.exists()


def test_a_lowered_posted_total_does_not_lower_the_price(client):
    add(client, ProductFactory(price=Decimal("30.00")))
    client.post(reverse("checkout:start"), DETAILS)
    form = review_form(client)
    response = client.post(reverse("checkout:place"), {**form, "expected_total": "0.01"})
    assert response.url == reverse("checkout:review")
    assert "Prices have changed" in last_message(response)
    assert not Order.objects.exists()


def test_placing_an_order_for_an_item_that_sold_out_meanwhile_is_refused_clearly(client):
    product = ProductFactory(stock=2)
    add(client, product, 2)
    client.post(reverse("checkout:start"), DETAILS)
    form = review_form(client)
    Product.objects.filter(pk=product.pk).update(stock=1)
    response = client.post(reverse("checkout:place"), form)
    assert response.url == reverse("cart:detail")
    assert "Only 1 available" in last_message(response)
    assert not Order.objects.exists()


def test_place_order_needs_post(client):
    assert client.get(reverse("checkout:place")).status_code == 405


# The review page includes the add-ons block (its own constant queries): the budget covers
# it. The count for 15 lines may not exceed the count for one. Both pages read the lines'
# service add-ons and what each item is offered (three queries; a fourth for the category
# parents when they are not cached).
DETAILS_QUERY_BUDGET = 11
REVIEW_QUERY_BUDGET = 25


def test_checkout_pages_query_counts_do_not_grow_with_lines(client, django_assert_max_num_queries):
    counts = {}
    for line_count in (1, 15):
        while CartLine.objects.count() < line_count:
            add(client, ProductFactory())
        with django_assert_max_num_queries(DETAILS_QUERY_BUDGET) as start:
            assert client.get(reverse("checkout:start")).status_code == 200
        client.post(reverse("checkout:start"), DETAILS)
        with django_assert_max_num_queries(REVIEW_QUERY_BUDGET) as review:
            assert client.get(reverse("checkout:review")).status_code == 200
        counts[line_count] = (len(start), len(review))
    assert counts[15][0] <= counts[1][0], counts
    assert counts[15][1] <= counts[1][1], counts


def test_the_review_template_has_the_addons_slot():
    source = (Path(settings.BASE_DIR) / "templates/checkout/review.html").read_text()
    assert "{# slot:checkout-addons #}" in source
