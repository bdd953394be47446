"""Service add-ons at order placement and after: snapshotted under their item's line, charged
in the order's totals, shown under their item on the order pages, in the e-mails and the admin."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Product
from shop.addons.models import Service
from shop.cart.models import CartLine, CartLineService
from shop.checkout.services import CheckoutError, ShippingAddress, order_place
from shop.orders.models import Order, OrderLine
from shop.orders.selectors import orders_for_customer
from shop.orders.workflow import Event, order_apply
from tests.factories import CartFactory, CartLineFactory, CartLineServiceFactory, CategoryFactory, ProductFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")


def place(cart, key="key-services-0000001", **kwargs):
    return order_place(
        cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer", idempotency_key=key, **kwargs
    )


@pytest.fixture
def cart_with_services():
    """A kettle (2, with 10% protection taken in the cart) and a mug (1, with gift wrap from its page)."""
    appliances = CategoryFactory(name="Appliances")
    kettle = ProductFactory(name="Kettle", sku="KET1", price=Decimal("39.99"), stock=5, category=appliances)
    mug = ProductFactory(name="Mug", sku="MUG1", price=Decimal("6.00"), stock=5)
    protection = ServiceFactory(
        name="2-year protection", code="protection-2y", pricing=Service.Pricing.SHARE, price=None,
        share_percent=Decimal("10"), categories=[appliances],
    )
    wrap = ServiceFactory(name="Gift wrap", code="gift-wrap", price=Decimal("2.50"), products=[mug])
    cart = CartFactory()
    kettle_line = CartLineFactory(cart=cart, product=kettle, quantity=2)
    mug_line = CartLineFactory(cart=cart, product=mug, quantity=1)
    CartLineServiceFactory(line=kettle_line, service=protection, rec_placement="cart_service")
    CartLineServiceFactory(line=mug_line, service=wrap, rec_placement="product_service")
    return cart


def test_placing_an_order_snapshots_each_service_under_its_items_line(cart_with_services):
    order = place(cart_with_services)

    kettle, mug = OrderLine.objects.filter(parent=None).order_by("name")
    protection = OrderLine.objects.get(parent=kettle)
    wrap = OrderLine.objects.get(parent=mug)
    assert (protection.name, protection.sku, protection.product, protection.service.code) == (
        "2-year protection", "protection-2y", None, "protection-2y"
    )
    assert (protection.unit_price, protection.quantity, protection.line_total) == (Decimal("4.00"), 2, Decimal("8.00"))
    assert (wrap.unit_price, wrap.quantity, wrap.line_total) == (Decimal("2.50"), 1, Decimal("2.50"))
    # 79.98 + 8.00 + 6.00 + 2.50, over the free-delivery threshold
    assert (order.subtotal, order.shipping, order.total) == (Decimal("96.48"), Decimal("0.00"), Decimal("96.48"))


def test_a_service_line_is_credited_to_the_offer_it_was_taken_from(cart_with_services):
    place(cart_with_services)
    protection = OrderLine.objects.get(name="2-year protection")
    assert (protection.rec_placement, protection.rec_source, protection.rec_anchor.name) == (
        "cart_service", "service", "Kettle"
    )


def test_services_hold_no_stock_and_go_with_the_cart(cart_with_services):
    place(cart_with_services)
    assert dict(Product.objects.values_list("name", "stock")) == {"Kettle": 3, "Mug": 4}
    assert not CartLine.objects.exists() and not CartLineService.objects.exists()


def test_a_service_no_longer_offered_stops_the_order_and_changes_nothing(cart_with_services):
    Service.objects.filter(code="gift-wrap").update(is_active=False)
    with pytest.raises(CheckoutError) as error:
        place(cart_with_services)
    assert "Mug, Gift wrap: No longer offered — please remove it to check out." in error.value.messages
    assert not Order.objects.exists()
    assert CartLineService.objects.count() == 2
    assert Product.objects.get(name="Kettle").stock == 5


def test_a_service_taken_after_the_review_changes_the_total_and_is_refused(cart_with_services):
    with pytest.raises(CheckoutError, match="Prices have changed"):
        place(cart_with_services, expected_total=Decimal("88.48"))  # the total before the protection
    assert not Order.objects.exists()


def test_cancelling_puts_the_items_back_in_stock_and_nothing_for_the_services(cart_with_services):
    order = place(cart_with_services)
    order_apply(order=order, event=Event.CANCEL)
    assert dict(Product.objects.values_list("name", "stock")) == {"Kettle": 5, "Mug": 5}


def test_the_order_pages_show_each_service_under_its_item(client, cart_with_services):
    user = UserFactory()
    order = place(cart_with_services, user=user)
    client.force_login(user)
    for url in (order.get_confirmation_url(), order.get_absolute_url()):
        page = client.get(url).text
        kettle, protection, mug, wrap = (
            page.index(">Kettle<"), page.index("+ 2-year protection"), page.index(">Mug<"), page.index("+ Gift wrap")
        )
        assert kettle < protection < mug < wrap
        assert "Service for Kettle" in page and "£8.00" in page


def test_my_orders_counts_items_not_services(cart_with_services):
    user = UserFactory()
    place(cart_with_services, user=user)
    (order,) = orders_for_customer(user=user)
    assert (order.line_count, order.item_count) == (2, 3)


def test_the_order_email_lists_each_service_under_its_item(cart_with_services, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place(cart_with_services)
    (message,) = mail.outbox
    assert "2 × Kettle (SKU KET1) @ £39.99 = £79.98\n    + 2 × 2-year protection @ £4.00 = £8.00\n1 × Mug" in message.body
    html = message.alternatives[0][0]
    assert html.index("Kettle") < html.index("+ 2-year protection") < html.index("Mug") < html.index("+ Gift wrap")


def test_the_admin_shows_each_service_right_under_its_item(client, cart_with_services):
    order = place(cart_with_services)
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).text
    kettle, protection, mug, wrap = (
        page.index("Kettle"), page.index("↳ 2-year protection"), page.index(">Mug<"), page.index("↳ Gift wrap")
    )
    assert kettle < protection < mug < wrap
