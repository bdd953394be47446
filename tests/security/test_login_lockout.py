"""django-axes: failed logins lock out the account and the address for a while."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def log_in(username, password, ip="203.0.113.7"):
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(reverse("accounts:login"), {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_the_failure_limit_even_the_right_password_is_refused_with_the_429_page(settings):
    UserFactory(username="ada@example.com", email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _, response = log_in("ada@example.com", "wrong")
        assert response.status_code == 200 and "match an account" in response.text
    _, locking = log_in("ada@example.com", "wrong")
    assert locking.status_code == 429

    client, refused = log_in("ada@example.com", PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "logging in is paused" in refused.text and 'class="site-header"' in refused.text
    assert not signed_in(client)


def test_the_lockout_follows_the_account_across_addresses(settings):
    UserFactory(username="ada@example.com", email="ada@example.com")
    UserFactory(username="bob@example.com", email="bob@example.com")
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in("ada@example.com", "wrong", ip=f"198.51.100.{number + 1}")

    _, refused = log_in("ada@example.com", PASSWORD, ip="192.0.2.1")
    bob, allowed = log_in("bob@example.com", PASSWORD, ip="192.0.2.2")

    assert refused.status_code == 429
    assert allowed.status_code == 302 and signed_in(bob)


def test_the_lockout_follows_the_address_across_accounts(settings):
    UserFactory(username="ada@example.com", email="ada@example.com")
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"guess{number}@example.com", "wrong", ip="203.0.113.7")

    _, refused = log_in("ada@example.com", PASSWORD, ip="203.0.113.7")
    ada, allowed = log_in("ada@example.com", PASSWORD, ip="192.0.2.2")

    assert refused.status_code == 429
    assert allowed.status_code == 302 and signed_in(ada)


def test_after_the_cool_off_the_customer_can_log_in_again(settings):
    UserFactory(username="ada@example.com", email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("ada@example.com", "wrong")
    assert log_in("ada@example.com", PASSWORD)[1].status_code == 429

    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
        )
    client, response = log_in("ada@example.com", PASSWORD)

    assert response.status_code == 302 and signed_in(client)


def test_a_few_typos_do_not_lock_anyone_out(settings):
    UserFactory(username="ada@example.com", email="ada@example.com")
    for _ in range(3):
        log_in("ada@example.com", "wrong")

    client, response = log_in("Ada@Example.com", PASSWORD)

    assert response.status_code == 302 and signed_in(client)


def test_the_staff_login_is_locked_out_the_same_way(settings):
    UserFactory(username="manager", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "manager", "password": "wrong"})

    refused = client.post(reverse("admin:login"), {"username": "manager", "password": PASSWORD})

    assert refused.status_code == 429
