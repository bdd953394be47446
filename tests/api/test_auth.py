"""Who the API is talking to: a customer's token, a guest's session header, or the shop's
own pages with the session cookie and CSRF; a bad credential is refused before anything."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.tokens import api_token_create
from recommendations.measurement.holdout import VISITOR_COOKIE
from recommendations.measurement.models import CustomerGroup, Visitor
from shop.cart.models import Cart, CartLine
from tests.api.conftest import HUMAN, App, session_with
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_client_acts_for_its_customer_and_fills_the_customers_own_cart(customer, customer_app):
    kettle = ProductFactory()

    response = customer_app.post("/cart/items", {"product": kettle.pk})

    assert response.status_code == 201
    assert Cart.objects.get().user == customer
    assert "X-Session-Token" not in response


def test_the_customer_sees_the_cart_they_filled_on_the_website(customer, customer_app):
    line = CartLineFactory(cart=CartFactory(user=customer, session_key=None))

    assert [row["id"] for row in customer_app.get("/cart").json()["lines"]] == [line.pk]


def test_tokens_are_stored_only_as_a_hash(customer):
    issued = api_token_create(user=customer, name="Phone")

    row = ApiToken.objects.get()
    assert issued.key.startswith("tdm_") and len(issued.key) > 40
    assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in {str(value) for value in ApiToken.objects.values_list().get()}


@pytest.mark.parametrize(
    ("authorization", "code"),
    [("Bearer tdm_not-a-real-token", "invalid_token"), ("Basic YWRhOnNlY3JldA==", "invalid_authorization"), ("Bearer", "invalid_authorization")],
)
def test_a_bad_authorization_header_is_a_401_and_nothing_happens(authorization, code):
    kettle = ProductFactory()
    client = Client(HTTP_USER_AGENT=HUMAN)

    response = client.post("/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert not Cart.objects.exists() and not Visitor.objects.exists()


def test_an_expired_token_or_one_of_an_inactive_customer_is_refused(customer):
    expired = api_token_create(user=customer, name="Old", expires_at=timezone.now() - timedelta(minutes=1))
    gone = api_token_create(user=UserFactory(is_active=False), name="Gone")

    for key in (expired.key, gone.key):
        assert App(token=key).get("/cart").status_code == 401


def test_a_deleted_token_stops_working_at_once(customer):
    issued = api_token_create(user=customer, name="Phone")
    app = App(token=issued.key)
    assert app.get("/cart").status_code == 200

    issued.token.delete()

    assert app.get("/cart").status_code == 401


def test_a_token_client_is_one_visitor_in_its_customers_group_across_requests(customer, customer_app, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0  # a new customer lands in the holdout
    for _ in range(3):
        customer_app.get("/cart")

    assert Visitor.objects.count() == 1
    assert CustomerGroup.objects.get(user=customer).group == "control"
    assert ApiToken.objects.get().session_key


def test_the_token_notes_when_it_was_last_used(customer, customer_app):
    customer_app.get("/cart")

    assert ApiToken.objects.get().last_used_at is not None


def test_an_unknown_or_expired_session_token_is_a_401_so_the_app_knows_its_cart_is_gone():
    kettle = ProductFactory()

    response = App(session_token="abcdefgh12345678abcdefgh12345678").post("/cart/items", {"product": kettle.pk})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_session_token"
    assert not Cart.objects.exists()


def test_a_session_header_never_signs_anyone_in(customer):
    client = Client(HTTP_USER_AGENT=HUMAN)
    client.force_login(customer)
    CartLineFactory(cart=CartFactory(user=customer, session_key=None))
    signed_in_key = client.session.session_key

    body = App(session_token=signed_in_key).get("/cart").json()

    assert body["lines"] == []


def test_header_clients_need_no_csrf_token():
    kettle = ProductFactory()
    app = App()
    app.client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=HUMAN)

    assert app.post("/cart/items", {"product": kettle.pk}).status_code == 201


def browser_on_a_page() -> Client:
    """A browser that has opened one of the shop's pages (with a form): it has the CSRF and
    visitor cookies, and no session yet (a first visit writes nothing)."""
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=HUMAN)
    browser.get(ProductFactory().get_absolute_url())
    assert settings.CSRF_COOKIE_NAME in browser.cookies and settings.SESSION_COOKIE_NAME not in browser.cookies
    return browser


def test_a_cookie_write_without_the_csrf_token_is_a_403_and_changes_nothing():
    kettle = ProductFactory()
    browser = browser_on_a_page()

    response = browser.post("/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not CartLine.objects.exists()


def test_a_cookie_write_with_the_csrf_header_goes_through_and_reads_need_none():
    kettle = ProductFactory()
    browser = browser_on_a_page()
    assert browser.get("/api/v1/cart").status_code == 200

    response = browser.post(
        "/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json",
        headers={"X-CSRFToken": browser.cookies[settings.CSRF_COOKIE_NAME].value},
    )

    # The add opens the browser's session, as the page's would: a cookie, not a header.
    assert response.status_code == 201
    assert "X-Session-Token" not in response
    assert Cart.objects.get().session_key == response.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("cookie", [settings.CSRF_COOKIE_NAME, VISITOR_COOKIE])
def test_any_cookie_of_the_shops_pages_makes_a_write_need_the_csrf_token(cookie):
    kettle = ProductFactory()
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=HUMAN)
    browser.cookies[cookie] = "from-a-page"

    response = browser.post("/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json")

    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not Cart.objects.exists()


def test_a_signed_in_customer_on_the_website_uses_their_own_cart_over_the_api(customer):
    browser = browser_on_a_page()
    browser.force_login(customer)
    kettle = ProductFactory()

    browser.post(
        "/api/v1/cart/items", {"product": kettle.pk}, content_type="application/json",
        headers={"X-CSRFToken": browser.cookies[settings.CSRF_COOKIE_NAME].value},
    )

    assert Cart.objects.get().user == customer


def test_the_session_header_carries_the_holdout_group_as_the_cookie_does(publish):
    key = session_with(rec_group="control")
    anchor, partner = ProductFactory.create_batch(2)
    publish({anchor: [(partner, 40, 100, 100)]})

    held_out = App(session_token=key).get(f"/products/{anchor.pk}/fbt").json()
    treated = App(session_token=session_with(rec_group="treatment")).get(f"/products/{anchor.pk}/fbt").json()

    assert held_out == {"fbt": None}
    assert [item["product"]["id"] for item in treated["fbt"]["items"]] == [partner.pk]
