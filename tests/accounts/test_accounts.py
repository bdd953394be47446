import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from shop.cart.models import Cart, CartLine
from tests.factories import CartFactory, CartLineFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "correct horse battery"
# The page's own 8, and "Inspired by your orders": the customer's purchases, their cart's
# products and the candidates' fresh read (candidates and display copies cached).
MY_ORDERS_QUERY_BUDGET = 11


def test_signing_up_with_email_and_password_logs_the_customer_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "New.Customer@Example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391"},
    )
    assert response.url == reverse("accounts:orders")
    user = User.objects.get()
    assert user.email == user.username == "new.customer@example.com"
    assert client.get(reverse("accounts:orders")).status_code == 200


def test_signing_up_twice_with_one_email_is_refused(client):
    UserFactory(username="taken@example.com", email="taken@example.com")
    response = client.post(
        reverse("accounts:signup"),
        {"email": "TAKEN@example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391"},
    )
    assert response.status_code == 200
    assert "already exists" in response.text
    assert User.objects.count() == 1


def test_a_weak_or_mismatched_password_is_refused(client):
    for one, two in (("password", "password"), ("a-long-Pass-7391", "a-long-Pass-7392")):
        response = client.post(reverse("accounts:signup"), {"email": "x@example.com", "password1": one, "password2": two})
        assert response.status_code == 200
    assert not User.objects.exists()


def test_customers_log_in_with_their_email_in_any_case(client):
    UserFactory(username="ada@example.com", email="ada@example.com")
    response = client.post(reverse("accounts:login"), {"username": "ada@example.com", "password": "wrong"})
    assert "don&#x27;t match" in response.text
    response = client.post(reverse("accounts:login"), {"username": "Ada@Example.com", "password": PASSWORD})
    assert response.url == reverse("accounts:orders")


def test_logging_out_needs_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:orders")).status_code == 302


def test_logging_in_merges_the_anonymous_cart_into_the_customers_cart(client):
    # given: a customer whose saved cart holds 3 mugs, and an anonymous visit adding 4 more and a bag
    user = UserFactory(username="mia@example.com", email="mia@example.com")
    mug, bag = ProductFactory(stock=5), ProductFactory(stock=10)
    saved = CartFactory(session_key=None, user=user)
    CartLineFactory(cart=saved, product=mug, quantity=3)
    client.post(reverse("cart:add"), {"product": mug.pk, "quantity": 4})
    client.post(reverse("cart:add"), {"product": bag.pk, "quantity": 1})
    anonymous = Cart.objects.get(user__isnull=True)

    # when
    client.post(reverse("accounts:login"), {"username": "mia@example.com", "password": PASSWORD})

    # then: quantities summed and capped by stock, one cart left
    assert dict(CartLine.objects.filter(cart=saved).values_list("product_id", "quantity")) == {mug.pk: 5, bag.pk: 1}
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert '<span class="cart-count" data-cart-count>6</span>' in client.get(reverse("cart:detail")).text


def test_logging_in_without_a_saved_cart_keeps_the_anonymous_one(client):
    UserFactory(username="leo@example.com", email="leo@example.com")
    product = ProductFactory()
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": 2})
    client.post(reverse("accounts:login"), {"username": "leo@example.com", "password": PASSWORD})
    cart = Cart.objects.get()
    assert cart.user.username == "leo@example.com" and cart.session_key is None
    assert cart.lines.get().quantity == 2


def test_signing_up_keeps_the_cart(client):
    client.post(reverse("cart:add"), {"product": ProductFactory().pk, "quantity": 1})
    client.post(
        reverse("accounts:signup"),
        {"email": "fresh@example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391"},
    )
    assert Cart.objects.get().user.email == "fresh@example.com"


def test_my_orders_lists_only_my_orders_in_constant_queries(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    OrderFactory(user=UserFactory(), number="TD-THEI-RSXX")
    counts = {}
    for total in (1, 15):
        while me.orders.count() < total:
            order = OrderFactory(user=me)
            OrderLineFactory(order=order, quantity=2)
        client.get(reverse("accounts:orders"))  # warm the caches as production would be
        with django_assert_max_num_queries(MY_ORDERS_QUERY_BUDGET) as queries:
            response = client.get(reverse("accounts:orders"))
        counts[total] = len(queries)
        assert response.text.count('class="status status-') == total
    assert "TD-THEI-RSXX" not in response.text
    assert counts[15] <= counts[1], counts


def test_my_orders_needs_a_login(client):
    response = client.get(reverse("accounts:orders"))
    assert response.url.startswith(reverse("accounts:login"))


def test_an_offsite_next_after_sign_up_is_ignored(client):
    response = client.post(
        reverse("accounts:signup") + "?next=https://evil.example/",
        {"email": "n@example.com", "password1": "a-long-Pass-7391", "password2": "a-long-Pass-7391", "next": "https://evil.example/"},
    )
    assert response.url == reverse("accounts:orders")


def test_a_customer_resets_a_forgotten_password_by_email(client):
    UserFactory(username="zoe@example.com", email="zoe@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "zoe@example.com"})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Tandem password"
    link = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "brand-New-Pass-551", "new_password2": "brand-New-Pass-551"}
    )
    assert response.url == reverse("accounts:password_reset_complete")
    logged_in = client.post(reverse("accounts:login"), {"username": "zoe@example.com", "password": "brand-New-Pass-551"})
    assert logged_in.url == reverse("accounts:orders")


def test_asking_to_reset_an_unknown_email_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []
