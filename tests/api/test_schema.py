"""The OpenAPI document and the docs page, and JSON for every answer under /api/."""

import re

import pytest
from django.test import Client

from tests.api.conftest import HUMAN, App

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_every_endpoint_and_the_three_ways_in(app):
    schema = app.get("/openapi.json").json()

    assert schema["info"]["title"] == "Tandem API" and schema["info"]["version"] == "1"
    assert {
        "/api/v1/categories", "/api/v1/products", "/api/v1/products/{product_id}", "/api/v1/cart", "/api/v1/cart/items",
        "/api/v1/cart/items/{line_id}", "/api/v1/cart/fbt", "/api/v1/cart/upgrades", "/api/v1/cart/bundles",
        "/api/v1/products/{product_id}/fbt", "/api/v1/products/{product_id}/recommendations", "/api/v1/cart/recommendations",
        "/api/v1/checkout/addons", "/api/v1/recommendations/also-bought", "/api/v1/recommendations/clicks",
    } <= set(schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "sessionToken", "sessionCookie"}
    assert {} in schema["security"]
    price = schema["components"]["schemas"]["ProductCard"]["properties"]["price"]
    assert price["type"] == "string"


def test_the_docs_page_uses_the_shops_own_static_files_and_sends_the_csrf_token():
    browser = Client(HTTP_USER_AGENT=HUMAN)

    response = browser.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert re.search(r'data-csrf-token="\w+"', html)


def test_an_unknown_path_or_method_answers_json():
    app = App()

    missing = app.get("/no-such-thing")
    wrong = app.request("put", "/cart/items")

    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert "POST" in wrong.json()["message"]
