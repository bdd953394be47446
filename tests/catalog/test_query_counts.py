"""Each storefront page costs a fixed number of queries, however many products it shows."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import selectors
from recommendations.caching import LocalLRU

from tests.factories import (
    AttributeFactory,
    CategoryFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db

# Anonymous visitor, cold cache: each page includes the one read of the category tree
# (header nav and breadcrumbs) that is cached afterwards.
# Home: 5 with featured products, 6 when it falls back to best sellers; then the first visit's
# "Today's bestsellers" block: the day's best sellers and the all-time top-up (both cached a
# few minutes), their fresh read and one display read (products, pictures, attributes).
MAX_QUERIES = {"home": 12, "category": 4, "search": 4, "product": 4}


def stock_shop(*, products: int, category=None, with_images: bool = True):
    category = category or CategoryFactory(is_featured=True)
    attributes = [AttributeFactory(), AttributeFactory()]
    made = []
    for number in range(products):
        product = ProductFactory(
            category=category, name=f"Lantern {number}", is_featured=number % 2 == 0, stock=number % 4
        )
        if with_images and number % 3:
            ProductImageFactory(product=product)
            ProductImageFactory(product=product, position=1)
        for attribute in attributes:
            ProductAttributeValueFactory(product=product, attribute=attribute, value=str(number))
        made.append(product)
    return category, made


def queries_for(client, url, params=None) -> int:
    cache.clear()
    LocalLRU.clear_all()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["home", "category", "search"])
def test_listing_pages_cost_the_same_with_3_or_30_products(client, settings, page, django_assert_max_num_queries):
    settings.PRODUCTS_PER_PAGE = 40
    small_category, _ = stock_shop(products=3)
    big_category, _ = stock_shop(products=30)
    urls = {
        "home": (reverse("home"), None, None),
        "category": (small_category.get_absolute_url(), big_category.get_absolute_url(), None),
        "search": (reverse("catalog:search"), None, {"q": "lantern"}),
    }
    small_url, big_url, params = urls[page]

    small = queries_for(client, small_url, params)
    big = queries_for(client, big_url or small_url, params)

    assert big == small
    cache.clear()
    LocalLRU.clear_all()
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        client.get(big_url or small_url, params or {})


def test_product_page_costs_the_same_with_many_images_and_attributes(
    client, django_assert_max_num_queries
):
    category, products = stock_shop(products=30)
    small_category = CategoryFactory()
    lonely = ProductFactory(category=small_category)
    ProductFactory(category=small_category)  # something for the recommendation blocks to show
    busy = products[1]
    for position in range(2, 8):
        ProductImageFactory(product=busy, position=position)

    # The whole page, recommendation blocks included, does not grow with what it shows.
    assert queries_for(client, lonely.get_absolute_url()) == queries_for(client, busy.get_absolute_url())

    # The catalog's own share (the recommendation slots count theirs in tests/recommendations):
    # product with its category, images, attribute values, category tree.
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES["product"]):
        product = selectors.product_for_page(slug=busy.slug)
        selectors.category_tree()
        assert len(product.images.all()) == 8
        assert len(product.attribute_values.all()) == 2


def test_a_warm_category_tree_saves_a_query(client, settings):
    settings.FRAGMENT_CACHE = False
    category, _ = stock_shop(products=3)
    cold = queries_for(client, category.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        client.get(category.get_absolute_url())
    assert len(captured) == cold - 1


@pytest.mark.parametrize("page", ["home", "category"])
def test_a_listing_served_from_its_cached_fragment_costs_no_query(client, page):
    category, _ = stock_shop(products=30)
    url = reverse("home") if page == "home" else category.get_absolute_url()
    first = client.get(url).content.decode()

    with CaptureQueriesContext(connection) as captured:
        again = client.get(url).content.decode()

    assert len(captured) == 0
    assert _without_csrf(again) == _without_csrf(first)


def _without_csrf(html: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
