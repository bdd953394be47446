"""Caps: at most MAX_CART_LINES different products in a cart, MAX_LINE_QUANTITY of each."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from shop.cart.models import Cart, CartLine
from shop.cart.services import CartError, cart_add_product, cart_add_products, cart_merge_lines, cart_swap_line
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cart_cap(settings):
    settings.MAX_CART_LINES = 4
    return settings.MAX_CART_LINES


def fill(cart, count):
    return [CartLineFactory(cart=cart).product for _ in range(count)]


def test_the_default_caps_are_fifty_lines_of_up_to_ninety_nine(settings):
    assert (settings.MAX_CART_LINES, settings.MAX_LINE_QUANTITY) == (50, 99)


def test_a_full_cart_refuses_a_new_product_and_changes_nothing(small_cart_cap):
    cart = CartFactory()
    fill(cart, small_cart_cap)
    with pytest.raises(CartError) as refused:
        cart_add_product(cart=cart, product=ProductFactory())
    assert refused.value.code == "too_many_lines"
    assert "up to 4 different items" in refused.value.message
    assert cart.lines.count() == small_cart_cap


def test_a_full_cart_still_takes_more_of_what_it_holds(small_cart_cap):
    cart = CartFactory()
    products = fill(cart, small_cart_cap)
    line = cart_add_product(cart=cart, product=products[0], quantity=2)
    assert line.quantity == 3


def test_add_all_to_cart_that_would_overflow_adds_nothing(small_cart_cap):
    cart = CartFactory()
    fill(cart, small_cart_cap - 1)
    with pytest.raises(CartError):
        cart_add_products(cart=cart, products=[ProductFactory(), ProductFactory()])
    assert cart.lines.count() == small_cart_cap - 1


def test_ninety_nine_of_one_product_and_no_more(settings):
    cart, product = CartFactory(), ProductFactory(stock=500)
    cart_add_product(cart=cart, product=product, quantity=settings.MAX_LINE_QUANTITY)
    with pytest.raises(CartError) as refused:
        cart_add_product(cart=cart, product=product)
    assert "as many as we can sell you" in refused.value.message
    with pytest.raises(CartError):
        cart_add_product(cart=CartFactory(), product=product, quantity=settings.MAX_LINE_QUANTITY + 1)
    assert CartLine.objects.get(cart=cart).quantity == settings.MAX_LINE_QUANTITY


def test_swapping_into_a_product_already_in_the_cart_caps_the_merged_line_at_ninety_nine(settings):
    line = CartLineFactory(quantity=60, product__stock=500)
    other = CartLineFactory(cart=line.cart, quantity=60, product__stock=500)
    merged = cart_swap_line(cart=line.cart, line_id=line.pk, product=other.product)
    assert merged.quantity == settings.MAX_LINE_QUANTITY
    assert line.cart.lines.count() == 1


def test_a_full_cart_can_still_swap_a_line_for_an_upgrade(small_cart_cap):
    cart = CartFactory()
    fill(cart, small_cart_cap)
    line = cart.lines.first()
    upgrade = ProductFactory()
    cart_swap_line(cart=cart, line_id=line.pk, product=upgrade)
    assert cart.lines.count() == small_cart_cap and cart.lines.filter(product=upgrade).exists()


def test_merging_keeps_the_customers_lines_and_leaves_out_what_does_not_fit(small_cart_cap, settings):
    source, target = CartFactory(), CartFactory(session_key=None)
    shared = ProductFactory(stock=500)
    CartLineFactory(cart=target, product=shared, quantity=70)
    own = fill(target, 2)
    CartLineFactory(cart=source, product=shared, quantity=70)
    joins = CartLineFactory(cart=source, product=ProductFactory(name="Tea towel")).product
    CartLineFactory(cart=source, product=ProductFactory(name="Egg cup"))
    CartLineFactory(cart=source, product=ProductFactory(name="Jam jar"))

    merge = cart_merge_lines(source=source, target=target)

    quantities = dict(target.lines.values_list("product_id", "quantity"))
    assert set(quantities) == {shared.pk, *(p.pk for p in own), joins.pk}
    assert quantities[shared.pk] == settings.MAX_LINE_QUANTITY
    assert merge.left_out == ("Egg cup", "Jam jar")
    assert not Cart.objects.filter(pk=source.pk).exists()


def test_signing_in_says_which_items_did_not_fit(small_cart_cap):
    customer = UserFactory(username="ada@example.com", email="ada@example.com")
    saved = CartFactory(session_key=None, user=customer)
    fill(saved, small_cart_cap)
    browser = Client()
    browser.post(reverse("cart:add"), {"product": ProductFactory(name="Butter dish").pk, "quantity": 1})

    response = browser.post(
        reverse("accounts:login"), {"username": "ada@example.com", "password": "correct horse battery"}
    )

    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("up to 4 different items" in m and "“Butter dish”" in m for m in messages)
    assert saved.lines.count() == small_cart_cap


def test_the_cart_page_says_the_cart_is_full(client, small_cart_cap):
    for _ in range(small_cart_cap):
        client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    response = client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1}, follow=True)
    assert "up to 4 different items" in response.text
    assert CartLine.objects.count() == small_cart_cap
