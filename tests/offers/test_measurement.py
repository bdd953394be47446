"""Deals, vouchers and points in the measurement: what each earned on the dashboard, and
adds from "Today's deals" credited to their placement."""

from decimal import Decimal

import pytest
from django.urls import reverse

from recommendations.measurement.selectors import Period, offer_performance
from shop.cart.models import CartLine
from shop.orders.models import Order, OrderAdjustment
from tests.factories import DealFactory, OrderFactory

pytestmark = pytest.mark.django_db


def order_with(*adjustments, total="50.00", status=Order.Status.PAID):
    order = OrderFactory(total=Decimal(total), status=status)
    for code, label, amount in adjustments:
        OrderAdjustment.objects.create(order=order, code=code, label=label, amount=Decimal(amount))
    return order


def test_each_offer_shows_its_orders_the_discount_it_gave_and_their_revenue():
    order_with(("deal:1", "Deal of the day: Toaster", "10.00"), ("voucher:7", "Voucher TEN (10% off)", "4.00"), total="40.00")
    order_with(("deal:1", "Deal of the day: Toaster (2 of 3 at the deal price)", "20.00"), total="70.00")
    order_with(("points:redeem", "500 loyalty points", "5.00"), total="25.00")
    order_with(("bundle:3", "Bundle: Tea set", "3.00"))  # a bundle is measured as a placement, not here
    order_with(("deal:1", "Deal of the day: Toaster", "10.00"), status=Order.Status.CANCELLED)

    rows = {row.code: row for row in offer_performance(period=Period.last_days(30))}

    assert set(rows) == {"deal:1", "voucher:7", "points:redeem"}
    deal = rows["deal:1"]
    assert (deal.kind, deal.name, deal.orders, deal.discount, deal.revenue) == (
        "Deal of the day", "Deal of the day: Toaster", 2, Decimal("30.00"), Decimal("110.00"),
    )
    assert deal.revenue_per_pound_given == Decimal("3.67")
    assert (rows["voucher:7"].name, rows["voucher:7"].revenue) == ("Voucher TEN", Decimal("40.00"))
    assert (rows["points:redeem"].name, rows["points:redeem"].discount) == ("Loyalty points", Decimal("5.00"))


def test_the_dashboard_has_the_offers_table(admin_client):
    order_with(("voucher:7", "Voucher TEN (10% off)", "4.00"), total="40.00")
    page = admin_client.get(reverse("admin:measurement_dashboard_changelist")).content.decode()
    assert "Deals, vouchers and points" in page
    assert "Voucher TEN" in page and "£40.00" in page


def test_an_add_from_todays_deals_is_credited_to_that_placement(client):
    deal = DealFactory()
    home = client.get(reverse("home")).content.decode()
    token = home.split('name="rec_origin" value="', 1)[1].split('"', 1)[0]
    client.post(reverse("cart:add"), {"product": deal.product_id, "quantity": 1, "rec_origin": token})
    line = CartLine.objects.get()
    assert (line.rec_placement, line.rec_source) == ("home_deals", "deal")
