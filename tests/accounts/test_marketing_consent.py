"""Marketing consent: given at checkout or in the account, withdrawn by any unsubscribe."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from recommendations.followups.services import opt_out
from shop.accounts.models import MarketingConsent
from shop.accounts.selectors import marketing_consent_given
from shop.accounts.services import marketing_consent_give, marketing_consent_withdraw
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "email": "Grace@Example.com",
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "city": "Bristol",
    "postcode": "BS1 5DD",
    "country": "United Kingdom",
}


def start_checkout(client, **changes):
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    return client.post(reverse("checkout:start"), {**DETAILS, **changes})


def test_ticking_the_box_at_checkout_records_consent_for_the_address(client):
    start_checkout(client, marketing_consent="on")
    consent = MarketingConsent.objects.get()
    assert (consent.email, consent.opted_in, consent.opted_in_source) == ("grace@example.com", True, "checkout")
    assert consent.opted_in_at is not None


def test_leaving_it_unticked_records_nothing(client):
    start_checkout(client)
    assert not MarketingConsent.objects.exists()


def test_a_signed_in_customers_checkout_consent_is_linked_to_their_account(client):
    customer = UserFactory(username="grace@example.com", email="grace@example.com")
    client.force_login(customer)
    start_checkout(client, marketing_consent="on")
    assert MarketingConsent.objects.get().user == customer


def test_the_account_page_shows_and_changes_the_choice(client):
    customer = UserFactory(username="ada@example.com", email="ada@example.com")
    client.force_login(customer)
    url = reverse("accounts:email_preferences")
    assert 'checked' not in client.get(url).text.split('name="marketing"')[1].split(">")[0]

    assert client.post(url, {"marketing": "on"}).url == url
    assert marketing_consent_given(email="ADA@example.com")
    assert "checked" in client.get(url).text.split('name="marketing"')[1].split(">")[0]

    client.post(url, {})
    consent = MarketingConsent.objects.get(email="ada@example.com")
    assert (consent.opted_in, consent.withdrawn_source) == (False, "account")


def test_switching_off_in_the_account_also_stops_an_address_given_at_checkout(client):
    customer = UserFactory(username="ada@example.com", email="ada@example.com")
    marketing_consent_give(email="ada.work@example.com", source="checkout", user=customer)
    client.force_login(customer)
    client.post(reverse("accounts:email_preferences"), {})
    assert not MarketingConsent.objects.opted_in().exists()


def test_the_preferences_page_needs_a_login(client):
    response = client.get(reverse("accounts:email_preferences"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_unsubscribing_withdraws_consent_and_a_later_tick_gives_it_again():
    marketing_consent_give(email="ada@example.com", source="checkout")
    opt_out(email="Ada@Example.com")
    consent = MarketingConsent.objects.get()
    assert (consent.opted_in, consent.withdrawn_source) == (False, "unsubscribe")

    marketing_consent_give(email="ada@example.com", source="checkout")
    consent.refresh_from_db()
    assert consent.opted_in and consent.withdrawn_at is None


def test_a_withdrawal_is_recorded_even_for_an_address_that_never_opted_in():
    marketing_consent_withdraw(email="stranger@example.com", source="unsubscribe")
    consent = MarketingConsent.objects.get()
    assert not consent.opted_in and consent.withdrawn_at is not None


def test_staff_can_withdraw_consent_but_never_give_it(admin_user):
    marketing_consent_give(email="ada@example.com", source="checkout")
    model_admin = site._registry[MarketingConsent]
    request = RequestFactory().post("/")
    request.user = admin_user
    request._messages = type("Messages", (), {"add": lambda *args, **kwargs: None})()
    assert not model_admin.has_add_permission(request)

    model_admin.withdraw(request, MarketingConsent.objects.all())

    consent = MarketingConsent.objects.get()
    assert (consent.opted_in, consent.withdrawn_source) == (False, "staff")
    assert model_admin.withdraw.allowed_permissions == ["change"]
