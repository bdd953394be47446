"""Error pages in the shop's style, without a stack trace (tests run with DEBUG=False)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import include, path

from shop import urls as shop_urls
from shop.security.views import server_error


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("odd input")


def _broken(request):
    raise RuntimeError("the secret internals of the shop")


urlpatterns = [
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    path("broken/", _broken),
    path("", include("shop.urls")),
]
handler500 = shop_urls.handler500

SHOP_HEADER = 'class="site-header"'


@pytest.mark.django_db
def test_a_missing_page_is_the_shops_404(client, settings):
    assert not settings.DEBUG
    response = client.get("/no-such-page/at-all/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.text and SHOP_HEADER in response.text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_forbidden_is_the_shops_403(client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "You can’t see this page" in response.text and SHOP_HEADER in response.text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_bad_request_is_the_shops_400(client):
    response = client.get("/suspicious/")
    assert response.status_code == 400
    assert "We couldn’t understand that request" in response.text and SHOP_HEADER in response.text


@pytest.mark.django_db
def test_an_unknown_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "We couldn’t understand that request" in response.text


@pytest.mark.django_db
def test_a_form_with_an_expired_token_gets_the_shops_403(settings):
    response = Client(enforce_csrf_checks=True).post("/cart/add/", {"product": 1})
    assert response.status_code == 403
    assert "That form had expired" in response.text and SHOP_HEADER in response.text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_is_the_shops_500_without_a_stack_trace():
    assert shop_urls.handler500 == "shop.security.views.server_error"
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "something went wrong on our side" in response.text and "Tandem" in response.text
    assert "Traceback" not in response.text and "secret internals" not in response.text


def test_the_500_page_renders_without_the_database_or_a_request_context():
    """No `db` mark: any query here would fail the test."""
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="brand"' in html and "Back to the shop" in html and "--c-brand" in html
