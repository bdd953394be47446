from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import Product
from shop.cart.models import CartLine
from shop.cart.pricing import Adjustment
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.orders.models import Order, OrderAdjustment
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory
from tests.page_cache import without_page_cache_bumps

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")


def place(cart, key="key-0000000000000001", **kwargs):
    return order_place(
        cart=cart,
        email=kwargs.pop("email", "ada@example.com"),
        address=kwargs.pop("address", ADDRESS),
        payment_method=kwargs.pop("payment_method", "bank_transfer"),
        idempotency_key=key,
        **kwargs,
    )


def bundle_discount(*, lines, context):
    return [Adjustment(label="Tea set bundle", amount=Decimal("3.00"), code="bundle-7")]


def test_placing_an_order_snapshots_lines_moves_stock_and_empties_the_cart(settings, django_capture_on_commit_callbacks):
    settings.CART_DISCOUNT_PROVIDERS = ["tests.checkout.test_place_order.bundle_discount"]
    cart = CartFactory()
    anchor = ProductFactory()
    teapot = ProductFactory(name="Teapot", sku="TP1", price=Decimal("20.00"), stock=5, sales_count=7)
    cups = ProductFactory(name="Cups", sku="CU2", price=Decimal("4.50"), stock=10)
    CartLineFactory(cart=cart, product=teapot, quantity=2)
    CartLineFactory(cart=cart, product=cups, quantity=4, rec_placement="product-fbt", rec_source="copurchase", rec_anchor=anchor)

    with django_capture_on_commit_callbacks(execute=True):
        order = place(cart, rec_group="treatment", expected_total=Decimal("55.00"))

    assert order.number.startswith("TD-")
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment_method == "bank_transfer"
    assert (order.subtotal, order.discount, order.shipping, order.total) == (
        Decimal("58.00"), Decimal("3.00"), Decimal("0.00"), Decimal("55.00"),
    )
    assert order.rec_group == "treatment"
    lines = {line.sku: line for line in order.lines.all()}
    assert (lines["TP1"].name, lines["TP1"].unit_price, lines["TP1"].quantity, lines["TP1"].line_total) == (
        "Teapot", Decimal("20.00"), 2, Decimal("40.00"),
    )
    assert (lines["CU2"].rec_placement, lines["CU2"].rec_source, lines["CU2"].rec_anchor_id) == (
        "product-fbt", "copurchase", anchor.pk,
    )
    assert list(OrderAdjustment.objects.filter(order=order).values_list("label", "code", "amount")) == [
        ("Tea set bundle", "bundle-7", Decimal("3.00"))
    ]
    teapot.refresh_from_db()
    cups.refresh_from_db()
    assert (teapot.stock, teapot.sales_count, cups.stock, cups.sales_count) == (3, 8, 6, 1)
    assert not CartLine.objects.filter(cart=cart).exists()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ada@example.com"]
    assert order.number in email.subject
    assert "Teapot" in email.body and "£55.00" in email.body and order.access_token in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Teapot" in html and "View your order" in html


def test_the_order_email_waits_for_the_commit(django_capture_on_commit_callbacks):
    cart = CartFactory()
    CartLineFactory(cart=cart)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        place(cart)
    assert len(without_page_cache_bumps(callbacks)) == 1
    assert mail.outbox == []


def test_an_order_is_refused_when_stock_ran_out_and_nothing_changes():
    cart = CartFactory()
    plenty, scarce = ProductFactory(stock=10), ProductFactory(stock=1)
    CartLineFactory(cart=cart, product=plenty, quantity=2)
    CartLineFactory(cart=cart, product=scarce, quantity=2)
    with pytest.raises(CheckoutError, match="can't be bought"):
        place(cart)
    assert not Order.objects.exists()
    assert Product.objects.get(pk=plenty.pk).stock == 10
    assert cart.lines.count() == 2


def test_an_order_with_an_inactive_product_is_refused():
    cart = CartFactory()
    CartLineFactory(cart=cart, product=ProductFactory(is_active=False))
    with pytest.raises(CheckoutError) as info:
        place(cart)
    assert any("No longer available" in message for message in info.value.messages)
    assert not Order.objects.exists()


def test_an_empty_cart_cannot_be_ordered():
    with pytest.raises(CheckoutError, match="empty"):
        place(CartFactory())


def test_a_price_change_since_the_review_is_refused_with_the_new_total():
    cart = CartFactory()
    line = CartLineFactory(cart=cart, product__price=Decimal("60.00"))
    Product.objects.filter(pk=line.product_id).update(price=Decimal("65.00"))
    with pytest.raises(CheckoutError, match="£65.00"):
        place(cart, expected_total=Decimal("60.00"))
    assert not Order.objects.exists()


def test_an_unknown_payment_method_is_refused():
    cart = CartFactory()
    CartLineFactory(cart=cart)
    with pytest.raises(CheckoutError, match="way to pay"):
        place(cart, payment_method="free-money")
    assert not Order.objects.exists()


def test_the_same_idempotency_key_gives_back_the_first_order():
    cart = CartFactory()
    CartLineFactory(cart=cart, product__stock=5, quantity=1)
    first = place(cart, key="same-key-000000000001")
    CartLineFactory(cart=cart, quantity=1)  # even with something new in the cart
    again = place(cart, key="same-key-000000000001")
    assert again.pk == first.pk
    assert Order.objects.count() == 1


def test_a_signed_in_customer_owns_the_order():
    user = UserFactory()
    cart = CartFactory(session_key=None, user=user)
    CartLineFactory(cart=cart)
    order = place(cart, user=user)
    assert order.user == user


def test_an_unknown_holdout_group_is_not_stored():
    cart = CartFactory()
    CartLineFactory(cart=cart)
    assert place(cart, rec_group="'; DROP TABLE").rec_group == ""


def test_order_numbers_are_unique_and_readable():
    numbers = set()
    for index in range(5):
        cart = CartFactory()
        CartLineFactory(cart=cart)
        numbers.add(place(cart, key=f"key-{index:020d}").number)
    assert len(numbers) == 5
    for number in numbers:
        assert len(number) == len("TD-XXXX-XXXX")
        assert not set(number[3:].replace("-", "")) & set("01OIL")
