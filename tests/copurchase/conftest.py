import pytest
from django.db import connection

from recommendations.copurchase.partitions import partition_ids, partitions_drop

from .builders import make_products


@pytest.fixture
def products(db):
    return [p.pk for p in make_products(8)]


@pytest.fixture(autouse=True)
def _a_trading_shops_window(settings):
    """These tests are about a trading shop's window, the last COPURCHASE_WINDOW_DAYS: the
    reach back to a minimum number of orders (a quiet shop, the demo) is switched off here
    and tested on its own (test_window.py)."""
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 0


@pytest.fixture(autouse=True)
def _no_partition_outlives_a_committed_test(request):
    """A test that commits (transaction=True) leaves its snapshots' partition tables behind
    when the database is flushed after it; drop them, so later tests see only their own."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction") or connection.vendor != "postgresql":
        return
    partitions_drop(partition_ids())
