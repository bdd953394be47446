"""The personal blocks in their pages: what shoppers see, the holdout, impressions, and page
query counts that do not grow with the history."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations.measurement.holdout import VISITOR_COOKIE, visitor_cookie_group
from recommendations.measurement.models import Event
from recommendations.personal.models import ViewedProduct
from shop.cart.models import CartLine
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UpgradeFactory,
    UserFactory,
)

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def hold_out(client):
    session = client.session
    session["rec_group"] = "control"
    session.save()


def impressions(placement):
    return Event.objects.filter(kind=Event.Kind.IMPRESSION, placement=placement)


@pytest.fixture
def shop(publish):
    """Kettles and toasters with partners, each product in its own category."""
    kettle, toaster, descaler, mug, rack, bread = (
        ProductFactory(name=name, category=CategoryFactory(name=f"{name}s"), sales_count=sales)
        for name, sales in (("Kettle", 5), ("Toaster", 4), ("Descaler", 30), ("Mug", 20), ("Toast rack", 10), ("Bread bin", 1))
    )
    publish({kettle: [(descaler, 50, 100, 80), (mug, 30, 100, 90)], toaster: [(rack, 60, 100, 70), (bread, 20, 100, 50)]})
    # What the home page's own grids show (featured, new in).
    ProductFactory(name="Featured lamp", is_featured=True)
    ProductFactory.create_batch(4)
    return kettle, toaster, descaler, mug, rack, bread


def test_a_first_visit_to_the_home_page_shows_the_best_sellers(shopper, shop):
    html = html_of(shopper, "/")

    assert "Our bestsellers" in html and "Recommended for you" not in html
    assert impressions("home_bestsellers").count() >= 1


def test_the_home_pages_blocks_never_repeat_its_own_grids(shopper, shop):
    kettle, toaster, descaler, *_ = shop
    descaler.is_featured = True
    descaler.save()

    html_of(shopper, "/")
    shopper.get(kettle.get_absolute_url())
    html_of(shopper, "/")

    assert not impressions("home_bestsellers").filter(product=descaler).exists()
    assert impressions("home_for_you").exists()
    assert not impressions("home_for_you").filter(product=descaler).exists()


def test_a_returning_visitor_sees_recommended_for_you_and_recently_viewed(shopper, shop):
    kettle, toaster, descaler, mug, rack, bread = shop
    shopper.get(kettle.get_absolute_url())
    shopper.get(toaster.get_absolute_url())

    html = html_of(shopper, "/")

    assert "Recommended for you" in html and "Recently viewed" in html
    assert "Goes with the Toaster you viewed" in html
    assert html.index("Recommended for you") < html.index("Recently viewed")
    assert set(impressions("home_for_you").values_list("product_id", flat=True)) >= {rack.pk, descaler.pk}
    assert set(impressions("home_recent").values_list("product_id", flat=True)) == {kettle.pk, toaster.pk}
    # Counted for the visitor their cookie names, though they never had a session.
    visitor_key, _ = visitor_cookie_group(shopper.cookies[VISITOR_COOKIE].value)
    assert set(impressions("home_for_you").values_list("visitor_key", flat=True)) == {visitor_key}
    assert "sessionid" not in shopper.cookies


def test_the_product_page_shows_recently_viewed_without_itself(shopper, shop):
    kettle, toaster, *_ = shop
    shopper.get(kettle.get_absolute_url())

    html = html_of(shopper, toaster.get_absolute_url())

    assert "Recently viewed" in html
    assert list(impressions("product_recent").values_list("product_id", flat=True)) == [kettle.pk]


def test_the_cart_shows_recently_viewed_even_when_empty_but_never_what_is_in_it(shopper, shop):
    kettle, toaster, *_ = shop
    shopper.get(kettle.get_absolute_url())
    shopper.get(toaster.get_absolute_url())

    assert "Recently viewed" in html_of(shopper, reverse("cart:detail"))
    shopper.post(reverse("cart:add"), {"product": toaster.pk, "quantity": 1})
    html_of(shopper, reverse("cart:detail"))

    assert set(impressions("cart_recent").values_list("product_id", flat=True)) == {kettle.pk, toaster.pk}
    assert list(impressions("cart_recent").order_by("-id").values_list("product_id", flat=True)[:1]) == [kettle.pk]


def test_my_account_shows_inspired_by_your_orders(client, shop):
    kettle, toaster, descaler, mug, rack, bread = shop
    user = UserFactory()
    OrderLineFactory(order=OrderFactory(user=user, placed_at=timezone.now() - timedelta(days=2)), product=kettle)
    client.force_login(user)

    html = html_of(client, reverse("accounts:orders"))

    assert "Inspired by your orders" in html and "Goes with your Kettle" in html
    assert 'data-rec-block="account_inspired"' in html


def test_the_home_page_offers_an_upgrade_of_what_they_bought_months_ago(client, settings):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    toaster = ProductFactory(name="Two-slice toaster", price=Decimal("25.00"))
    better = ProductFactory(name="Four-slice toaster", price=Decimal("35.00"))
    UpgradeFactory(product=toaster, upgrade=better, pitch="Breakfast for four")
    user = UserFactory()
    OrderLineFactory(order=OrderFactory(user=user, placed_at=timezone.now() - timedelta(days=130)), product=toaster)
    client.force_login(user)
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA

    html = html_of(client, "/")

    assert "Upgrade what you own" in html and "You bought the Two-slice toaster 4\xa0months ago" in html
    assert "Four-slice toaster" in html and "+£10.00" in html and "Breakfast for four" in html
    # The add through the offer's own form (its signed origin) is credited to the placement.
    offer = html[html.index('data-rec-block="home_upgrade"'):]
    origin = re.search(r'name="rec_origin" value="([^"]+)"', offer).group(1)
    client.post(reverse("recommendations:add"), {"product": better.pk, "rec_origin": origin})
    line = CartLine.objects.get(product=better)
    assert (line.rec_placement, line.rec_anchor_id) == ("home_upgrade", toaster.pk)


@pytest.mark.parametrize("url", ["/", "cart", "account", "product"])
def test_the_holdout_group_sees_none_of_the_personal_blocks(client, shop, url):
    kettle, toaster, *_ = shop
    user = UserFactory()
    OrderLineFactory(order=OrderFactory(user=user), product=kettle)
    client.force_login(user)
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    client.get(kettle.get_absolute_url())
    hold_out(client)
    target = {"/": "/", "cart": reverse("cart:detail"), "account": reverse("accounts:orders"), "product": toaster.get_absolute_url()}[url]

    html = html_of(client, target)

    for title in ("Recently viewed", "Recommended for you", "bestsellers", "Inspired by your orders", "Upgrade what you own"):
        assert title not in html
    assert "data-rec-block" not in html


# Query counts ---------------------------------------------------------------------------------


def count_warm(client, url) -> int:
    client.get(url)  # warm the caches as production would be
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def customer_with_history(*, bought: int, viewed: int):
    """A signed-in customer with `bought` products in orders (one per order, each with a
    partner) and `viewed` recently viewed products."""
    user = UserFactory()
    now = timezone.now()
    for i in range(bought):
        product = ProductFactory(category=CategoryFactory())
        ProductFactory(category=product.category)  # something for the fallbacks
        OrderLineFactory(order=OrderFactory(user=user, email=user.email, placed_at=now - timedelta(days=i + 1)), product=product)
    for i, product in enumerate(ProductFactory.create_batch(viewed)):
        ViewedProduct.objects.create(user=user, product=product, viewed_at=now - timedelta(minutes=i))
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(user)
    return client, user


PAGES = {
    "home": lambda user: "/",
    "account": lambda user: reverse("accounts:orders"),
    "cart": lambda user: reverse("cart:detail"),
    # A product already in the list but not its newest: viewing it is one upsert, no trim.
    "product": lambda user: ViewedProduct.objects.filter(user=user).order_by("-viewed_at")[1].product.get_absolute_url(),
}
# What each page costs a signed-in customer with a history, caches warm (its own reads and
# writes included: the session, the customer, the cart, the page, the history, the blocks).
# The product page's reviews section adds two: its page of reviews, and whether the customer
# bought the product (who may write a review); its service add-on offers two more (the
# services, and the categories they are offered with).
BUDGETS = {"home": 13, "account": 9, "cart": 7, "product": 16}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_customers_page_costs_the_same_with_a_short_or_a_long_history(page, django_assert_max_num_queries):
    few_client, few_user = customer_with_history(bought=2, viewed=2)
    many_client, many_user = customer_with_history(bought=30, viewed=20)

    many_url = PAGES[page](many_user)
    few = count_warm(few_client, PAGES[page](few_user))
    many = count_warm(many_client, many_url)

    assert few == many
    with django_assert_max_num_queries(BUDGETS[page]):
        many_client.get(many_url)


@pytest.mark.parametrize("page", ["home", "cart", "product"])
def test_a_guests_page_costs_the_same_with_few_or_many_products_viewed(page, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 20

    def guest(viewed: int):
        client = Client(HTTP_USER_AGENT=BROWSER_UA)
        products = ProductFactory.create_batch(viewed)
        for product in products:
            client.get(product.get_absolute_url())
        return client, products

    urls = {"home": lambda products: "/", "cart": lambda products: reverse("cart:detail"), "product": lambda products: products[-2].get_absolute_url()}
    (few_client, few_products), (many_client, many_products) = guest(2), guest(25)

    assert count_warm(few_client, urls[page](few_products)) == count_warm(many_client, urls[page](many_products))
