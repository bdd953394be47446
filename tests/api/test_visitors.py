"""The visitor the measurement counts, over the API: a browser's scripts are its visitor
cookie's visitor; an app (a guest's token, a customer's token) is one visitor in one group
from its first request, as a browser is, without cookies; a first request writes nothing."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recommendations.measurement.holdout import VISITOR_COOKIE, visitor_cookie_group
from recommendations.measurement.models import Event, Visitor
from shop.cart.models import Cart
from tests.api.conftest import HUMAN, App
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle_and_mug(publish):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 31, 100, 100)]})
    return kettle, mug


def visitor_keys(kind=Event.Kind.IMPRESSION) -> set[str]:
    return set(Event.objects.filter(kind=kind).values_list("visitor_key", flat=True))


def is_session_key(value: str) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(value)


def test_a_guest_apps_first_request_writes_nothing_and_its_token_makes_it_one_visitor(kettle_and_mug):
    kettle, mug = kettle_and_mug
    app = App()

    # given a first request: no session, no visitor row, and a token to send back
    with CaptureQueriesContext(connection) as first:
        app.get(f"/products/{kettle.pk}/fbt")
    visitor_token = app.session_token
    assert visitor_token and not is_session_key(visitor_token)
    assert not Session.objects.exists() and not Visitor.objects.exists()
    assert [q["sql"] for q in first if not q["sql"].startswith(("SELECT", 'INSERT INTO "measurement_event"'))] == []

    # when it comes back with the token, then adds to its cart
    app.get(f"/products/{kettle.pk}/fbt")
    visitor = Visitor.objects.get()
    added = app.post("/cart/items", {"product": mug.pk})
    app.get(f"/products/{kettle.pk}/fbt")

    # then it was one visitor all along, recorded once it came back; the add swapped the
    # visitor token for the session's key, which holds the cart
    assert visitor_keys() == {visitor.key}
    assert Visitor.objects.count() == 1
    assert added["X-Session-Token"] == app.session_token == Cart.objects.get().session_key
    assert Cart.objects.get().rec_group == visitor.group


def test_a_guest_app_keeps_its_group_on_every_request_before_it_has_a_session(kettle_and_mug, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.5
    kettle, _ = kettle_and_mug
    app = App()

    answers = [app.get(f"/products/{kettle.pk}/fbt").json()["fbt"] is None for _ in range(12)]

    assert len(set(answers)) == 1  # a new group on each request would differ within 12 (odds 1 in 2048)
    assert Visitor.objects.count() == 1 and Visitor.objects.get().group == ("control" if answers[0] else "treatment")


def test_a_guest_with_a_session_stays_the_visitor_it_was(kettle_and_mug):
    kettle, _ = kettle_and_mug
    app = App()
    app.post("/cart/items", {"product": ProductFactory().pk})  # the session comes first here

    for _ in range(3):
        app.get(f"/products/{kettle.pk}/recommendations")

    assert Visitor.objects.count() == 1
    assert visitor_keys() == {Visitor.objects.get().key}


def test_a_token_clients_impressions_and_clicks_carry_its_one_visitor_key(kettle_and_mug, customer_app):
    kettle, _ = kettle_and_mug
    for _ in range(2):
        item = customer_app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]

    customer_app.post("/recommendations/clicks", {"token": item["token"]})

    key = Visitor.objects.get().key
    assert visitor_keys() == visitor_keys(Event.Kind.CLICK) == {key}


def test_a_browsers_api_calls_are_its_visitor_cookies_visitor(kettle_and_mug):
    kettle, _ = kettle_and_mug
    browser = Client(HTTP_USER_AGENT=HUMAN)
    browser.get(kettle.get_absolute_url())
    key, _ = visitor_cookie_group(browser.cookies[VISITOR_COOKIE].value)

    item = browser.get(f"/api/v1/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]
    browser.post("/api/v1/recommendations/clicks", {"token": item["token"]}, content_type="application/json")

    assert visitor_keys() == visitor_keys(Event.Kind.CLICK) == {key}
    assert Visitor.objects.get().key == key  # it came back: the API call is its second request


def test_a_replayed_click_token_counts_once_whoever_replays_it(kettle_and_mug):
    kettle, _ = kettle_and_mug
    app = App()
    token = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]["token"]

    answers = [client.post("/recommendations/clicks", {"token": token}).status_code for client in (app, app, App())]

    assert answers == [201, 201, 201]
    assert Event.objects.filter(kind=Event.Kind.CLICK).count() == 1


def test_header_clients_never_get_a_cookie(kettle_and_mug, customer_app):
    kettle, mug = kettle_and_mug
    guest = App()

    responses = [
        guest.get(f"/products/{kettle.pk}/fbt"), guest.post("/cart/items", {"product": mug.pk}),
        customer_app.get(f"/products/{kettle.pk}/fbt"), customer_app.post("/cart/items", {"product": mug.pk}),
    ]

    assert [dict(response.cookies) for response in responses] == [{}, {}, {}, {}]


def test_a_visitor_token_that_is_not_ours_starts_a_new_visitor_rather_than_failing(kettle_and_mug):
    kettle, _ = kettle_and_mug
    app = App(session_token="0123456789abcdef0123456789abcdef:treatment:1700000000:1:forged")

    response = app.get(f"/products/{kettle.pk}/fbt")

    assert response.status_code == 200
    assert response["X-Session-Token"] != "0123456789abcdef0123456789abcdef:treatment:1700000000:1:forged"
    assert "0123456789abcdef0123456789abcdef" not in visitor_keys()


# A returning guest's add is 11 queries (test_cart pins the writes); a new guest's first
# add also creates the session (an existence check, the INSERT), the cart, and the Visitor
# row, and saves the session again with the group and the visitor cookie: what a
# browser's first add on the product page does too; the cart read back includes its service
# add-ons (taken, offered, their categories). On SQLite, savepoints included.
FIRST_ADD_QUERIES = 32


def test_a_new_guests_first_add_opens_its_session_and_records_it_in_a_fixed_number_of_queries(
    kettle_and_mug, django_assert_num_queries
):
    kettle, mug = kettle_and_mug
    App().get(f"/products/{kettle.pk}/fbt")  # the caches as a shop in use has them

    with django_assert_num_queries(FIRST_ADD_QUERIES):
        assert App().post("/cart/items", {"product": mug.pk}).status_code == 201
    assert Visitor.objects.count() == 1 and Session.objects.count() == 1
