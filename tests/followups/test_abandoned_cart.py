"""Abandoned-cart reminders and the link that brings the cart back."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from recommendations.followups.models import FollowUp
from recommendations.followups.services import abandoned_carts_send_due, opt_out
from recommendations.followups.tasks import send_abandoned_cart_emails
from recommendations.followups.tokens import restore_token
from recommendations.measurement.models import CustomerGroup
from shop.cart.models import Cart
from tests.followups.conftest import agree_to_marketing
from tests.factories import CartFactory, CartLineFactory, OrderFactory, ProductFactory, UserFactory

from .conftest import make_idle

pytestmark = pytest.mark.django_db

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _restore_url(message) -> str:
    return next(word for word in message.body.split() if "/followups/cart/" in word).split("127.0.0.1:8000")[1]


def test_an_idle_cart_with_a_known_address_gets_one_reminder_with_its_items_and_one_complement(abandoned_cart):
    assert abandoned_carts_send_due().sent == 1
    [message] = mail.outbox
    assert message.to == ["guest@example.com"]
    assert "Toaster x 2" in message.body
    assert "Bread bin" in message.body
    assert "/followups/cart/" in message.body
    html = message.alternatives[0][0]
    assert "Return to your cart" in html and "Bread bin" in html and "£58.00" in html
    assert abandoned_carts_send_due().sent == 0
    send_abandoned_cart_emails.delay().get(timeout=10)
    assert len(mail.outbox) == 1


def test_a_cart_idle_for_less_than_the_setting_waits(abandoned_cart, settings):
    settings.FOLLOWUP_ABANDONED_CART_HOURS = 48
    assert abandoned_carts_send_due().sent == 0


def test_no_reminder_without_an_address_or_without_items(abandoned_cart):
    Cart.objects.filter(pk=abandoned_cart.pk).update(email="")
    empty = make_idle(CartFactory(email="empty@example.com"), hours=30)
    assert abandoned_carts_send_due().sent == 0
    assert empty.pk


def test_no_reminder_when_they_ordered_since(abandoned_cart):
    OrderFactory(email="GUEST@example.com", placed_at=timezone.now() - timedelta(hours=2))
    assert abandoned_carts_send_due().sent == 0


def test_no_reminder_to_an_address_that_opted_out(abandoned_cart):
    opt_out(email="guest@example.com")
    assert abandoned_carts_send_due().sent == 0


def test_a_cart_changed_after_its_reminder_can_be_reminded_again_but_not_within_a_week(abandoned_cart):
    abandoned_carts_send_due()
    CartLineFactory(cart=abandoned_cart, product=ProductFactory())
    make_idle(abandoned_cart, hours=26)
    assert abandoned_carts_send_due().sent == 0
    FollowUp.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert abandoned_carts_send_due().sent == 1


def test_the_restore_link_shows_the_cart_and_brings_it_back_into_a_new_browser(abandoned_cart, client):
    abandoned_carts_send_due()
    url = _restore_url(mail.outbox[0])
    page = client.get(url, HTTP_USER_AGENT=BROWSER_UA)
    assert page.status_code == 200
    assert "Toaster" in page.content.decode() and "Restore my cart" in page.content.decode()
    assert Cart.objects.get(pk=abandoned_cart.pk).session_key == abandoned_cart.session_key  # a GET changes nothing
    response = client.post(url, HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 302 and response["Location"] == reverse("cart:detail")
    cart_page = client.get(reverse("cart:detail"), HTTP_USER_AGENT=BROWSER_UA)
    assert [line.product.name for line in cart_page.context["lines"]] == ["Toaster"]
    assert Cart.objects.get(pk=abandoned_cart.pk).session_key == client.session.session_key


def test_restoring_into_a_browser_that_has_a_cart_merges_them(abandoned_cart, client):
    other = ProductFactory(name="Egg cup")
    client.post(reverse("cart:add"), {"product": other.pk, "quantity": 1}, HTTP_USER_AGENT=BROWSER_UA)
    client.post(reverse("followups:restore", args=[restore_token(abandoned_cart.pk)]), HTTP_USER_AGENT=BROWSER_UA)
    names = sorted(line.product.name for line in client.get(reverse("cart:detail")).context["lines"])
    assert names == ["Egg cup", "Toaster"]


def test_a_customers_cart_link_asks_them_to_sign_in_and_is_theirs_alone(abandoned_cart, client):
    owner = UserFactory()
    Cart.objects.filter(pk=abandoned_cart.pk).update(user=owner, session_key=None)
    url = reverse("followups:restore", args=[restore_token(abandoned_cart.pk)])
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url)["Location"] == reverse("cart:detail")


def test_a_tampered_restore_link_finds_nothing(abandoned_cart, client):
    token = restore_token(abandoned_cart.pk)
    response = client.get(reverse("followups:restore", args=[token[:-2] + "zz"]))
    assert response.status_code == 404
    assert "doesn’t work any more" in response.content.decode()


def test_no_reminder_for_a_cart_of_the_holdout(abandoned_cart):
    # a guest's cart started in the control group, and a customer's whose stored group is control
    Cart.objects.filter(pk=abandoned_cart.pk).update(rec_group="control")
    customer = UserFactory(email="held@example.com")
    agree_to_marketing(customer.email)
    CustomerGroup.objects.create(user=customer, group="control")
    theirs = CartFactory(user=customer, email=customer.email)
    CartLineFactory(cart=theirs, product=ProductFactory())
    make_idle(theirs, hours=25)

    assert abandoned_carts_send_due().sent == 0
    assert not mail.outbox and not FollowUp.objects.exists()

    # the same carts in treatment are reminded (the setting-up above is not what stops them)
    Cart.objects.filter(pk=abandoned_cart.pk).update(rec_group="treatment")
    CustomerGroup.objects.filter(user=customer).update(group="treatment")
    assert abandoned_carts_send_due().sent == 2
