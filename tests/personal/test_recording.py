"""Recording what a visitor looks at: the session for guests, the account when signed in,
nothing for bots, no session created for it alone, and the guest's list merged at login."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from recommendations.personal.history import SESSION_VIEWED, session_viewed, viewed_by
from recommendations.personal.models import ViewedProduct
from recommendations.personal.services import product_view_record, viewed_merge_at_login
from tests.factories import ProductFactory, UserFactory

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def guest_request(session_key: str | None = None):
    request = RequestFactory().get("/product/x/", HTTP_USER_AGENT=BROWSER_UA)
    request.session = SessionStore(session_key)
    request.user = AnonymousUser()
    return request


def test_a_guest_view_goes_into_the_session_newest_first(shopper):
    kettle, toaster = ProductFactory.create_batch(2)

    shopper.get(kettle.get_absolute_url())
    shopper.get(toaster.get_absolute_url())

    assert [pid for pid, _ in session_viewed(shopper.session)] == [toaster.pk, kettle.pk]
    assert not ViewedProduct.objects.exists()


def test_a_first_time_visitor_without_a_session_gets_none_from_a_product_view():
    # given: a request with no session cookie, whose session nothing else has touched
    request = guest_request()

    product_view_record(request=request, product_id=ProductFactory().pk)

    # then: nothing was put in the session, so the middleware will not create one
    assert request.session.session_key is None
    assert not request.session.modified
    assert SESSION_VIEWED not in request.session


def test_a_visitor_with_an_existing_session_has_the_view_kept():
    store = SessionStore()
    store["rec_group"] = "treatment"
    store.create()
    request = guest_request(store.session_key)
    product = ProductFactory()

    product_view_record(request=request, product_id=product.pk)

    assert request.session.modified
    assert [pid for pid, _ in session_viewed(request.session)] == [product.pk]


def test_a_stale_session_cookie_counts_as_no_session():
    request = guest_request("x" * 32)  # a cookie for a session the server no longer has

    product_view_record(request=request, product_id=ProductFactory().pk)

    assert not request.session.modified


def test_a_session_this_request_saves_anyway_takes_the_view_too():
    request = guest_request()
    request.session["cart_id"] = 1  # something else made this visit worth a session
    product = ProductFactory()

    product_view_record(request=request, product_id=product.pk)

    assert [pid for pid, _ in session_viewed(request.session)] == [product.pk]


@pytest.mark.parametrize("user_agent", ["", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0"])
def test_bots_leave_no_trace(client, user_agent):
    product = ProductFactory()

    client.get(product.get_absolute_url(), HTTP_USER_AGENT=user_agent)

    assert not Session.objects.exists()
    assert not ViewedProduct.objects.exists()


def test_a_bot_that_keeps_its_session_cookie_still_writes_nothing(client):
    store = SessionStore()
    store["seen"] = True
    store.create()
    client.cookies["sessionid"] = store.session_key
    product = ProductFactory()

    client.get(product.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")

    assert SESSION_VIEWED not in SessionStore(store.session_key).load()


def test_viewing_the_newest_product_again_writes_nothing(shopper, django_assert_max_num_queries):
    product = ProductFactory()
    shopper.get(product.get_absolute_url())
    shopper.get(product.get_absolute_url())  # warm the caches

    with django_assert_max_num_queries(40) as queries:
        shopper.get(product.get_absolute_url())

    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_customers_view_is_one_upsert_on_their_account(client, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 3
    user = UserFactory()
    client.force_login(user)
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    products = ProductFactory.create_batch(5)

    for product in products:
        client.get(product.get_absolute_url())
    client.get(products[2].get_absolute_url())  # seen again: moves to the front

    assert [pid for pid, _ in viewed_by(user=user)] == [products[2].pk, products[4].pk, products[3].pk]
    assert ViewedProduct.objects.filter(user=user).count() == 3
    assert SESSION_VIEWED not in client.session


def test_a_customers_list_never_grows_past_the_cap(client, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 4
    user = UserFactory()
    client.force_login(user)
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA

    for product in ProductFactory.create_batch(9):
        client.get(product.get_absolute_url())

    assert ViewedProduct.objects.filter(user=user).count() == 4


def test_the_holdout_group_has_its_views_recorded_but_sees_no_block(shopper):
    first, second = ProductFactory.create_batch(2)
    shopper.get(first.get_absolute_url())
    session = shopper.session
    session["rec_group"] = "control"
    session.save()

    html = shopper.get(second.get_absolute_url()).content.decode()

    assert "Recently viewed" not in html
    assert [pid for pid, _ in session_viewed(shopper.session)] == [second.pk, first.pk]


# Merge at login ------------------------------------------------------------------------------


def test_signing_in_moves_the_guests_views_onto_the_account(shopper):
    # given: a customer who viewed a lamp last week on this account, and browses as a guest
    user = UserFactory(email="ada@example.com")
    lamp, rug, vase = ProductFactory.create_batch(3)
    ViewedProduct.objects.create(user=user, product=lamp, viewed_at=timezone.now() - timedelta(days=7))
    ViewedProduct.objects.create(user=user, product=vase, viewed_at=timezone.now() + timedelta(minutes=5))
    shopper.get(rug.get_absolute_url())
    shopper.get(lamp.get_absolute_url())
    shopper.get(vase.get_absolute_url())

    # when
    response = shopper.post(reverse("accounts:login"), {"username": "ada@example.com", "password": "correct horse battery"})

    # then: the later view of each product wins, and the session's list is gone
    assert response.status_code == 302
    assert [pid for pid, _ in viewed_by(user=user)] == [vase.pk, lamp.pk, rug.pk]
    assert SESSION_VIEWED not in shopper.session


def test_the_merge_keeps_the_cap_and_leaves_out_deleted_products(settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 3
    user = UserFactory()
    old = ProductFactory.create_batch(3)
    for age, product in enumerate(old, start=1):
        ViewedProduct.objects.create(user=user, product=product, viewed_at=timezone.now() - timedelta(days=age))
    fresh = ProductFactory.create_batch(2)
    request = guest_request()
    now = timezone.now().timestamp()
    request.session[SESSION_VIEWED] = [[fresh[0].pk, now], [fresh[1].pk, now - 1], [999_999, now - 2]]

    moved = viewed_merge_at_login(request=request, user=user)

    assert moved == 2
    assert [pid for pid, _ in viewed_by(user=user)] == [fresh[0].pk, fresh[1].pk, old[0].pk]
    assert ViewedProduct.objects.filter(user=user).count() == 3


def test_a_malformed_session_list_is_ignored():
    request = guest_request()
    product = ProductFactory()
    request.session[SESSION_VIEWED] = [["1", "x"], "junk", [product.pk, 1.5e9], [True, 1.5e9], [product.pk, 1.6e9]]

    assert [pid for pid, _ in session_viewed(request.session)] == [product.pk]
