"""The product, category and home pages are served from cached fragments (catalog.fragments):
every write they show is on the page at once, each holdout group sees its own page, and a
page served from the cache is measured like a rendered one."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from catalog.services import StockChange, stock_move
from recommendations.measurement.clicks import click_target_load
from recommendations.measurement.models import Event
from tests.factories import CartFactory, CartLineFactory, CategoryFactory, ComplementFactory, ProductFactory

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fragments_on(settings):
    settings.FRAGMENT_CACHE = True
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0


@pytest.fixture
def shop():
    category = CategoryFactory(name="Kitchen", is_featured=True)
    knife = ProductFactory(name="Chef knife", category=category, price=Decimal("40.00"), stock=50, is_featured=True)
    steel = ProductFactory(name="Honing steel", category=category, price=Decimal("12.00"), stock=50)
    ComplementFactory(product=knife, complement=steel)
    return knife, steel


def page(client, url) -> str:
    return client.get(url, HTTP_USER_AGENT=BROWSER_UA).content.decode()


def fbt_items(html: str) -> list[str]:
    return re.findall(r'class="fbt-item" data-rec-product="(\d+)"', html)


def served_from_cache(client, url) -> bool:
    with CaptureQueriesContext(connection) as captured:
        client.get(url, HTTP_USER_AGENT=BROWSER_UA)
    return not any("catalog_productimage" in q["sql"] for q in captured.captured_queries)


def test_a_product_page_is_served_from_its_fragment_the_second_time(client, shop):
    knife, _ = shop
    first = page(client, knife.get_absolute_url())

    assert served_from_cache(client, knife.get_absolute_url())
    again = page(client, knife.get_absolute_url())
    strip = lambda html: re.sub(r'csrfmiddlewaretoken" value="[^"]+"|/r/[^"/]+', "", html)  # noqa: E731
    assert strip(again) == strip(first)


@pytest.mark.parametrize("where", ["product", "category", "home"])
def test_a_price_change_shows_at_once_on_a_cached_page(client, shop, where):
    knife, steel = shop
    url = {"product": knife.get_absolute_url(), "category": knife.category.get_absolute_url(), "home": "/"}[where]
    page(client, url)
    assert "£40.00" in page(client, url)

    knife.price = Decimal("35.50")
    knife.save()

    html = page(client, url)
    assert "£35.50" in html and "£40.00" not in html


def test_a_price_change_of_a_recommended_item_shows_at_once_in_the_blocks(client, shop):
    knife, steel = shop
    page(client, knife.get_absolute_url())

    Product.objects.filter(pk=steel.pk).update(price=Decimal("9.99"))  # a bulk write, no signal

    html = page(client, knife.get_absolute_url())
    assert "£9.99" in html and "£12.00" not in html


@pytest.mark.parametrize("where", ["product", "category"])
def test_a_stock_change_shows_at_once_on_a_cached_page(client, shop, where):
    knife, _ = shop
    url = knife.get_absolute_url() if where == "product" else knife.category.get_absolute_url()
    page(client, url)

    stock_move(changes=[StockChange(product_id=knife.pk, delta=-48)], kind="adjustment")

    assert "Only 2 left" in page(client, url)
    stock_move(changes=[StockChange(product_id=knife.pk, delta=-2)], kind="adjustment")
    assert "Out of stock" in page(client, url)


def test_a_sold_out_recommendation_leaves_the_cached_block_at_once(client, shop):
    knife, steel = shop
    assert fbt_items(page(client, knife.get_absolute_url())) == [str(steel.pk)]

    stock_move(changes=[StockChange(product_id=steel.pk, delta=-50)], kind="adjustment")

    assert fbt_items(page(client, knife.get_absolute_url())) == []


def test_a_curation_edit_shows_at_once_on_a_cached_product_page(client, shop):
    knife, steel = shop
    assert fbt_items(page(client, knife.get_absolute_url())) == [str(steel.pk)]
    board = ProductFactory(name="Chopping board", category=knife.category, stock=10)

    ComplementFactory(product=knife, complement=board)  # the admin's save sends the signal

    assert str(board.pk) in fbt_items(page(client, knife.get_absolute_url()))


def test_a_snapshot_switch_shows_at_once_on_a_cached_product_page(client, publish):
    kettle = ProductFactory(name="Kettle", stock=10)
    mug, toaster = ProductFactory(name="Mug", stock=10), ProductFactory(name="Toaster", stock=10)
    publish({kettle: [(mug, 50, 100, 80)]})
    assert fbt_items(page(client, kettle.get_absolute_url()))[:1] == [str(mug.pk)]

    publish({kettle: [(toaster, 60, 100, 90)]})

    items = fbt_items(page(client, kettle.get_absolute_url()))
    assert items[:1] == [str(toaster.pk)] and str(mug.pk) not in items


def test_each_holdout_group_sees_its_own_cached_page(client, settings, shop):
    knife, _ = shop
    seen = {}
    for _ in range(2):  # the second round is served from the cache
        for share, group in ((1.0, "holdout"), (0.0, "treatment")):
            settings.RECOMMENDATIONS_HOLDOUT_SHARE = share
            client.cookies.clear()
            seen.setdefault(group, []).append(page(client, knife.get_absolute_url()))
    assert all("data-rec-block" not in html and "Honing steel" not in html for html in seen["holdout"])
    assert all("data-rec-block" in html and "Honing steel" in html for html in seen["treatment"])


def test_a_cart_holding_a_recommended_item_is_not_offered_it_from_the_cache(client, shop):
    knife, steel = shop
    page(client, knife.get_absolute_url())  # cached for a visitor without a cart
    session = client.session
    session.save()
    cart = CartFactory(session_key=session.session_key)
    CartLineFactory(cart=cart, product=steel)

    assert fbt_items(page(client, knife.get_absolute_url())) == []


def test_a_cached_page_records_the_same_impressions_and_names_its_own_visitor_in_links(client, shop):
    knife, _ = shop
    other = type(client)()
    for visitor in (client, other):  # a cookie and a second page: counted visitors
        page(visitor, "/")
    page(client, knife.get_absolute_url())  # rendered
    rendered = sorted(Event.objects.filter(kind=Event.Kind.IMPRESSION).values_list("placement", "product_id", "anchor_id"))
    Event.objects.all().delete()

    html = page(other, knife.get_absolute_url())  # served from the cache

    cached = sorted(Event.objects.filter(kind=Event.Kind.IMPRESSION).values_list("placement", "product_id", "anchor_id"))
    assert cached == rendered and cached
    # The impressions and the links are the visitor's who saw the page, not the first one's.
    visitor_keys = set(Event.objects.values_list("visitor_key", flat=True))
    assert len(visitor_keys) == 1
    tokens = re.findall(r'href="/r/([^/"]+)/"', html)
    assert tokens and {click_target_load(token).shown_to for token in tokens} == visitor_keys


@pytest.fixture
def cart_client(client, shop):
    knife, steel = shop
    session = client.session
    session.save()
    cart = CartFactory(session_key=session.session_key)
    line = CartLineFactory(cart=cart, product=knife, quantity=1)
    return client, cart, line


def test_the_cart_page_shows_a_quantity_change_at_once(cart_client):
    client, cart, line = cart_client
    assert 'value="1" min="1"' in page(client, "/cart/")
    assert served_from_cache(client, "/cart/")

    client.post("/cart/update/", {"line": line.pk, "quantity": 3, "next": "/cart/"}, HTTP_USER_AGENT=BROWSER_UA)

    html = page(client, "/cart/")
    assert 'value="3" min="1"' in html and "£120.00" in html


def test_the_cart_page_shows_a_price_change_at_once(cart_client):
    client, cart, line = cart_client
    assert "£40.00" in page(client, "/cart/")

    Product.objects.filter(pk=line.product_id).update(price=Decimal("44.00"))

    html = page(client, "/cart/")
    assert "£44.00" in html and "£40.00" not in html


def test_each_holdout_group_sees_its_own_cached_cart(cart_client, settings):
    client, cart, line = cart_client
    for _ in range(2):
        for share, blocks in ((1.0, False), (0.0, True)):
            settings.RECOMMENDATIONS_HOLDOUT_SHARE = share
            client.cookies.pop("rec_visitor", None)
            session = client.session
            session.pop("rec_group", None)
            session.save()
            assert ("Honing steel" in page(client, "/cart/")) is blocks


def test_a_published_review_shows_at_once_on_a_cached_product_page(client, shop):
    from catalog.reviews.services import reviews_publish
    from tests.factories import ReviewFactory

    knife, _ = shop
    page(client, knife.get_absolute_url())
    assert served_from_cache(client, knife.get_absolute_url())
    review = ReviewFactory(product=knife, rating=5, status="pending", title="Sharp as anything")

    reviews_publish(reviews=[review])

    assert "Sharp as anything" in page(client, knife.get_absolute_url())


def test_a_renamed_category_shows_at_once_in_the_cached_navigation(client, shop, django_capture_on_commit_callbacks):
    knife, _ = shop
    assert "Kitchen" in page(client, "/")

    with django_capture_on_commit_callbacks(execute=True):  # the category tree is re-read after the commit
        knife.category.name = "Cookware"
        knife.category.save()

    html = page(client, "/")
    assert "Cookware" in html and ">Kitchen<" not in html


def test_a_cart_holding_nothing_the_blocks_offer_is_served_the_cached_page(client, shop):
    knife, steel = shop
    apron = ProductFactory(name="Apron")
    page(client, knife.get_absolute_url())  # cached for a visitor without a cart
    session = client.session
    session.save()
    CartLineFactory(cart=CartFactory(session_key=session.session_key), product=apron)

    assert served_from_cache(client, knife.get_absolute_url())
    assert fbt_items(page(client, knife.get_absolute_url())) == [str(steel.pk)]


def test_the_home_page_never_offers_a_best_seller_already_in_the_cart(client, shop):
    knife, steel = shop
    best = [ProductFactory(name=f"Best {n}", sales_count=100 - n, stock=5) for n in range(3)]
    ProductFactory.create_batch(4, stock=5)  # the "New in" grid, which the blocks leave out
    assert 'data-rec-product="%d"' % best[0].pk in page(client, "/")  # cached for a visitor without a cart
    session = client.session
    session.save()
    CartLineFactory(cart=CartFactory(session_key=session.session_key), product=best[0])

    html = page(client, "/")
    assert re.findall(r'data-rec-product="%d"' % best[0].pk, html) == []
