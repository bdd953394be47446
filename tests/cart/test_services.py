from decimal import Decimal

import pytest

from shop.cart.models import Cart, CartLine
from shop.cart.services import (
    CartError,
    RecOrigin,
    cart_add_product,
    cart_add_products,
    cart_merge,
    cart_remove_line,
    cart_set_quantity,
    cart_swap_line,
    rec_origin_from_values,
)
from tests.factories import CartFactory, CartLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_adding_a_product_twice_sums_the_quantity_on_one_line():
    cart, product = CartFactory(), ProductFactory(stock=10)
    cart_add_product(cart=cart, product=product, quantity=2)
    line = cart_add_product(cart=cart, product=product, quantity=3)
    assert line.quantity == 5
    assert CartLine.objects.filter(cart=cart).count() == 1


@pytest.mark.parametrize("quantity", [0, -1, -50])
def test_adding_zero_or_a_negative_quantity_is_refused(quantity):
    cart, product = CartFactory(), ProductFactory()
    with pytest.raises(CartError):
        cart_add_product(cart=cart, product=product, quantity=quantity)
    assert not CartLine.objects.exists()


def test_adding_more_than_in_stock_is_refused_and_changes_nothing():
    cart, product = CartFactory(), ProductFactory(stock=3)
    cart_add_product(cart=cart, product=product, quantity=2)
    with pytest.raises(CartError, match="more can be added"):
        cart_add_product(cart=cart, product=product, quantity=2)
    assert CartLine.objects.get().quantity == 2


def test_no_line_may_hold_more_than_99_even_with_plenty_in_stock():
    cart, product = CartFactory(), ProductFactory(stock=500)
    with pytest.raises(CartError, match="at most 99"):
        cart_add_product(cart=cart, product=product, quantity=100)
    assert not CartLine.objects.exists()


def test_inactive_and_out_of_stock_products_cannot_be_added():
    cart = CartFactory()
    with pytest.raises(CartError, match="no longer available"):
        cart_add_product(cart=cart, product=ProductFactory(is_active=False))
    with pytest.raises(CartError, match="out of stock"):
        cart_add_product(cart=cart, product=ProductFactory(stock=0))
    assert not CartLine.objects.exists()


def test_a_recommendation_add_records_where_it_came_from():
    cart, product, anchor = CartFactory(), ProductFactory(), ProductFactory()
    origin = RecOrigin(placement="product-fbt", source="copurchase", anchor_id=anchor.pk)
    line = cart_add_product(cart=cart, product=product, origin=origin)
    line.refresh_from_db()
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id) == ("product-fbt", "copurchase", anchor.pk)
    assert line.rec_added_at is not None


def test_a_line_keeps_the_first_recommendation_that_brought_it_in():
    cart, product = CartFactory(), ProductFactory()
    cart_add_product(cart=cart, product=product, origin=RecOrigin(placement="cart-upgrade", source="curated"))
    line = cart_add_product(cart=cart, product=product, origin=RecOrigin(placement="product-fbt", source="copurchase"))
    assert line.rec_placement == "cart-upgrade"


@pytest.mark.parametrize(
    ("placement", "source", "anchor", "expected"),
    [
        ("product-fbt", "copurchase", None, RecOrigin("product-fbt", "copurchase")),
        ("", "copurchase", None, None),
        ("product-fbt", "", None, None),
        ("<script>", "copurchase", None, None),
        ("Product FBT", "copurchase", None, None),
        ("x" * 31, "copurchase", None, None),
        ("product-fbt", "y" * 21, None, None),
        ("product-fbt", "copurchase", "not-a-number", RecOrigin("product-fbt", "copurchase")),
        ("product-fbt", "copurchase", "999999", RecOrigin("product-fbt", "copurchase")),
        ("product-fbt", "copurchase", "-4", RecOrigin("product-fbt", "copurchase")),
    ],
)
def test_recommendation_origins_from_a_form_accept_only_short_slugs_and_real_anchors(placement, source, anchor, expected):
    assert rec_origin_from_values(placement=placement, source=source, anchor=anchor) == expected


def test_a_real_anchor_product_is_kept():
    anchor = ProductFactory()
    origin = rec_origin_from_values(placement="product-fbt", source="copurchase", anchor=str(anchor.pk))
    assert origin == RecOrigin("product-fbt", "copurchase", anchor.pk)


def test_add_all_is_all_or_nothing():
    cart = CartFactory()
    good, sold_out = ProductFactory(), ProductFactory(stock=0)
    with pytest.raises(CartError):
        cart_add_products(cart=cart, products=[good, sold_out])
    assert not CartLine.objects.exists()
    lines = cart_add_products(cart=cart, products=[good, ProductFactory()])
    assert len(lines) == 2


def test_setting_the_quantity_checks_stock_and_never_touches_another_cart():
    line = CartLineFactory(quantity=1, product__stock=5)
    cart_set_quantity(cart=line.cart, line_id=line.pk, quantity=4)
    line.refresh_from_db()
    assert line.quantity == 4
    with pytest.raises(CartError):
        cart_set_quantity(cart=line.cart, line_id=line.pk, quantity=6)
    with pytest.raises(CartError):
        cart_set_quantity(cart=line.cart, line_id=line.pk, quantity=0)
    someone_else = CartFactory()
    with pytest.raises(CartError, match="not in your cart"):
        cart_set_quantity(cart=someone_else, line_id=line.pk, quantity=1)
    line.refresh_from_db()
    assert line.quantity == 4


def test_a_flagged_line_can_be_lowered_to_what_is_in_stock():
    line = CartLineFactory(quantity=5, product__stock=2)
    cart_set_quantity(cart=line.cart, line_id=line.pk, quantity=2)
    line.refresh_from_db()
    assert line.quantity == 2


def test_removing_a_line_of_another_cart_is_refused():
    line = CartLineFactory()
    with pytest.raises(CartError):
        cart_remove_line(cart=CartFactory(), line_id=line.pk)
    assert CartLine.objects.filter(pk=line.pk).exists()
    cart_remove_line(cart=line.cart, line_id=line.pk)
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_swapping_a_line_keeps_the_quantity_capped_by_the_new_stock():
    line = CartLineFactory(quantity=4, product__stock=10)
    upgrade = ProductFactory(stock=3, price=Decimal("30.00"))
    swapped = cart_swap_line(cart=line.cart, line_id=line.pk, product=upgrade, origin=RecOrigin("cart-upgrade", "ladder"))
    swapped.refresh_from_db()
    assert (swapped.product_id, swapped.quantity, swapped.rec_placement) == (upgrade.pk, 3, "cart-upgrade")
    assert line.cart.lines.count() == 1


def test_swapping_into_a_product_already_in_the_cart_merges_the_lines():
    line = CartLineFactory(quantity=2)
    other = CartLineFactory(cart=line.cart, quantity=1)
    merged = cart_swap_line(cart=line.cart, line_id=line.pk, product=other.product)
    assert merged.pk == other.pk
    assert merged.quantity == 3
    assert list(line.cart.lines.values_list("product_id", flat=True)) == [other.product_id]


def test_swapping_to_an_unavailable_product_is_refused():
    line = CartLineFactory()
    with pytest.raises(CartError):
        cart_swap_line(cart=line.cart, line_id=line.pk, product=ProductFactory(is_active=False))
    line.refresh_from_db()
    assert line.product.is_active


def test_merging_carts_sums_quantities_capped_by_stock_and_deletes_the_source():
    source, target = CartFactory(), CartFactory(session_key=None)
    shared = ProductFactory(stock=5)
    only_in_source = ProductFactory()
    CartLineFactory(cart=source, product=shared, quantity=4)
    CartLineFactory(cart=source, product=only_in_source, quantity=2)
    CartLineFactory(cart=target, product=shared, quantity=3)
    cart_merge(source=source, target=target)
    quantities = dict(target.lines.values_list("product_id", "quantity"))
    assert quantities == {shared.pk: 5, only_in_source.pk: 2}
    assert not Cart.objects.filter(pk=source.pk).exists()
