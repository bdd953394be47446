"""Service add-ons in the measurement: offers shown and taken are events of their placements,
what sold is attributed revenue, and the dashboard says what each service earned."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.measurement.models import Event
from recommendations.measurement.selectors import Period, holdout_report, placement_performance, service_performance
from recommendations.measurement.services import rec_origins_expire
from shop.cart.models import CartLine, CartLineService
from shop.orders.models import Order
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory, ServiceFactory, UserFactory

from .conftest import checkout_through_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle():
    return ProductFactory(name="Kettle", price=Decimal("40.00"), stock=10, category=CategoryFactory())


@pytest.fixture
def protection(kettle):
    return ServiceFactory(name="2-year protection", price=Decimal("5.00"), categories=[kettle.category])


def impressions(placement):
    return list(
        Event.objects.filter(kind=Event.Kind.IMPRESSION, placement=placement).values_list(
            "source", "product_id", "anchor_id", "service_id"
        )
    )


def test_offers_shown_on_the_product_page_the_cart_and_checkout_are_impressions(shopper, kettle, protection):
    wrap = ServiceFactory(name="Gift wrap", products=[kettle])
    shopper.get(kettle.get_absolute_url())
    assert sorted(impressions("product_service")) == sorted(
        [("service", kettle.pk, kettle.pk, protection.pk), ("service", kettle.pk, kettle.pk, wrap.pk)]
    )

    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1, "services": [wrap.pk]})
    shopper.get(reverse("cart:detail"))
    # Only what is still on offer: the gift wrap is in the cart already.
    assert impressions("cart_service") == [("service", kettle.pk, kettle.pk, protection.pk)]

    shopper.post("/checkout/", {"email": "a@example.com", "name": "Ada Shopper", "line1": "1 High Street",
                                "city": "Leeds", "postcode": "LS1 1AA", "country": "United Kingdom"})
    shopper.get(reverse("checkout:review"))
    assert impressions("checkout_service") == [("service", kettle.pk, kettle.pk, protection.pk)]


def test_taking_a_service_from_an_offer_is_an_add_of_its_placement(shopper, kettle, protection):
    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1})
    line = CartLine.objects.get()
    shopper.post(reverse("cart:add-service"), {"line": line.pk, "service": protection.pk, "rec_placement": "cart_service"})
    add = Event.objects.get(kind=Event.Kind.ADD)
    assert (add.placement, add.source, add.product_id, add.service_id, add.cart_line_id) == (
        "cart_service", "service", kettle.pk, protection.pk, line.pk
    )
    # Given back and taken again: a second add.
    shopper.post(reverse("cart:remove-service"), {"line": line.pk, "service": protection.pk})
    shopper.post(reverse("cart:add-service"), {"line": line.pk, "service": protection.pk, "rec_placement": "cart_service"})
    assert Event.objects.filter(kind=Event.Kind.ADD).count() == 2


def test_changing_the_items_quantity_is_no_new_service_add(shopper, kettle, protection):
    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1, "services": [protection.pk]})
    shopper.post(reverse("cart:update"), {"line": CartLine.objects.get().pk, "quantity": 3})
    assert list(Event.objects.filter(kind=Event.Kind.ADD).values_list("placement", flat=True)) == ["product_service"]


def test_a_bought_service_is_revenue_of_its_placement_and_of_the_service(shopper, kettle, protection):
    shopper.get(kettle.get_absolute_url())
    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 2, "services": [protection.pk]})
    checkout_through_pages(shopper)
    period = Period.last_days(1)

    placements = {row.placement: row for row in placement_performance(period=period)}
    row = placements["product_service"]
    assert (row.adds, row.orders, row.revenue) == (1, 1, Decimal("10.00"))
    assert row.sources["service"].revenue == Decimal("10.00")

    (service,) = service_performance(period=period)
    assert (service.name, service.offered, service.adds, service.sold, service.revenue) == (
        "2-year protection", 1, 1, 2, Decimal("10.00")
    )
    assert service.take_rate == 1.0


def test_items_per_order_counts_items_not_their_services():
    now = timezone.now()
    for group in (Order.Group.TREATMENT, Order.Group.CONTROL):
        order = OrderFactory(rec_group=group, placed_at=now, total=Decimal("50.00"))
        item = OrderLineFactory(order=order, quantity=2)
        OrderLineFactory(order=order, product=None, sku="protection", name="Protection", unit_price=Decimal("1.00"), quantity=2, line_total=Decimal("2.00"), parent=item)
    report = holdout_report(period=Period.last_days(1))
    items = next(metric for metric in report.metrics if "item" in metric.label.lower())
    assert items.comparison.treatment.mean == 2.0


def test_the_attribution_window_also_clears_services_taken_long_ago(shopper, kettle, protection, settings):
    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1, "services": [protection.pk]})
    CartLineService.objects.update(added_at=timezone.now() - timedelta(days=settings.RECOMMENDATIONS_ATTRIBUTION_DAYS + 1))
    assert rec_origins_expire() == 1
    assert CartLineService.objects.get().rec_placement == ""


def test_the_dashboard_shows_what_each_service_earned(client, shopper, kettle, protection):
    shopper.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1, "services": [protection.pk]})
    checkout_through_pages(shopper)
    staff = UserFactory(username="analyst", is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get(reverse("admin:measurement_dashboard_changelist")).text
    section = page[page.index('id="services"') :]
    assert "2-year protection" in section and "£5.00" in section
    assert "product_service" in page
