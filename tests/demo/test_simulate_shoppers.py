"""The simulation drives the real storefront; what it measures must be what it built in."""

from io import StringIO

import pytest
from django.core.management import call_command

from recommendations.measurement.models import Event, Visitor
from shop.orders.models import Order, OrderLine
from tests.factories import ComplementFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_shoppers_who_always_accept_buy_the_recommendation_only_in_the_treatment_group():
    for _ in range(3):
        ComplementFactory(product=ProductFactory(stock=80), complement=ProductFactory(stock=80))
    out = StringIO()
    call_command(
        "simulate_shoppers", visitors=16, buy=1.0, accept=1.0, holdout_share=0.5, pool=3, days=3, seed=3, stdout=out
    )
    orders = Order.objects.prefetch_related("lines")
    assert Visitor.objects.count() == 16
    assert orders.count() == 16
    for order in orders:
        recommended = [line for line in order.lines.all() if line.rec_placement]
        if order.rec_group == "treatment":
            assert [(line.rec_placement, line.rec_source) for line in recommended] == [("product_fbt", "curated")]
        else:
            assert order.rec_group == "control" and recommended == []
    treatment_orders = orders.filter(rec_group="treatment").count()
    assert Event.objects.filter(kind="click", placement="product_fbt").count() == treatment_orders
    assert OrderLine.objects.filter(rec_placement="product_fbt").count() == Event.objects.filter(kind="add").count()
    report = out.getvalue()
    assert "16 visitors" in report and "Items per order" in report and "+1.000" in report
