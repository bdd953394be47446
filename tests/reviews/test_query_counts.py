"""Ratings on every card and block cost no query per item, and the reviews section costs the
same with 3 reviews or 40: pages keep a constant number of queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.reviews.models import HelpfulVote
from tests.catalog.test_query_counts import MAX_QUERIES
from tests.measurement.conftest import BROWSER_UA
from tests.factories import CategoryFactory, ComplementFactory, ProductFactory, ReviewFactory, UserFactory

from .conftest import place_order, reviewed

pytestmark = pytest.mark.django_db


def queries(client, url, params=None, *, cold=True) -> int:
    if cold:
        cache.clear()
    else:
        client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def shelf(products: int, *, rated: bool, name: str = "Lantern"):
    category = CategoryFactory(is_featured=True)
    made = ProductFactory.create_batch(products, category=category, name=name)
    if rated:
        for number, product in enumerate(made):
            reviewed(product, *([5, 4, 3][: number % 3 + 1]))
    return category


@pytest.mark.parametrize("listing", ["home", "category", "search"])
def test_listing_pages_cost_the_same_with_30_reviewed_products_as_with_3_unreviewed(
    client, settings, listing, django_assert_max_num_queries
):
    settings.PRODUCTS_PER_PAGE = 40
    few = shelf(3, rated=False, name="Lantern")
    urls = {"home": lambda c: reverse("home"), "category": lambda c: c.get_absolute_url(), "search": lambda c: reverse("catalog:search")}
    url = urls[listing]
    few_params, many_params = ({"q": "lantern"}, {"q": "lamp"}) if listing == "search" else (None, None)

    cost_few = queries(client, url(few), few_params)
    many = shelf(30, rated=True, name="Lamp")  # "Lamp" sorts before "Lantern": these are the home page's now
    cache.clear()  # the category tree learns of the new category on commit, which a test never reaches
    html = client.get(url(many), many_params).content.decode()
    cost_many = queries(client, url(many), many_params)

    assert html.count('class="rating"') >= (8 if listing == "home" else 30)
    assert cost_many == cost_few
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES[listing]):
        client.get(url(many), many_params)


def test_the_product_page_costs_the_same_with_3_reviews_or_40(client, django_assert_max_num_queries):
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA  # a browser gets a session, so its votes are looked up
    few, many = ProductFactory(), ProductFactory()
    reviewed(few, 5, 4, 3)
    reviews = reviewed(many, *([5, 4, 3, 2, 1] * 8))
    HelpfulVote.objects.create(review=reviews[0], voter="session:someone")
    # A first visit writes nothing; a visitor who starts a cart has a session, so their votes are looked up.
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    # They looked at another product first: every page measured has the same "Recently viewed"
    # block (its items come from the visitor's cookie), whichever they see first.
    client.get(ProductFactory().get_absolute_url())

    assert queries(client, few.get_absolute_url()) == queries(client, many.get_absolute_url())
    # Anonymous, warm: the reviews section adds two queries (the page of reviews, the visitor's votes).
    warm_few, warm_many = queries(client, few.get_absolute_url(), cold=False), queries(client, many.get_absolute_url(), cold=False)
    assert warm_few == warm_many
    unreviewed = ProductFactory()
    assert queries(client, unreviewed.get_absolute_url(), cold=False) == warm_many - 2
    # Another page of reviews is another URL: its first render fills its own cached fragment.
    client.get(many.get_absolute_url(), {"reviews": "helpful", "reviews_page": 3})
    with django_assert_max_num_queries(warm_many):
        client.get(many.get_absolute_url(), {"reviews": "helpful", "reviews_page": 3})


def test_the_product_page_costs_a_signed_in_buyer_the_same_with_3_reviews_or_40(client):
    customer = UserFactory()
    few, many, mine_few, mine_many = ProductFactory.create_batch(4)
    for product in (few, many, mine_few, mine_many):
        place_order(product=product, user=customer)
    for product, ratings in ((few, [5, 4, 3]), (many, [5, 4, 3, 2, 1] * 8), (mine_few, [4, 4]), (mine_many, [2, 3] * 20)):
        reviewed(product, *ratings)
    ReviewFactory(product=mine_few, user=customer, status="pending")
    ReviewFactory(product=mine_many, user=customer)
    client.force_login(customer)

    # May write one (own review looked up, then the purchase) / wrote one (own review only).
    assert queries(client, few.get_absolute_url(), cold=False) == queries(client, many.get_absolute_url(), cold=False)
    assert queries(client, mine_few.get_absolute_url(), cold=False) == queries(client, mine_many.get_absolute_url(), cold=False)


def test_ratings_in_recommendation_blocks_cost_nothing_per_item(client):
    def anchor_with_complements(*, rated: bool):
        anchor = ProductFactory()
        for _ in range(3):
            complement = ProductFactory()
            ComplementFactory(product=anchor, complement=complement)
            if rated:
                reviewed(complement, 5, 4)
        return anchor

    plain, rated = anchor_with_complements(rated=False), anchor_with_complements(rated=True)

    html = client.get(rated.get_absolute_url()).content.decode()
    assert html.count("rating-compact") == 3
    assert queries(client, plain.get_absolute_url(), cold=False) == queries(client, rated.get_absolute_url(), cold=False)


def test_the_cart_page_costs_the_same_with_reviewed_recommendations(client):
    def cart_with(visitor, *, rated: bool):
        for _ in range(3):
            product, complement = ProductFactory(), ProductFactory()
            ComplementFactory(product=product, complement=complement)
            if rated:
                reviewed(complement, 4, 5)
            visitor.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})

    plain, rated = Client(), Client()
    cart_with(plain, rated=False)
    cart_with(rated, rated=True)

    assert "rating-compact" in rated.get(reverse("cart:detail")).content.decode()
    assert queries(plain, reverse("cart:detail"), cold=False) == queries(rated, reverse("cart:detail"), cold=False)
