"""Staff give customers API tokens in the admin; the key is shown once and kept hashed."""

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.tokens import key_hash
from tests.api.conftest import App

pytestmark = pytest.mark.django_db


def test_staff_create_a_token_and_see_its_key_once(admin_client, customer):
    response = admin_client.post(
        reverse("admin:api_apitoken_add"), {"user": customer.pk, "name": "Ada's phone"}, follow=True
    )

    shown = re.search(r"key is (tdm_[\w-]+)", response.content.decode())
    assert shown is not None
    token = ApiToken.objects.get()
    assert token.user == customer and token.key_hash == key_hash(shown.group(1))
    assert App(token=shown.group(1)).get("/cart").status_code == 200
    page = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert shown.group(1) not in page


def test_editing_a_token_keeps_its_key_and_its_owner(admin_client, customer, customer_app):
    token = ApiToken.objects.get()
    before = token.key_hash

    admin_client.post(reverse("admin:api_apitoken_change", args=[token.pk]), {"name": "Renamed", "user": 999})

    token.refresh_from_db()
    assert (token.name, token.key_hash, token.user) == ("Renamed", before, customer)
    assert customer_app.get("/cart").status_code == 200
