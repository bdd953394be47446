"""Recording what a visitor looks at: a signed cookie for guests (no session, no row), the
account when signed in, nothing for bots, and the guest's list merged at login."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from recommendations.measurement.models import Visitor
from recommendations.personal.history import (
    VIEWED_COOKIE,
    cookie_viewed,
    viewed_by,
    viewed_cookie_value,
    viewed_for_request,
    viewed_from_cookie_value,
)
from recommendations.personal.models import ViewedProduct
from recommendations.personal.services import product_view_record, viewed_cookie_set, viewed_merge_at_login
from tests.factories import ProductFactory, UserFactory

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def signed_cookie(visits) -> str:
    """The cookie's value as the shop writes it."""
    response = HttpResponse()
    viewed_cookie_set(response=response, visits=visits)
    return response.cookies[VIEWED_COOKIE].value


def guest_request(cookie: str | None = None):
    request = RequestFactory().get("/product/x/", HTTP_USER_AGENT=BROWSER_UA)
    if cookie is not None:
        request.COOKIES[VIEWED_COOKIE] = cookie
    request.user = AnonymousUser()
    return request


def cookie_views(client) -> list[int]:
    """The products in the client's cookie, newest first, as the shop reads them back."""
    request = guest_request()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    return [pid for pid, _ in cookie_viewed(request)]


def sets_cookie(response) -> bool:
    return VIEWED_COOKIE in response.cookies


def test_a_guests_views_go_into_a_signed_cookie_newest_first_without_a_session(shopper):
    kettle, toaster = ProductFactory.create_batch(2)

    first = shopper.get(kettle.get_absolute_url())
    shopper.get(toaster.get_absolute_url())

    assert cookie_views(shopper) == [toaster.pk, kettle.pk]
    morsel = first.cookies[VIEWED_COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["max-age"] == 180 * 24 * 60 * 60
    assert "Cookie" in first["Vary"]
    assert not Session.objects.exists()
    assert "sessionid" not in shopper.cookies
    assert not ViewedProduct.objects.exists()


def test_a_guests_views_survive_without_any_session(shopper):
    # given: a guest who looked at two products (no session, only their cookies)
    kettle, toaster, descaler = ProductFactory.create_batch(3)
    shopper.get(kettle.get_absolute_url())
    shopper.get(toaster.get_absolute_url())

    # when: they come back to another product page
    html = shopper.get(descaler.get_absolute_url()).content.decode()

    # then: the block lists what they viewed, read from the cookie
    assert "Recently viewed" in html and kettle.name in html and toaster.name in html
    assert not Session.objects.exists()


def test_the_cookie_is_secure_when_the_session_cookie_is(shopper, settings):
    settings.SESSION_COOKIE_SECURE = True

    response = shopper.get(ProductFactory().get_absolute_url())

    assert response.cookies[VIEWED_COOKIE]["secure"]


def test_a_view_costs_no_session_on_the_request():
    request = guest_request()
    product = ProductFactory()

    product_view_record(request=request, product_id=product.pk)

    assert not hasattr(request, "session")  # never touched: the view needs none
    assert [pid for pid, _ in viewed_for_request(request)] == [product.pk]


def test_the_cookie_keeps_the_cap_newest_first(shopper, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 3
    products = ProductFactory.create_batch(5)

    for product in products:
        shopper.get(product.get_absolute_url())
    shopper.get(products[1].get_absolute_url())  # seen again: back at the front

    assert cookie_views(shopper) == [products[1].pk, products[4].pk, products[3].pk]


@pytest.mark.parametrize("user_agent", ["", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0"])
def test_bots_leave_no_trace(client, user_agent):
    product = ProductFactory()

    response = client.get(product.get_absolute_url(), HTTP_USER_AGENT=user_agent)

    assert not sets_cookie(response)
    assert not Session.objects.exists()
    assert not ViewedProduct.objects.exists()


def test_a_hundred_cookieless_bot_views_leave_no_cookie_session_or_row(client):
    products = ProductFactory.create_batch(5)

    for number in range(100):
        client.cookies.clear()
        response = client.get(products[number % 5].get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")
        assert not sets_cookie(response)

    assert not Session.objects.exists() and not Visitor.objects.exists() and not ViewedProduct.objects.exists()


def test_a_bot_that_keeps_its_cookies_still_gets_no_new_list(client):
    kettle, toaster = ProductFactory.create_batch(2)
    client.cookies[VIEWED_COOKIE] = signed_cookie(((kettle.pk, timezone.now()),))

    response = client.get(toaster.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")

    assert not sets_cookie(response)


def test_a_staff_preview_records_nothing():
    request = guest_request()
    request.rec_preview = True

    product_view_record(request=request, product_id=ProductFactory().pk)

    assert viewed_for_request(request) == ()


def test_viewing_the_newest_product_again_writes_nothing(shopper, django_assert_max_num_queries):
    product = ProductFactory()
    assert sets_cookie(shopper.get(product.get_absolute_url()))
    shopper.get(product.get_absolute_url())  # warm the caches

    with django_assert_max_num_queries(40) as queries:
        response = shopper.get(product.get_absolute_url())

    assert not sets_cookie(response)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_customers_view_is_one_upsert_on_their_account(client, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 3
    user = UserFactory()
    client.force_login(user)
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    products = ProductFactory.create_batch(5)

    responses = [client.get(product.get_absolute_url()) for product in products]
    client.get(products[2].get_absolute_url())  # seen again: moves to the front

    assert [pid for pid, _ in viewed_by(user=user)] == [products[2].pk, products[4].pk, products[3].pk]
    assert ViewedProduct.objects.filter(user=user).count() == 3
    assert not any(sets_cookie(response) for response in responses)


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
    assert cookie_views(shopper) == [second.pk, first.pk]


# The cookie's value ----------------------------------------------------------------------------


def test_the_cookie_holds_a_view_in_about_a_dozen_characters():
    when = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    visits = tuple((100_000 + i, when - timedelta(minutes=i)) for i in range(20))

    value = viewed_cookie_value(visits)

    assert len(value) <= 20 * 12
    assert viewed_from_cookie_value(value) == visits


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "1.-", "-.-", "zzzzzzzzzzzzzz.1", "0.1", "1.zzzzzzzzzzzz", "1,2", "1.1.1"],
)
def test_a_malformed_value_reads_as_no_views(value):
    assert viewed_from_cookie_value(value) == ()


def test_bad_items_are_skipped_and_repeats_kept_once():
    product = ProductFactory()
    good = viewed_cookie_value(((product.pk, datetime(2026, 1, 2, tzinfo=UTC)),))

    assert [pid for pid, _ in viewed_from_cookie_value(f"junk-{good}-x!.y-{good}")] == [product.pk]


@pytest.mark.parametrize(
    "cookie",
    [
        "unsigned-value",
        "1.abc:forged:signature",
        # Signed by the shop, but with another salt (an older encoding, or another cookie).
        signing.get_cookie_signer(salt=VIEWED_COOKIE + "personal.viewed.v0").sign("1.abc"),
    ],
)
def test_a_cookie_the_shop_did_not_sign_in_this_encoding_reads_as_no_views(cookie):
    assert cookie_viewed(guest_request(cookie)) == ()


def test_a_cookie_older_than_its_max_age_reads_as_no_views(monkeypatch, settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_COOKIE_DAYS = 30
    product = ProductFactory()
    long_ago = int(time.time()) - 31 * 24 * 60 * 60
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(long_ago))
    cookie = signed_cookie(((product.pk, timezone.now()),))
    monkeypatch.undo()

    assert cookie_viewed(guest_request(cookie)) == ()


# Merge at login ------------------------------------------------------------------------------


def test_signing_in_moves_the_guests_views_onto_the_account_and_clears_the_cookie(shopper):
    # given: a customer who viewed a lamp last week on this account, and browses as a guest
    user = UserFactory(email="ada@example.com")
    lamp, rug, vase = ProductFactory.create_batch(3)
    ViewedProduct.objects.create(user=user, product=lamp, viewed_at=timezone.now() - timedelta(days=7))
    ViewedProduct.objects.create(user=user, product=vase, viewed_at=timezone.now() + timedelta(minutes=5))
    shopper.get(rug.get_absolute_url())
    shopper.get(lamp.get_absolute_url())
    shopper.get(vase.get_absolute_url())
    assert not Session.objects.exists()

    # when
    response = shopper.post(reverse("accounts:login"), {"username": "ada@example.com", "password": "correct horse battery"})

    # then: the later view of each product wins, and the cookie is gone
    assert response.status_code == 302
    assert [pid for pid, _ in viewed_by(user=user)] == [vase.pk, lamp.pk, rug.pk]
    assert response.cookies[VIEWED_COOKIE].value == "" and response.cookies[VIEWED_COOKIE]["max-age"] == 0
    assert cookie_views(shopper) == []


def test_signing_in_without_the_cookie_leaves_the_cookies_alone(shopper):
    UserFactory(email="ada@example.com")

    response = shopper.post(reverse("accounts:login"), {"username": "ada@example.com", "password": "correct horse battery"})

    assert response.status_code == 302
    assert not sets_cookie(response)


def test_the_merge_keeps_the_cap_and_leaves_out_deleted_products(settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = 3
    user = UserFactory()
    old = ProductFactory.create_batch(3)
    for age, product in enumerate(old, start=1):
        ViewedProduct.objects.create(user=user, product=product, viewed_at=timezone.now() - timedelta(days=age))
    fresh = ProductFactory.create_batch(2)
    now = timezone.now()
    request = guest_request(
        signed_cookie(((fresh[0].pk, now), (fresh[1].pk, now - timedelta(seconds=1)), (999_999, now - timedelta(seconds=2))))
    )

    moved = viewed_merge_at_login(request=request, user=user)

    assert moved == 2
    assert [pid for pid, _ in viewed_by(user=user)] == [fresh[0].pk, fresh[1].pk, old[0].pk]
    assert ViewedProduct.objects.filter(user=user).count() == 3
