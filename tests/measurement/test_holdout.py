"""The holdout: sticky groups, bots and staff left out, control visitors see nothing."""

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse

import shop.settings as project_settings
from recommendations.measurement.holdout import (
    CONTROL,
    TREATMENT,
    VISITOR_COOKIE,
    assign_group,
    bucket_for,
    visitor_cookie_group,
)
from recommendations.measurement.models import CustomerGroup, Event, Visitor
from shop.cart.models import Cart
from tests.factories import ComplementFactory, ProductFactory, UserFactory

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def cookie_group(client) -> str:
    """The group the visitor cookie holds (no session needed)."""
    return visitor_cookie_group(client.cookies[VISITOR_COOKIE].value)[1]


def test_a_guest_keeps_their_group_across_sessions(shopper, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.5
    shopper.get("/")
    group = cookie_group(shopper)
    shopper.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    assert shopper.session["rec_group"] == group
    # when: the session ends (expired, cleared) but the browser keeps the visitor cookie
    del shopper.cookies[django_settings.SESSION_COOKIE_NAME]
    Session.objects.all().delete()
    shopper.get("/")
    shopper.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    # then: the new session has the same group, and it is the same visitor
    assert shopper.session["rec_group"] == group == cookie_group(shopper)
    assert Visitor.objects.count() == 1
    assert Visitor.objects.get().group == group


def test_the_visitor_cookie_lasts_a_year_and_is_signed(shopper):
    response = shopper.get("/")
    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["max-age"] == 365 * 24 * 60 * 60 and cookie["httponly"]
    key = visitor_cookie_group(cookie.value)[0]
    # a forged cookie (another group written in) is not believed: the visitor starts afresh
    shopper.cookies[VISITOR_COOKIE] = cookie.value.replace(":treatment:", ":control:")
    shopper.get("/")
    assert visitor_cookie_group(shopper.cookies[VISITOR_COOKIE].value)[0] != key


def test_the_share_setting_decides_the_control_group(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert cookie_group(client) == CONTROL
    client.cookies.clear()
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert cookie_group(client) == TREATMENT


def test_about_ten_percent_of_visitors_are_held_out_by_default(settings):
    # tests/conftest.py holds nobody out unless a test asks; the shop's default is 10%
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = project_settings.RECOMMENDATIONS_HOLDOUT_SHARE
    assert settings.RECOMMENDATIONS_HOLDOUT_SHARE == 0.10
    groups = [bucket_for(f"visitor-{i}") for i in range(20_000)]
    assert 0.09 < groups.count(CONTROL) / len(groups) < 0.11
    assert bucket_for("visitor-7") == bucket_for("visitor-7")


@pytest.mark.parametrize(
    "user_agent",
    ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0", ""],
)
def test_bots_get_no_group_no_session_and_are_not_counted(client, user_agent):
    response = client.get("/", HTTP_USER_AGENT=user_agent)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Visitor.objects.count() == 0


def test_staff_always_see_recommendations_and_are_not_counted(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.force_login(UserFactory(is_staff=True))
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert "rec_group" not in client.session
    assert Visitor.objects.count() == 0
    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER_UA)
    request.user = UserFactory(is_staff=True)
    request.session = {}
    assert assign_group(request) == TREATMENT


def test_a_customers_group_follows_them_to_a_new_session(client, settings):
    # given: a customer assigned to the holdout in their first session
    customer = UserFactory()
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.force_login(customer)
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert CustomerGroup.objects.get(user=customer).group == CONTROL
    # when: they sign in on another device, where a new visitor would be in treatment
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0
    client.logout()  # the test client forgets every cookie: another device
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert cookie_group(client) == TREATMENT
    client.force_login(customer)
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    # then: their stored group wins
    assert client.session["rec_group"] == CONTROL


def test_a_new_customer_keeps_the_group_of_the_session_they_signed_in_from(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0
    customer = UserFactory()
    client.force_login(customer)
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert client.session["rec_group"] == CONTROL
    assert CustomerGroup.objects.get(user=customer).group == CONTROL


def test_the_customers_stored_group_is_read_once_per_login(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    with django_assert_max_num_queries(50) as first:
        client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert not any("measurement_customergroup" in q["sql"] for q in first.captured_queries)


def test_the_admin_and_static_files_are_not_visits(client):
    client.get("/admin/login/", HTTP_USER_AGENT=BROWSER_UA)
    client.get("/static/css/base.css", HTTP_USER_AGENT=BROWSER_UA)
    assert Visitor.objects.count() == 0
    assert "rec_group" not in client.session


def test_a_visitor_in_the_holdout_sees_no_recommendation_and_one_in_treatment_does(client, settings):
    knife = ProductFactory(name="Chef knife")
    ComplementFactory(product=knife, complement=ProductFactory(name="Honing steel"))
    for share, blocks_expected in ((1.0, False), (0.0, True)):
        settings.RECOMMENDATIONS_HOLDOUT_SHARE = share
        client.cookies.clear()
        client.get("/", HTTP_USER_AGENT=BROWSER_UA)
        html = client.get(knife.get_absolute_url(), HTTP_USER_AGENT=BROWSER_UA).content.decode()
        assert ("data-rec-block" in html) is blocks_expected
        assert ("Honing steel" in html) is blocks_expected


# A first visit writes nothing ---------------------------------------------------------------


@pytest.mark.parametrize(("share", "blocks_expected"), [(0.0, True), (1.0, False)])
def test_a_hundred_cookieless_page_views_write_no_session_and_no_visitor(client, settings, share, blocks_expected):
    # given: a product page with a recommendation
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = share
    knife = ProductFactory(name="Chef knife")
    ComplementFactory(product=knife, complement=ProductFactory(name="Honing steel"))

    # when: a hundred first visits from browsers that keep no cookie
    pages = []
    for _ in range(100):
        client.cookies.clear()
        pages.append(client.get(knife.get_absolute_url(), HTTP_USER_AGENT=BROWSER_UA).content.decode())

    # then: no row of either kind, the experience is the group's, and what was shown is counted
    assert Session.objects.count() == 0
    assert Visitor.objects.count() == 0
    assert all(("data-rec-block" in html) is blocks_expected for html in pages)
    assert all(("Honing steel" in html) is blocks_expected for html in pages)
    impressions = Event.objects.filter(kind=Event.Kind.IMPRESSION)
    assert impressions.count() == (100 if blocks_expected else 0)
    assert len(set(impressions.values_list("visitor_key", flat=True))) == impressions.count()


def test_a_visitor_is_recorded_when_they_come_back_with_the_cookie_once(shopper, django_assert_max_num_queries):
    first = shopper.get("/")
    key = visitor_cookie_group(first.cookies[VISITOR_COOKIE].value)[0]
    assert not Visitor.objects.exists()

    shopper.get("/")
    shopper.get("/")

    visitor = Visitor.objects.get()
    assert visitor.key == key and not Session.objects.exists()
    with django_assert_max_num_queries(50) as later:
        shopper.get("/")
    assert not any("measurement_visitor" in q["sql"] for q in later.captured_queries)


def test_a_first_add_to_cart_creates_the_session_and_the_visitor_with_the_cookies_group(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    product = ProductFactory()

    # a browser whose very first request is the add (its cookie was not kept)
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": 1}, HTTP_USER_AGENT=BROWSER_UA)

    assert Session.objects.count() == 1
    assert Visitor.objects.get().group == CONTROL
    assert client.session["rec_group"] == CONTROL == cookie_group(client)
    assert Cart.objects.get().rec_group == CONTROL


def test_signing_in_writes_the_session_with_the_group_the_guest_had(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0
    customer = UserFactory(username="ada", email="ada@example.com")
    customer.set_password("correct horse battery")
    customer.save()

    client.post(reverse("accounts:login"), {"username": "ada", "password": "correct horse battery"}, HTTP_USER_AGENT=BROWSER_UA)
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)

    assert client.session["rec_group"] == CONTROL
    assert CustomerGroup.objects.get(user=customer).group == CONTROL
    assert Visitor.objects.get().group == CONTROL
