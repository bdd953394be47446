"""What a service costs and which items it is offered with (shop.addons)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recommendations.vocabulary import Placement, Source
from shop.addons.models import SERVICE_SOURCE, OfferedAt, Service
from shop.addons.pricing import service_unit_price
from shop.addons.selectors import offered_services, service_offers
from tests.factories import CategoryFactory, ProductFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def share(percent) -> Service:
    return Service(name="Protection", pricing=Service.Pricing.SHARE, share_percent=Decimal(percent))


# Prices --------------------------------------------------------------------------------


def test_a_fixed_price_service_costs_its_price_whatever_the_item_costs():
    service = Service(name="Gift wrap", pricing=Service.Pricing.FIXED, price=Decimal("2.50"))
    assert service_unit_price(service=service, item_price=Decimal("3.00")) == Decimal("2.50")
    assert service_unit_price(service=service, item_price=Decimal("300.00")) == Decimal("2.50")


@pytest.mark.parametrize(
    ("percent", "item_price", "expected"),
    [
        ("10", "49.99", "5.00"),  # 4.999 rounds up
        ("10", "49.94", "4.99"),  # 4.994 rounds down
        ("12.5", "19.99", "2.50"),  # 2.49875
        ("15", "0.10", "0.02"),  # 0.015: half a penny rounds up
        ("100", "12.34", "12.34"),
    ],
)
def test_a_price_share_is_that_share_of_the_items_price_rounded_to_the_penny(percent, item_price, expected):
    price = service_unit_price(service=share(percent), item_price=Decimal(item_price))
    assert price == Decimal(expected)
    assert price.as_tuple().exponent == -2


def test_a_service_without_its_price_or_percentage_is_a_form_error():
    with pytest.raises(ValidationError) as error:
        Service(name="Wrap", code="wrap", pricing=Service.Pricing.FIXED).full_clean()
    assert "price" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Service(name="Cover", code="cover", pricing=Service.Pricing.SHARE).full_clean()
    assert "share_percent" in error.value.message_dict


@pytest.mark.parametrize("percent", ["0", "-5", "100.01"])
def test_a_share_outside_0_to_100_percent_is_refused(percent):
    with pytest.raises(ValidationError):
        Service(name="Cover", code="cover", pricing=Service.Pricing.SHARE, share_percent=Decimal(percent)).full_clean()


def test_the_unused_price_field_is_cleared_so_a_service_has_one_rule():
    service = Service(name="Cover", code="cover", pricing=Service.Pricing.SHARE, share_percent=Decimal("10"), price=Decimal("3"))
    service.full_clean()
    assert service.price is None
    assert service.price_rule == "10% of the item's price"


# Which items -----------------------------------------------------------------------------


def test_a_service_is_offered_with_its_products_and_every_product_below_its_categories():
    # given: Kitchen > Appliances > Kettles, and a Garden category
    kitchen = CategoryFactory(name="Kitchen")
    appliances = CategoryFactory(name="Appliances", parent=kitchen)
    kettles = CategoryFactory(name="Kettles", parent=appliances)
    garden = CategoryFactory(name="Garden")
    kettle, toaster, spade, trowel = (
        ProductFactory(category=kettles), ProductFactory(category=appliances),
        ProductFactory(category=garden), ProductFactory(category=garden),
    )
    protection = ServiceFactory(name="2-year protection", categories=[appliances])
    wrap = ServiceFactory(name="Gift wrap", products=[spade])

    # when
    offered = offered_services(products=[kettle, toaster, spade, trowel])

    # then
    assert offered == {kettle.pk: [protection], toaster.pk: [protection], spade.pk: [wrap], trowel.pk: []}


def test_a_hidden_category_still_brings_its_services_to_its_products():
    hidden = CategoryFactory(is_active=False)
    product = ProductFactory(category=CategoryFactory(parent=hidden))
    service = ServiceFactory(categories=[hidden])
    assert offered_services(products=[product])[product.pk] == [service]


def test_an_inactive_service_is_offered_with_nothing():
    product = ProductFactory()
    ServiceFactory(products=[product], is_active=False)
    assert offered_services(products=[product]) == {product.pk: []}


def test_a_service_named_twice_for_an_item_is_offered_once_and_in_the_staffs_order():
    category = CategoryFactory()
    product = ProductFactory(category=category)
    later = ServiceFactory(name="Installation", position=2, categories=[category], products=[product])
    first = ServiceFactory(name="Protection", position=1, categories=[category])
    assert offered_services(products=[product])[product.pk] == [first, later]


def test_offers_are_priced_for_each_item():
    category = CategoryFactory()
    cheap, dear = ProductFactory(category=category, price=Decimal("20.00")), ProductFactory(category=category, price=Decimal("80.00"))
    ServiceFactory(pricing=Service.Pricing.SHARE, price=None, share_percent=Decimal("10"), categories=[category])
    offers = service_offers(products=[cheap, dear])
    assert [offer.unit_price for offer in offers[cheap.pk]] == [Decimal("2.00")]
    assert [offer.unit_price for offer in offers[dear.pk]] == [Decimal("8.00")]


def test_a_category_created_after_the_parents_were_cached_is_found():
    parent = CategoryFactory()
    offered_services(products=[ProductFactory(category=parent)])  # caches the parents
    child = CategoryFactory(parent=parent)  # in a test the on-commit invalidation never runs
    product = ProductFactory(category=child)
    service = ServiceFactory(categories=[parent])
    assert offered_services(products=[product])[product.pk] == [service]


def test_offers_for_many_products_cost_two_queries(django_assert_num_queries):
    categories = [CategoryFactory(parent=CategoryFactory()) for _ in range(5)]
    products = [ProductFactory(category=categories[i % 5]) for i in range(30)]
    for category in categories:
        ServiceFactory(categories=[category.parent])
        ServiceFactory(products=products[:10])
    offered_services(products=products[:1])  # the category parents, cached
    with django_assert_num_queries(2):
        offered = offered_services(products=products)
    assert all(len(offered[product.pk]) == 6 for product in products[:10])
    with django_assert_num_queries(0):
        assert offered_services(products=[]) == {}


# Names -------------------------------------------------------------------------------------


def test_the_storefronts_offer_names_are_the_measurements_placements_and_source():
    assert set(OfferedAt.values) == {Placement.PRODUCT_SERVICE, Placement.CART_SERVICE, Placement.CHECKOUT_SERVICE}
    assert SERVICE_SOURCE == Source.SERVICE
