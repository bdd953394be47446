"""Service add-ons taken with cart lines: the rules of shop.cart.line_services, the totals, and
what the swap and the login merge do with them."""

from decimal import Decimal

import pytest

from shop.addons.models import OfferedAt, Service
from shop.cart.line_services import cart_add_product_with_services, cart_line_service_add, cart_line_service_remove
from shop.cart.models import CartLine, CartLineService
from shop.cart.selectors import cart_overview
from shop.cart.services import CartError, cart_merge, cart_remove_line, cart_set_quantity, cart_swap_line
from tests.factories import CartFactory, CartLineFactory, CartLineServiceFactory, CategoryFactory, ProductFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle_line():
    appliances = CategoryFactory(name="Appliances")
    return CartLineFactory(product__name="Kettle", product__category=appliances, product__price=Decimal("39.99"))


def protection_for(line, **kwargs) -> Service:
    return ServiceFactory(name="2-year protection", categories=[line.product.category], **kwargs)


# Taking and giving back ----------------------------------------------------------------


def test_a_service_offered_with_the_item_is_taken_once_and_remembers_where(kettle_line):
    service = protection_for(kettle_line)
    taken = cart_line_service_add(
        cart=kettle_line.cart, line_id=kettle_line.pk, service=service, placement=OfferedAt.CART
    )
    assert (taken.line_id, taken.service_id, taken.rec_placement) == (kettle_line.pk, service.pk, "cart_service")
    with pytest.raises(CartError, match="already has"):
        cart_line_service_add(cart=kettle_line.cart, line_id=kettle_line.pk, service=service)
    assert CartLineService.objects.count() == 1


def test_a_service_not_offered_with_the_item_is_refused(kettle_line):
    elsewhere = ServiceFactory(name="Gift wrap", categories=[CategoryFactory()])
    with pytest.raises(CartError, match="isn't offered with “Kettle”"):
        cart_line_service_add(cart=kettle_line.cart, line_id=kettle_line.pk, service=elsewhere)
    assert not CartLineService.objects.exists()


def test_an_inactive_service_is_refused(kettle_line):
    service = protection_for(kettle_line, is_active=False)
    with pytest.raises(CartError, match="no longer offered"):
        cart_line_service_add(cart=kettle_line.cart, line_id=kettle_line.pk, service=service)
    assert not CartLineService.objects.exists()


def test_a_line_in_another_cart_is_refused_and_keeps_its_services(kettle_line):
    service = protection_for(kettle_line)
    stranger = CartFactory()
    with pytest.raises(CartError, match="not in your cart"):
        cart_line_service_add(cart=stranger, line_id=kettle_line.pk, service=service)
    CartLineServiceFactory(line=kettle_line, service=service)
    with pytest.raises(CartError, match="not in your cart"):
        cart_line_service_remove(cart=stranger, line_id=kettle_line.pk, service=service)
    assert CartLineService.objects.count() == 1


def test_an_item_that_cant_be_bought_takes_no_service(kettle_line):
    service = protection_for(kettle_line)
    kettle_line.product.stock = 0
    kettle_line.product.save()
    with pytest.raises(CartError, match="can't be bought right now"):
        cart_line_service_add(cart=kettle_line.cart, line_id=kettle_line.pk, service=service)


def test_a_placement_that_isnt_an_offer_is_dropped_not_refused(kettle_line):
    service = protection_for(kettle_line)
    taken = cart_line_service_add(cart=kettle_line.cart, line_id=kettle_line.pk, service=service, placement="<b>x")
    assert taken.rec_placement == ""


def test_giving_a_service_back_keeps_the_item(kettle_line):
    service = protection_for(kettle_line)
    CartLineServiceFactory(line=kettle_line, service=service)
    cart_line_service_remove(cart=kettle_line.cart, line_id=kettle_line.pk, service=service)
    assert not CartLineService.objects.exists()
    assert CartLine.objects.filter(pk=kettle_line.pk).exists()
    with pytest.raises(CartError, match="doesn't have"):
        cart_line_service_remove(cart=kettle_line.cart, line_id=kettle_line.pk, service=service)


def test_removing_the_item_removes_its_services(kettle_line):
    CartLineServiceFactory(line=kettle_line, service=protection_for(kettle_line))
    cart_remove_line(cart=kettle_line.cart, line_id=kettle_line.pk)
    assert not CartLineService.objects.exists()


# With the product page's add ------------------------------------------------------------


def test_adding_an_item_with_ticked_services_takes_them_with_it():
    category = CategoryFactory()
    product = ProductFactory(category=category)
    protection, wrap = ServiceFactory(categories=[category]), ServiceFactory(products=[product])
    cart = CartFactory()
    line = cart_add_product_with_services(cart=cart, product=product, quantity=2, services=[protection, wrap])
    assert line.quantity == 2
    assert set(line.services.values_list("service_id", "rec_placement")) == {
        (protection.pk, "product_service"), (wrap.pk, "product_service"),
    }


def test_adding_again_with_a_service_the_line_has_keeps_one_of_it():
    product = ProductFactory()
    service = ServiceFactory(products=[product])
    cart = CartFactory()
    cart_add_product_with_services(cart=cart, product=product, services=[service])
    line = cart_add_product_with_services(cart=cart, product=product, services=[service])
    assert line.quantity == 2
    assert CartLineService.objects.count() == 1


def test_an_item_ticked_with_a_service_it_isnt_offered_is_not_added_at_all():
    product, elsewhere = ProductFactory(), ServiceFactory(products=[ProductFactory()])
    cart = CartFactory()
    with pytest.raises(CartError, match="isn't offered"):
        cart_add_product_with_services(cart=cart, product=product, services=[elsewhere])
    assert not CartLine.objects.exists()


# Quantity and price follow the item -------------------------------------------------------


def overview_line(cart):
    (line,) = cart_overview(cart).lines
    return line


def test_the_services_quantity_is_always_the_items(kettle_line):
    CartLineServiceFactory(line=kettle_line, service=protection_for(kettle_line, price=Decimal("4.99")))
    cart_set_quantity(cart=kettle_line.cart, line_id=kettle_line.pk, quantity=3)
    (taken,) = overview_line(kettle_line.cart).service_rows
    assert (taken.unit_price, taken.total) == (Decimal("4.99"), Decimal("14.97"))


def test_a_price_share_service_follows_the_items_price(kettle_line):
    service = protection_for(kettle_line, pricing=Service.Pricing.SHARE, price=None, share_percent=Decimal("10"))
    CartLineServiceFactory(line=kettle_line, service=service)
    assert overview_line(kettle_line.cart).service_rows[0].unit_price == Decimal("4.00")
    kettle_line.product.price = Decimal("59.99")
    kettle_line.product.save()
    assert overview_line(kettle_line.cart).service_rows[0].unit_price == Decimal("6.00")


def test_service_charges_are_part_of_the_merchandise_subtotal(settings, kettle_line):
    settings.FREE_SHIPPING_THRESHOLD = Decimal("50.00")
    kettle_line.quantity = 1
    kettle_line.save()
    assert cart_overview(kettle_line.cart).totals.shipping > 0  # 39.99 alone
    CartLineServiceFactory(line=kettle_line, service=protection_for(kettle_line, price=Decimal("12.00")))
    totals = cart_overview(kettle_line.cart).totals
    assert (totals.subtotal, totals.shipping, totals.total) == (Decimal("51.99"), Decimal("0.00"), Decimal("51.99"))


def test_offers_leave_out_what_the_line_has_and_a_line_that_cant_be_bought_gets_none(kettle_line):
    taken, other = protection_for(kettle_line), ServiceFactory(name="Installation", categories=[kettle_line.product.category])
    CartLineServiceFactory(line=kettle_line, service=taken)
    assert [offer.service for offer in overview_line(kettle_line.cart).service_offers] == [other]
    kettle_line.product.is_active = False
    kettle_line.product.save()
    assert overview_line(kettle_line.cart).service_offers == []


def test_a_service_no_longer_offered_is_a_problem_that_stops_checkout(kettle_line):
    service = protection_for(kettle_line)
    CartLineServiceFactory(line=kettle_line, service=service)
    assert cart_overview(kettle_line.cart).can_check_out
    Service.objects.filter(pk=service.pk).update(is_active=False)
    overview = cart_overview(kettle_line.cart)
    assert overview.lines[0].service_rows[0].problem
    assert overview.problems == ["Kettle, 2-year protection: No longer offered — please remove it to check out."]
    assert not overview.can_check_out


# Swaps and merges -----------------------------------------------------------------------


def test_an_upgrade_keeps_the_services_offered_with_the_new_item_and_drops_the_rest(kettle_line):
    better = ProductFactory(name="Better kettle", category=kettle_line.product.category)
    protection = protection_for(kettle_line)
    just_this_one = ServiceFactory(products=[kettle_line.product])
    CartLineServiceFactory(line=kettle_line, service=protection)
    CartLineServiceFactory(line=kettle_line, service=just_this_one)
    line = cart_swap_line(cart=kettle_line.cart, line_id=kettle_line.pk, product=better)
    assert list(line.services.values_list("service_id", flat=True)) == [protection.pk]


def test_an_upgrade_into_a_line_already_in_the_cart_brings_the_services_it_hasnt_got(kettle_line):
    better = ProductFactory(category=kettle_line.product.category)
    protection, installation = protection_for(kettle_line), ServiceFactory(categories=[kettle_line.product.category])
    existing = CartLineFactory(cart=kettle_line.cart, product=better)
    CartLineServiceFactory(line=existing, service=protection)
    CartLineServiceFactory(line=kettle_line, service=protection)
    CartLineServiceFactory(line=kettle_line, service=installation)
    line = cart_swap_line(cart=kettle_line.cart, line_id=kettle_line.pk, product=better)
    assert line.pk == existing.pk
    assert sorted(line.services.values_list("service_id", flat=True)) == sorted([protection.pk, installation.pk])
    assert CartLineService.objects.count() == 2


def test_signing_in_merges_a_guests_services_into_the_customers_line(kettle_line):
    protection, installation = protection_for(kettle_line), ServiceFactory(categories=[kettle_line.product.category])
    customers = CartLineFactory(product=kettle_line.product)
    CartLineServiceFactory(line=customers, service=protection)
    CartLineServiceFactory(line=kettle_line, service=protection)
    CartLineServiceFactory(line=kettle_line, service=installation)
    cart_merge(source=kettle_line.cart, target=customers.cart)
    assert sorted(customers.services.values_list("service_id", flat=True)) == sorted([protection.pk, installation.pk])
    assert CartLineService.objects.count() == 2
