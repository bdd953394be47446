"""The holdout: sticky groups, bots and staff left out, control visitors see nothing."""

import pytest
from django.test import RequestFactory

import shop.settings as project_settings
from recommendations.measurement.holdout import CONTROL, TREATMENT, assign_group, bucket_for
from recommendations.measurement.models import CustomerGroup, Visitor
from tests.factories import ComplementFactory, ProductFactory, UserFactory

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db


def test_a_visitor_keeps_their_group_for_the_whole_session(shopper, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.5
    shopper.get("/")
    group = shopper.session["rec_group"]
    for _ in range(3):
        shopper.get("/")
        assert shopper.session["rec_group"] == group
    assert Visitor.objects.count() == 1
    assert Visitor.objects.get().group == group


def test_the_share_setting_decides_the_control_group(client, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert client.session["rec_group"] == CONTROL
    client.cookies.clear()
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert client.session["rec_group"] == TREATMENT


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
    client.logout()
    client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    assert client.session["rec_group"] == TREATMENT
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
