"""The visitor's own history over the API: recently viewed, recommended for you (today's best
sellers on a first visit) and inspired by your orders — the selectors the home page, the
product page and My account use, under their own API placements."""

import pytest

from api.tokens import api_token_create
from recommendations.measurement.models import Event
from shop.orders.models import Order
from tests.api.conftest import App, count_queries, session_with
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(publish):
    """Kettles and toasters with partners, each in its own category (as tests/personal)."""
    kettle, toaster, descaler, mug, rack, bread = (
        ProductFactory(name=name, category=CategoryFactory(name=f"{name}s"), sales_count=sales)
        for name, sales in (("Kettle", 5), ("Toaster", 4), ("Descaler", 30), ("Mug", 20), ("Toast rack", 10), ("Bread bin", 1))
    )
    publish({kettle: [(descaler, 50, 100, 80), (mug, 30, 100, 90)], toaster: [(rack, 60, 100, 70), (bread, 20, 100, 50)]})
    return kettle, toaster, descaler, mug, rack, bread


def ids(answer) -> list[int]:
    return [item["product"]["id"] for item in answer["items"]]


def test_a_customers_views_through_the_api_come_back_newest_first_without_the_one_on_screen(customer_app, shop):
    kettle, toaster, descaler, *_ = shop
    for product in (descaler, kettle, toaster):
        assert customer_app.get(f"/products/{product.pk}").status_code == 200

    answer = customer_app.get("/recommendations/recently-viewed", {"exclude": toaster.pk}).json()

    assert ids(answer) == [kettle.pk, descaler.pk]
    assert all(item["reason"] and item["token"] for item in answer["items"])
    assert set(Event.objects.filter(placement="api_recently_viewed").values_list("product_id", flat=True)) == {
        kettle.pk, descaler.pk,
    }


def test_recently_viewed_never_offers_what_is_in_the_cart(customer_app, shop):
    kettle, toaster, *_ = shop
    customer_app.get(f"/products/{kettle.pk}")
    customer_app.get(f"/products/{toaster.pk}")
    customer_app.post("/cart/items", {"product": kettle.pk})

    assert ids(customer_app.get("/recommendations/recently-viewed").json()) == [toaster.pk]


def test_a_first_visit_is_offered_the_best_sellers_and_a_returning_customer_their_own_partners(customer_app, shop):
    kettle, toaster, descaler, mug, rack, bread = shop
    first = App().get("/recommendations/for-you").json()
    assert first["kind"] in {"today", "bestsellers"} and first["items"]

    customer_app.get(f"/products/{toaster.pk}")
    answer = customer_app.get("/recommendations/for-you").json()

    assert answer["kind"] == "for_you"
    assert rack.pk in ids(answer) and toaster.pk not in ids(answer)
    assert Event.objects.filter(placement="api_for_you", product=rack).exists()


def test_inspired_by_your_orders_is_the_customers_own_and_empty_for_a_guest(customer, customer_app, shop):
    kettle, toaster, descaler, mug, *_ = shop
    order = OrderFactory(user=customer, email=customer.email, status=Order.Status.SHIPPED)
    OrderLineFactory(order=order, product=kettle)

    answer = customer_app.get("/recommendations/inspired").json()

    assert descaler.pk in ids(answer) and kettle.pk not in ids(answer)
    assert App().get("/recommendations/inspired").json() == {"items": []}


def test_the_holdout_gets_empty_lists(shop):
    kettle, *_ = shop
    held_out = App(session_token=session_with(rec_group="control"))

    assert held_out.get("/recommendations/for-you").json()["items"] == []
    assert held_out.get("/recommendations/recently-viewed").json() == {"items": []}


def test_recently_viewed_reads_in_constant_queries_whatever_the_history(customer, shop):
    few_app, many_app = App(), App()
    few_app.token = api_token_create(user=customer, name="few").key
    many_app.token = api_token_create(user=UserFactory(), name="many").key
    for product in ProductFactory.create_batch(2):
        few_app.get(f"/products/{product.pk}")
    for product in ProductFactory.create_batch(15):
        many_app.get(f"/products/{product.pk}")

    assert count_queries(lambda: few_app.get("/recommendations/recently-viewed")) == count_queries(
        lambda: many_app.get("/recommendations/recently-viewed")
    )
