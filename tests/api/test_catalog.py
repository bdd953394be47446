"""The catalog over the API: categories, listings (filters, sort, pages), product details."""

from decimal import Decimal

import pytest

from catalog.selectors import category_tree_invalidate
from tests.api.conftest import count_queries
from tests.factories import (
    AttributeFactory,
    CategoryFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db


def test_categories_lists_the_visible_tree_parents_first(app):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", position=0)
    kettles = CategoryFactory(name="Kettles", slug="kettles", parent=kitchen)
    hidden = CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    CategoryFactory(name="Under hidden", slug="under-hidden", parent=hidden)
    category_tree_invalidate()

    response = app.get("/categories")

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert set(rows) == {"kitchen", "kettles"}
    assert rows["kettles"]["parent_id"] == kitchen.pk and rows["kettles"]["id"] == kettles.pk
    assert rows["kitchen"]["url"] == "http://testserver/category/kitchen/"


def test_products_lists_a_category_with_its_subcategories_sorted_and_paginated(app):
    kitchen = CategoryFactory(slug="kitchen")
    kettles = CategoryFactory(slug="kettles", parent=kitchen)
    for price in ("3.00", "1.00", "2.00"):
        ProductFactory(category=kettles, price=Decimal(price))
    ProductFactory(category=CategoryFactory(slug="garden"))
    ProductFactory(category=kettles, is_active=False)

    response = app.get("/products", {"category": "kitchen", "sort": "price-asc", "page_size": 2})

    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["pages"], body["page"]) == (3, 2, 1)
    assert [item["price"] for item in body["items"]] == ["1.00", "2.00"]
    assert app.get("/products", {"category": "kitchen", "sort": "price-asc", "page_size": 2, "page": 2}).json()["items"][0]["price"] == "3.00"


def test_products_filters_by_search_words_price_and_stock(app):
    ProductFactory(name="Blue Enamel Kettle", price=Decimal("30.00"))
    ProductFactory(name="Red Enamel Kettle", price=Decimal("12.00"))
    ProductFactory(name="Enamel Kettle, sold out", price=Decimal("14.00"), stock=0)
    ProductFactory(name="Teapot", price=Decimal("14.00"))

    body = app.get("/products", {"q": "enamel kettle", "max_price": "20", "in_stock": "true"}).json()

    assert [item["name"] for item in body["items"]] == ["Red Enamel Kettle"]
    assert body["items"][0]["stock_state"] == "in" and body["items"][0]["available"] is True


def test_a_product_card_has_money_as_a_string_and_absolute_picture_links(app):
    ProductImageFactory(product=ProductFactory(name="Kettle", price=Decimal("24.5")))

    card = app.get("/products").json()["items"][0]

    assert card["price"] == "24.50" and card["currency"] == "GBP"
    assert card["image"]["thumb"].startswith("http://testserver/media/")
    assert card["url"].startswith("http://testserver/product/")


@pytest.mark.parametrize(
    ("query", "field"),
    [({"sort": "cheapest"}, "sort"), ({"page": 0}, "page"), ({"page_size": 500}, "page_size"), ({"min_price": "lots"}, "min_price")],
)
def test_a_bad_listing_parameter_is_a_400_naming_it(app, query, field):
    response = app.get("/products", query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["field"] for error in body["fields"]] == [field]
    assert body["message"].startswith(field)


def test_an_unknown_category_or_a_page_past_the_end_is_a_404(app):
    ProductFactory()

    unknown = app.get("/products", {"category": "nope"})
    past = app.get("/products", {"page": 3})

    assert (unknown.status_code, unknown.json()["message"]) == (404, "No such category.")
    assert past.status_code == 404 and past.json()["message"] == "There is no page 3: the listing has 1."


def test_product_detail_by_id_and_by_slug_with_attributes_pictures_and_breadcrumbs(app):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    kettles = CategoryFactory(name="Kettles", slug="kettles", parent=kitchen)
    kettle = ProductFactory(name="Kettle", slug="kettle", category=kettles, description="Boils.")
    ProductImageFactory(product=kettle, alt="A kettle")
    ProductAttributeValueFactory(product=kettle, attribute=AttributeFactory(name="Capacity", unit="l"), value="1.7")

    by_id = app.get(f"/products/{kettle.pk}").json()
    by_slug = app.get("/products/by-slug/kettle").json()

    assert by_id == by_slug
    assert by_id["description"] == "Boils."
    assert by_id["attributes"] == [{"name": "Capacity", "value": "1.7", "unit": "l"}]
    assert by_id["images"][0]["alt"] == "A kettle"
    assert [crumb["slug"] for crumb in by_id["breadcrumbs"]] == ["kitchen", "kettles"]


def test_an_inactive_or_unknown_product_is_a_404_as_its_page_is(app):
    hidden = ProductFactory(is_active=False)

    assert app.get(f"/products/{hidden.pk}").status_code == 404
    response = app.get("/products/by-slug/no-such-thing")
    assert response.status_code == 404 and response.json() == {"code": "not_found", "message": "No such product.", "fields": []}


def test_catalog_queries_do_not_grow_with_the_number_of_products(app, django_assert_max_num_queries):
    category = CategoryFactory(slug="things")
    ProductFactory.create_batch(2, category=category)
    few = count_queries(lambda: app.get("/products", {"category": "things"}))
    ProductFactory.create_batch(40, category=category)
    many = count_queries(lambda: app.get("/products", {"category": "things", "page_size": 40}))

    assert few == many
    with django_assert_max_num_queries(4):
        app.get("/products", {"q": "product", "page_size": 40})
    product = ProductFactory(category=category)
    for _ in range(6):
        ProductImageFactory(product=product)
    with django_assert_max_num_queries(4):
        assert app.get(f"/products/{product.pk}").status_code == 200
    with django_assert_max_num_queries(1):
        app.get("/categories")
