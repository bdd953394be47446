"""Per-IP and per-visitor rate limits on the POSTs that write or send e-mail."""

import re

import pytest
from django.core import checks, mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shop.cart.models import CartLine
from shop.orders.models import Order
from shop.security.checks import check_rate_limits
from tests.factories import ComplementFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "city": "Bristol",
    "postcode": "BS1 5DD",
    "country": "United Kingdom",
}


def browser(ip="203.0.113.7"):
    """A visitor from `ip` who has a session already (their first add would open one)."""
    client = Client(REMOTE_ADDR=ip)
    client.session.save()
    return client


def add(client, product, quantity=1):
    return client.post(reverse("cart:add"), {"product": product.pk, "quantity": quantity})


def quantity_in_cart(product) -> int:
    return sum(CartLine.objects.filter(product=product).values_list("quantity", flat=True))


def test_the_cart_add_over_the_session_limit_gets_the_429_page_and_changes_nothing(small_limits):
    product = ProductFactory(stock=50)
    shopper = browser()
    allowed = int(small_limits["cart_add"]["session"].split("/")[0])
    for _ in range(allowed):
        assert add(shopper, product).status_code == 302
    assert quantity_in_cart(product) == allowed

    refused = add(shopper, product)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Please slow down" in refused.text and 'class="site-header"' in refused.text
    assert quantity_in_cart(product) == allowed


def test_another_visitor_on_another_address_is_unaffected(small_limits):
    product = ProductFactory(stock=50)
    first = browser("203.0.113.7")
    for _ in range(4):
        add(first, product)
    assert add(first, product).status_code == 429

    assert add(browser("198.51.100.20"), product).status_code == 302


def test_the_address_limit_counts_every_session_from_that_address(small_limits):
    product = ProductFactory(stock=50)
    per_ip = int(small_limits["cart_add"]["ip"].split("/")[0])
    for _ in range(per_ip):
        assert add(browser("203.0.113.7"), product).status_code == 302  # a new session each time

    assert add(browser("203.0.113.7"), product).status_code == 429
    assert add(browser("203.0.113.8"), product).status_code == 302


def test_recommendation_adds_share_the_cart_add_counters(small_limits):
    anchor, complement = ProductFactory(stock=50), ProductFactory(stock=50)
    ComplementFactory(product=anchor, complement=complement)
    shopper = browser()
    for _ in range(3):
        add(shopper, anchor)

    refused = shopper.post(reverse("recommendations:add"), {"product": complement.pk})

    assert refused.status_code == 429
    assert quantity_in_cart(complement) == 0


def test_pages_that_show_the_forms_are_never_limited(small_limits):
    shopper = browser()
    for _ in range(10):
        assert shopper.get(reverse("cart:detail")).status_code == 200
        assert shopper.get(reverse("accounts:signup")).status_code == 200


def test_a_new_window_lets_the_visitor_in_again(small_limits, frozen_window):
    product = ProductFactory(stock=50)
    shopper = browser()
    for _ in range(3):
        add(shopper, product)
    refused = add(shopper, product)
    assert refused.status_code == 429

    frozen_window.now += int(refused["Retry-After"]) + 1

    assert add(shopper, product).status_code == 302


def _place_an_order(client, product):
    add(client, product)
    client.post(reverse("checkout:start"), DETAILS)
    review = client.get(reverse("checkout:review")).text
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', review).group(1)
        for name in ("idempotency_key", "expected_total")
    }
    return client.post(reverse("checkout:place"), {**form, "payment_method": "bank_transfer"})


def test_orders_and_their_emails_are_limited_per_session_per_hour(small_limits, django_capture_on_commit_callbacks):
    product = ProductFactory(stock=50)
    shopper = browser()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert _place_an_order(shopper, product).status_code == 302
        refused = _place_an_order(shopper, product)

    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "placing orders" in refused.text
    assert Order.objects.count() == 2 and len(mail.outbox) == 2
    assert quantity_in_cart(product) == 1  # the refused order's cart is untouched


def test_password_reset_emails_to_one_address_are_limited_whoever_asks(small_limits):
    UserFactory(username="zoe@example.com", email="zoe@example.com")
    for number in range(3):
        asked = browser(f"198.51.100.{number + 1}").post(reverse("accounts:password_reset"), {"email": "zoe@example.com"})
        assert asked.status_code == 302

    refused = browser("198.51.100.99").post(reverse("accounts:password_reset"), {"email": "ZOE@example.com "})

    assert refused.status_code == 429 and "password reset" in refused.text
    assert len(mail.outbox) == 3


def test_signups_are_limited_per_address(small_limits):
    for number in range(2):
        created = browser().post(
            reverse("accounts:signup"),
            {"email": f"new{number}@example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391"},
        )
        assert created.status_code == 302

    refused = browser().post(
        reverse("accounts:signup"),
        {"email": "new9@example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391"},
    )

    assert refused.status_code == 429
    assert not UserFactory._meta.model.objects.filter(email="new9@example.com").exists()


def test_a_forwarded_for_header_does_not_escape_the_address_limit_without_a_proxy(small_limits, settings):
    settings.BEHIND_PROXY = False
    product = ProductFactory(stock=50)
    for number in range(5):
        add(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}"), product)

    refused = add(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.99"), product)

    assert refused.status_code == 429


def test_behind_a_proxy_each_forwarded_client_is_counted_on_its_own(small_limits, settings):
    settings.BEHIND_PROXY = True
    product = ProductFactory(stock=50)
    for _ in range(5):
        add(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.4"), product)

    assert add(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.4"), product).status_code == 429
    assert add(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.4, 203.0.113.50"), product).status_code == 302


def test_switched_off_nothing_is_limited(small_limits, settings):
    settings.RATE_LIMITS_ENABLED = False
    product = ProductFactory(stock=50)
    shopper = browser()
    for _ in range(8):
        assert add(shopper, product).status_code == 302


def test_an_unavailable_cache_lets_requests_through(small_limits, monkeypatch):
    """What TolerantRedisCache answers when Redis is down: nothing added, nothing counted."""
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    monkeypatch.setattr(cache, "incr", lambda *args, **kwargs: 0)
    product = ProductFactory(stock=50)
    shopper = browser()
    for _ in range(8):
        assert add(shopper, product).status_code == 302
    assert quantity_in_cart(product) == 8


def test_the_default_limits_leave_room_for_a_real_shopper(settings):
    limits = settings.RATE_LIMITS
    assert limits["cart_add"]["session"] == "30/m" and limits["checkout_place"]["session"] == "5/h"
    assert all(rule["views"] for rule in limits.values())


def test_the_system_check_names_a_limited_view_that_does_not_exist(settings):
    settings.RATE_LIMITS = {"cart_add": {"views": ["cart:add", "cart:gone"], "ip": "5/m", "session": "often"}}

    errors = check_rate_limits(None)

    assert [error.id for error in errors] == ["security.E001", "security.E002"]
    assert all(isinstance(error, checks.Error) for error in errors)


def test_the_real_settings_pass_the_system_check():
    assert check_rate_limits(None) == []
