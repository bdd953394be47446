"""The cart over the API: the pages' services and rules, JSON in and out, nothing changed
by a refused request."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shop.cart.models import Cart, CartLine
from tests.api.conftest import HUMAN, App, count_queries
from tests.factories import CartFactory, CartLineFactory, CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_without_a_cart_reads_an_empty_one_and_no_cart_is_made(app):
    response = app.get("/cart")

    assert response.status_code == 200
    body = response.json()
    assert body["lines"] == [] and body["item_count"] == 0 and body["totals"]["total"] == "0.00"
    assert not Cart.objects.exists()


def test_a_guests_first_add_makes_the_cart_and_returns_its_session_token_not_a_cookie(app):
    kettle = ProductFactory(name="Kettle", price=Decimal("20.00"))

    response = app.post("/cart/items", {"product": kettle.pk, "quantity": 2})

    assert response.status_code == 201
    assert response["X-Session-Token"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    body = response.json()
    assert [(line["product"]["name"], line["quantity"], line["line_total"]) for line in body["lines"]] == [("Kettle", 2, "40.00")]
    assert body["totals"]["shipping"] == "4.95" and body["totals"]["total"] == "44.95"
    assert Cart.objects.get().session_key == response["X-Session-Token"]


def test_the_guest_finds_the_same_cart_with_the_token_and_another_app_does_not(app):
    kettle = ProductFactory()
    app.post("/cart/items", {"product": kettle.pk})

    assert app.get("/cart").json()["item_count"] == 1
    assert App().get("/cart").json()["item_count"] == 0


def test_adding_again_sums_with_the_line_and_quantities_can_be_changed_and_removed(app):
    kettle, mug = ProductFactory(stock=10), ProductFactory()
    app.post("/cart/items", {"product": kettle.pk})
    app.post("/cart/items", {"product": kettle.pk, "quantity": 2})
    body = app.post("/cart/items", {"product": mug.pk}).json()
    kettle_line = next(line for line in body["lines"] if line["product"]["id"] == kettle.pk)
    assert kettle_line["quantity"] == 3

    changed = app.patch(f"/cart/items/{kettle_line['id']}", {"quantity": 5})
    assert changed.status_code == 200
    assert next(line["quantity"] for line in changed.json()["lines"] if line["id"] == kettle_line["id"]) == 5

    removed = app.delete(f"/cart/items/{kettle_line['id']}")
    assert removed.status_code == 200
    assert [line["product"]["id"] for line in removed.json()["lines"]] == [mug.pk]


def test_an_unknown_product_is_a_400_naming_the_field_in_the_pages_words(app):
    response = app.post("/cart/items", {"product": 999999})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "That product doesn't exist.",
        "fields": [{"field": "product", "code": "invalid_choice", "message": "That product doesn't exist."}],
    }
    assert not Cart.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"product": "kettle"}, "product", "product must be a whole number."),
        ({}, "product", "product is required."),
        ({"product": 1, "quantity": 0}, "quantity", "Please choose a quantity of at least 1."),
        ({"product": 1, "quantity": 100}, "quantity", "You can buy at most 99 at a time."),
    ],
)
def test_malformed_input_is_a_400_with_a_plain_message_and_changes_nothing(app, body, field, message):
    ProductFactory(pk=1)

    response = app.post("/cart/items", body)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert [error["field"] for error in response.json()["fields"]] == [field]
    assert not CartLine.objects.exists()


def test_a_body_that_is_not_json_or_missing_is_a_400(app):
    broken = app.client.post("/api/v1/cart/items", data="{nope", content_type="application/json")
    missing = app.post("/cart/items")

    assert broken.status_code == missing.status_code == 400
    assert broken.json()["message"] == "The request body isn't valid JSON."
    assert missing.json()["message"] == "The request needs a JSON body."


def test_an_out_of_stock_product_is_a_409_and_changes_nothing(app):
    kettle = ProductFactory(name="Kettle", stock=0)

    response = app.post("/cart/items", {"product": kettle.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "unavailable"
    assert "Kettle" in response.json()["message"]
    assert not Cart.objects.exists()


def test_more_than_the_stock_is_refused_with_what_is_left_and_the_line_is_unchanged(app):
    kettle = ProductFactory(name="Kettle", stock=3)
    app.post("/cart/items", {"product": kettle.pk, "quantity": 2})

    response = app.post("/cart/items", {"product": kettle.pk, "quantity": 2})

    assert response.status_code == 409
    assert response.json() == {
        "code": "quantity",
        "message": "You already have 2 of “Kettle” in your cart; 1 more can be added.",
        "fields": [],
    }
    assert CartLine.objects.get().quantity == 2


def test_the_cart_cap_applies_to_the_api_as_to_the_pages(app, settings):
    settings.MAX_CART_LINES = 2
    first, second, third = ProductFactory.create_batch(3)
    app.post("/cart/items", {"product": first.pk})
    app.post("/cart/items", {"product": second.pk})

    response = app.post("/cart/items", {"product": third.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_lines"
    assert "up to 2 different items" in response.json()["message"]
    assert CartLine.objects.count() == 2


def test_a_line_of_someone_elses_cart_is_not_found_and_left_alone(app):
    app.post("/cart/items", {"product": ProductFactory().pk})
    stranger = CartLineFactory(cart=CartFactory(), quantity=1)

    changed = app.patch(f"/cart/items/{stranger.pk}", {"quantity": 3})
    removed = app.delete(f"/cart/items/{stranger.pk}")

    assert changed.status_code == removed.status_code == 404
    assert changed.json()["message"] == "That item is not in your cart."
    stranger.refresh_from_db()
    assert stranger.quantity == 1


def test_changing_a_line_without_any_cart_is_a_404(app):
    assert app.patch("/cart/items/12", {"quantity": 2}).status_code == 404


def test_an_api_add_lands_in_the_same_cart_the_cart_page_shows():
    kettle = ProductFactory(name="Enamel Kettle")
    client = Client(HTTP_USER_AGENT=HUMAN)
    client.get("/")  # a first visit: the visitor cookie, no session yet (the add opens it)

    response = client.post("/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json")

    assert response.status_code == 201
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert "Enamel Kettle" in client.get(reverse("cart:detail")).content.decode()


def test_the_cart_reads_in_constant_queries_whatever_its_size(django_assert_max_num_queries):
    category = CategoryFactory()
    small, big = App(), App()
    for product in ProductFactory.create_batch(2, category=category):
        small.post("/cart/items", {"product": product.pk})
    for product in ProductFactory.create_batch(12, category=category):
        big.post("/cart/items", {"product": product.pk})

    assert count_queries(lambda: small.get("/cart")) == count_queries(lambda: big.get("/cart"))
    # The cart, its lines with their products, and their service add-ons (taken, offered, and
    # the categories they are offered with).
    with django_assert_max_num_queries(7):
        big.get("/cart")


def test_a_cart_write_takes_constant_queries_whatever_the_cart_size(django_assert_max_num_queries):
    category = CategoryFactory()
    small, big = App(), App()
    for product in ProductFactory.create_batch(2, category=category):
        small.post("/cart/items", {"product": product.pk})
    for product in ProductFactory.create_batch(12, category=category):
        big.post("/cart/items", {"product": product.pk})
    extra = ProductFactory(category=category, stock=99)

    assert count_queries(lambda: small.post("/cart/items", {"product": extra.pk})) == count_queries(
        lambda: big.post("/cart/items", {"product": extra.pk})
    )
    line = CartLine.objects.get(product=extra, cart__session_key=big.session_token)
    with django_assert_max_num_queries(16):
        assert big.patch(f"/cart/items/{line.pk}", {"quantity": 4}).status_code == 200
