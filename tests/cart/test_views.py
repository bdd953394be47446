from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.models import Product
from shop.cart.context_processors import cart_summary
from shop.cart.models import Cart, CartLine
from tests.factories import CartLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def add(client, product, quantity=1, **extra):
    return client.post(reverse("cart:add"), {"product": product.pk, "quantity": quantity, **extra})


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response):
    return messages_of(response)[-1]


def test_adding_to_the_cart_redirects_back_with_a_message(client):
    product = ProductFactory(name="Red Enamel Mug", stock=5)
    response = add(client, product, 2, next=product.get_absolute_url())
    assert response.status_code == 302
    assert response.url == product.get_absolute_url()
    assert messages_of(response) == ["Added 2 × “Red Enamel Mug” to your cart."]
    assert CartLine.objects.get().quantity == 2


def test_an_offsite_next_is_ignored_and_the_visitor_lands_on_the_cart(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = add(client, ProductFactory(), next=target)
        assert response.url == reverse("cart:detail")


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "1000000000000", "abc", "2.5", ""])
def test_a_tampered_quantity_is_an_error_and_changes_nothing(client, quantity):
    product = ProductFactory(stock=200)
    response = add(client, product, quantity)
    assert response.status_code == 302
    assert messages_of(response)
    assert not CartLine.objects.exists()


def test_an_unknown_product_is_an_error(client):
    response = client.post(reverse("cart:add"), {"product": "999999", "quantity": 1})
    assert messages_of(response) == ["That product doesn't exist."]
    assert not Cart.objects.exists()


def test_a_posted_price_is_ignored_and_the_cart_shows_the_database_price(client):
    product = ProductFactory(price=Decimal("12.50"))
    add(client, product, 2, price="0.01", unit_price="0.01", total="0.02")
    product.price = Decimal("13.00")
    product.save()
    response = client.get(reverse("cart:detail"))
    assert "£26.00" in response.text
    assert "0.01" not in response.text


def test_cart_changes_need_post(client):
    product = ProductFactory()
    assert client.get(reverse("cart:add"), {"product": product.pk}).status_code == 405
    assert client.get(reverse("cart:update")).status_code == 405
    assert client.get(reverse("cart:remove")).status_code == 405


def test_cart_changes_need_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = add(client, ProductFactory())
    assert response.status_code == 403
    assert not CartLine.objects.exists()


def test_out_of_stock_and_inactive_products_cannot_be_added(client):
    for product in (ProductFactory(stock=0), ProductFactory(is_active=False)):
        response = add(client, product)
        assert "can't be added" in messages_of(response)[0]
    assert not Cart.objects.exists()


def test_updating_and_removing_lines_of_another_visitor_is_refused(client):
    theirs = CartLineFactory(quantity=2)
    add(client, ProductFactory())  # the visitor has a cart of their own
    response = client.post(reverse("cart:update"), {"line": theirs.pk, "quantity": 5})
    assert last_message(response) == "That item is not in your cart."
    response = client.post(reverse("cart:remove"), {"line": theirs.pk})
    assert last_message(response) == "That item is not in your cart."
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def test_a_visitor_without_a_cart_cannot_touch_any_line(client):
    theirs = CartLineFactory(quantity=2)
    client.post(reverse("cart:update"), {"line": theirs.pk, "quantity": 5})
    client.post(reverse("cart:remove"), {"line": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def test_changing_the_quantity_and_removing_a_line(client):
    product = ProductFactory(stock=10)
    add(client, product)
    line = CartLine.objects.get()
    response = client.post(reverse("cart:update"), {"line": line.pk, "quantity": 7, "next": reverse("cart:detail")})
    assert response.url == reverse("cart:detail")
    line.refresh_from_db()
    assert line.quantity == 7
    response = client.post(reverse("cart:update"), {"line": line.pk, "quantity": 11})
    assert last_message(response) == f"Sorry, only 10 of “{product.name}” in stock."
    line.refresh_from_db()
    assert line.quantity == 7
    for bad in ("0", "-2", "x"):
        client.post(reverse("cart:update"), {"line": line.pk, "quantity": bad})
        line.refresh_from_db()
        assert line.quantity == 7
    client.post(reverse("cart:remove"), {"line": line.pk})
    assert not CartLine.objects.exists()


def test_the_empty_cart_page_links_to_the_shop_and_creates_no_session_or_cart(client):
    response = client.get(reverse("cart:detail"))
    assert response.status_code == 200
    assert "Your cart is empty" in response.text
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Cart.objects.exists()


def test_the_cart_page_shows_lines_totals_and_shipping(client, settings):
    settings.FREE_SHIPPING_THRESHOLD = Decimal("50.00")
    settings.SHIPPING_FLAT_RATE = Decimal("4.95")
    product = ProductFactory(name="Jumbo Bag Red Retrospot", price=Decimal("2.10"), stock=20)
    add(client, product, 3)
    response = client.get(reverse("cart:detail"))
    text = response.text
    assert "Jumbo Bag Red Retrospot" in text
    assert "£6.30" in text  # line total and subtotal
    assert "£4.95" in text  # flat delivery
    assert "£11.25" in text  # total
    assert "Free delivery on orders over £50.00" in text
    assert 'href="/checkout/"' in text
    assert '<span class="cart-count" data-cart-count>3</span>' in text


def test_inactive_out_of_stock_and_over_stock_lines_are_flagged_and_checkout_is_blocked(client):
    gone, sold_out, scarce = ProductFactory(stock=5), ProductFactory(stock=5), ProductFactory(stock=5)
    for product, quantity in ((gone, 1), (sold_out, 1), (scarce, 4)):
        add(client, product, quantity)
    Product.objects.filter(pk=gone.pk).update(is_active=False)
    Product.objects.filter(pk=sold_out.pk).update(stock=0)
    Product.objects.filter(pk=scarce.pk).update(stock=2)
    text = client.get(reverse("cart:detail")).text
    assert "No longer available" in text
    assert "Out of stock" in text
    assert "Only 2 available" in text
    assert gone.get_absolute_url() not in text  # its page is a 404 now
    assert 'href="/checkout/"' not in text
    response = client.get(reverse("checkout:start"))
    assert response.url == reverse("cart:detail")
    assert "can't be bought right now" in last_message(response)


def test_the_header_count_costs_no_query_for_a_visitor_without_a_session(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    with django_assert_num_queries(0):
        assert cart_summary(request) == {"cart_count": 0}
    assert not Cart.objects.exists()


def test_the_header_count_is_one_query_for_a_visitor_with_a_cart(client, django_assert_num_queries):
    add(client, ProductFactory(), 2)
    add(client, ProductFactory(), 3)
    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), client.session
    with django_assert_num_queries(1):
        assert cart_summary(request) == {"cart_count": 5}


# The page includes the recommendation blocks (their own constant queries): the budget
# covers them, and the count for 15 lines may not exceed the count for one.
CART_QUERY_BUDGET = 25


def test_the_cart_page_query_count_does_not_grow_with_lines(client, django_assert_max_num_queries):
    counts = {}
    for line_count in (1, 15):
        while CartLine.objects.count() < line_count:
            add(client, ProductFactory())
        with django_assert_max_num_queries(CART_QUERY_BUDGET) as queries:
            response = client.get(reverse("cart:detail"))
        assert response.text.count("data-line=") == line_count
        counts[line_count] = len(queries)
    assert counts[15] <= counts[1], counts


def test_the_cart_template_has_the_recommendation_slots():
    source = (Path(settings.BASE_DIR) / "templates/cart/detail.html").read_text()
    for marker in ("{# slot:cart-shipping-bar #}", "{# slot:cart-line-upgrade #}", "{# slot:cart-complete-purchase #}"):
        assert marker in source
    loop = source[source.index("{% for line in lines %}") : source.index("{% endfor %}", source.index("{% for line in lines %}"))]
    assert "{# slot:cart-line-upgrade #}" in loop


def test_a_visitor_with_an_expired_session_cookie_gets_a_cart_that_sticks(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "expiredsessionkey0000000000000000"
    product = ProductFactory()
    add(client, product, 2)
    cart = Cart.objects.get()
    assert cart.session_key == client.session.session_key != "expiredsessionkey0000000000000000"
    assert client.get(reverse("cart:detail")).text.count("data-line=") == 1
