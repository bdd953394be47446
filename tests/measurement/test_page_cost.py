"""Recording must not slow pages: the product page costs the same whatever it shows."""

import pytest
from django.test import Client

from recommendations.measurement.models import Event
from tests.factories import ComplementFactory, ProductFactory

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def _product_with_complements(count: int):
    product = ProductFactory()
    for _ in range(count):
        ComplementFactory(product=product, complement=ProductFactory())
    return product


def _inserts_into_events(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith('INSERT INTO "measurement_event"'))


def test_the_product_page_query_count_does_not_grow_with_the_recommendations_shown(
    shopper, django_assert_max_num_queries
):
    one, three = _product_with_complements(1), _product_with_complements(3)
    # The visitor's first request assigns the group; both measured pages then show a "Recently
    # viewed" block of products whose display copies are cached.
    seen = _product_with_complements(0)
    shopper.get(seen.get_absolute_url())
    with django_assert_max_num_queries(40) as few:
        assert shopper.get(one.get_absolute_url()).status_code == 200
    cost_with_one = len(few.captured_queries)  # read now: each request resets the log
    shopper.get(seen.get_absolute_url())
    with django_assert_max_num_queries(cost_with_one) as many:
        assert shopper.get(three.get_absolute_url()).status_code == 200
    assert _inserts_into_events(many.captured_queries) == 1
    shown = Event.objects.filter(kind=Event.Kind.IMPRESSION, anchor=three, placement="product_fbt")
    assert shown.count() == 3
    assert shown.values("view_id").distinct().count() == 1


def _cart_with(shopper, lines: int):
    for _ in range(lines):
        product = ProductFactory()
        ComplementFactory(product=product, complement=ProductFactory())
        shopper.post("/cart/add/", {"product": product.pk, "quantity": 1})


def test_the_cart_page_writes_its_impressions_once_whatever_the_number_of_lines(shopper, django_assert_max_num_queries):
    _cart_with(shopper, 2)
    shopper.get("/cart/")
    with django_assert_max_num_queries(40) as two_lines:
        shopper.get("/cart/")
    cost_with_two_lines = len(two_lines.captured_queries)  # read now: each request resets the log
    other = Client(HTTP_USER_AGENT=BROWSER_UA)
    _cart_with(other, 4)
    other.get("/cart/")
    with django_assert_max_num_queries(cost_with_two_lines) as four_lines:
        other.get("/cart/")
    assert _inserts_into_events(four_lines.captured_queries) == 1
    complements = Event.objects.filter(kind=Event.Kind.IMPRESSION, placement="cart_complete")
    assert complements.exists()
    assert all(event.anchor_id is not None for event in complements)
