from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from shop.orders.models import Order, OrderAdjustment
from tests.factories import OrderFactory, OrderLineFactory, UserFactory

pytestmark = pytest.mark.django_db

# The confirmation shows the "also bought" block (its own constant queries); the order
# page is this app's alone.
CONFIRMATION_QUERY_BUDGET = 25
ORDER_DETAIL_QUERY_BUDGET = 8


def test_a_guest_sees_their_confirmation_through_the_secret_link(client):
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT, payment_method="bank_transfer")
    OrderLineFactory(order=order, name="Paper Chain Kit")
    response = client.get(order.get_confirmation_url())
    assert response.status_code == 200
    assert order.number in response.text and "Paper Chain Kit" in response.text
    assert "quoting your order number" in response.text
    assert 'name="robots" content="noindex"' in response.text


def test_a_wrong_confirmation_token_is_a_404(client):
    OrderFactory()
    assert client.get(reverse("orders:confirmation", kwargs={"token": "guess"})).status_code == 404


def test_a_customer_sees_their_own_order_and_not_anyone_elses(client):
    me, other = UserFactory(), UserFactory()
    mine, theirs = OrderFactory(user=me), OrderFactory(user=other)
    guest_order = OrderFactory(user=None)
    client.force_login(me)
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(guest_order.get_absolute_url()).status_code == 404
    assert client.get(reverse("orders:detail", kwargs={"number": "NOPE"})).status_code == 404


def test_order_pages_need_a_login(client):
    order = OrderFactory(user=UserFactory())
    response = client.get(order.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def _order_with(lines: int, user=None):
    order = OrderFactory(user=user)
    for _ in range(lines):
        OrderLineFactory(order=order)
    OrderAdjustment.objects.create(order=order, label="Bundle", amount="1.00")
    return order


def test_confirmation_and_order_pages_query_counts_do_not_grow_with_lines(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    counts = {}
    for lines in (1, 15):
        order = _order_with(lines, user=user)
        with django_assert_max_num_queries(CONFIRMATION_QUERY_BUDGET) as confirmation:
            assert client.get(order.get_confirmation_url()).text.count("SKU ") >= lines
        with django_assert_max_num_queries(ORDER_DETAIL_QUERY_BUDGET) as detail:
            assert client.get(order.get_absolute_url()).status_code == 200
        counts[lines] = (len(confirmation), len(detail))
    assert counts[15][0] <= counts[1][0], counts
    assert counts[15][1] <= counts[1][1], counts


def test_the_confirmation_template_has_the_also_bought_slot():
    source = (Path(settings.BASE_DIR) / "templates/orders/confirmation.html").read_text()
    assert "{# slot:confirmation-also-bought #}" in source
