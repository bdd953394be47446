"""Reading the counted order lines of a window out of the database."""

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from recommendations.copurchase import loading
from shop.orders.models import Order

from .builders import make_products, place_baskets

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def pairs(order_ids, product_ids):
    return sorted(zip(order_ids.tolist(), product_ids.tolist(), strict=True))


@pytest.fixture
def history():
    a, b, c, d = (p.pk for p in make_products(4))
    inside = place_baskets([[a, b], [a, b, c], [d]], placed_at=NOW - dt.timedelta(days=3))
    place_baskets([[c, d]], placed_at=NOW - dt.timedelta(days=400))  # before the window
    place_baskets([[a, d]], placed_at=NOW - dt.timedelta(days=2), status=Order.Status.CANCELLED)
    expected = sorted((o.pk, p) for o, basket in zip(inside, [[a, b], [a, b, c], [d]]) for p in basket)
    return expected


@pytest.mark.parametrize("slice_orders", [1, 2, 100_000])
def test_the_lines_of_counted_orders_in_the_window_whatever_the_slicing(history, monkeypatch, slice_orders):
    monkeypatch.setattr(loading, "ORDERS_PER_SLICE", slice_orders)

    order_ids, product_ids = loading.load_lines(window_start=NOW - dt.timedelta(days=365), window_end=NOW)

    assert pairs(order_ids, product_ids) == history
    assert order_ids.dtype == product_ids.dtype == np.int64


def test_product_ids_too_big_to_pack_are_read_as_two_arrays(history, monkeypatch):
    monkeypatch.setattr(loading, "PACKED_PRODUCT_LIMIT", 1)

    order_ids, product_ids = loading.load_lines(window_start=NOW - dt.timedelta(days=365), window_end=NOW)

    assert pairs(order_ids, product_ids) == history
