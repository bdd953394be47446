import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from shop.cart.models import CartLine
from tests.checkout.test_views import add, DETAILS
from tests.factories import ProductFactory
pytestmark = pytest.mark.django_db
def test_dbg(client):
    for n in (1, 15):
        while CartLine.objects.count() < n:
            add(client, ProductFactory())
        client.post(reverse("checkout:start"), DETAILS)
        with CaptureQueriesContext(connection) as q:
            client.get(reverse("checkout:review"))
        print("N", n, len(q))
        for x in q.captured_queries: print("   ", x["sql"][:130])
