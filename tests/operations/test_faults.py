"""Faults the shop rides out: a database connection killed under it, Redis unreachable."""

import socket
import time
from decimal import Decimal

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse

from catalog.models import Product
from recommendations.copurchase.models import Snapshot
from shop.celery import app as celery_app
from shop.orders.models import Order
from tests.checkout.test_concurrency import postgres_only  # noqa: F401 - a fixture
from tests.factories import ProductFactory, UserFactory

# Well under Celery's default publish retries (about 19 s), well over a local round trip.
FAST_SECONDS = 2.0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kill_this_connection() -> None:
    """What a PostgreSQL restart does to every open connection, done to ours alone."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host") or "127.0.0.1", port=params.get("port") or 5432, user=params["user"],
        dbname="postgres", autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def persistent_connection(postgres_only):
    """The production database settings: connections kept between requests (CONN_MAX_AGE)."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield connection.settings_dict
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_the_production_settings_check_a_kept_connection_before_using_it(postgres_only):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0


@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_database_dropped_the_connection_gets_a_new_one(persistent_connection):
    # given: a kept connection, killed by the server between two requests
    ProductFactory()
    close_old_connections()  # a request ends: the connection is kept
    kill_this_connection()

    # when: the next request starts and queries
    close_old_connections()
    count = Product.objects.count()

    # then: CONN_HEALTH_CHECKS noticed the dead connection and opened another
    assert count == 1


@pytest.mark.django_db(transaction=True)
def test_without_health_checks_the_first_request_after_a_restart_fails(persistent_connection):
    """Why CONN_HEALTH_CHECKS is on: without it each kept connection fails one request."""
    persistent_connection["CONN_HEALTH_CHECKS"] = False
    connection.close()
    ProductFactory()
    close_old_connections()
    kill_this_connection()

    close_old_connections()
    with pytest.raises(OperationalError):
        Product.objects.count()
    close_old_connections()  # the failed connection is dropped at the next request
    assert Product.objects.count() == 1


@pytest.fixture
def redis_down(settings):
    """Redis unreachable (a port nobody listens on) for the cache, the sessions and Celery,
    with tasks published for real as in production."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "shop.cache.TolerantRedisCache", "LOCATION": url}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield url
    conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.django_db
def test_with_redis_down_pages_carts_checkout_and_refresh_now_answer_at_once(
    redis_down, client, admin_client, django_capture_on_commit_callbacks, settings
):
    settings.CART_DISCOUNT_PROVIDERS = []
    product = ProductFactory(price=Decimal("12.00"), stock=4)
    answers = {}

    answers["home"] = timed(lambda: client.get("/"))
    answers["product page"] = timed(lambda: client.get(product.get_absolute_url()))
    answers["add to cart"] = timed(lambda: client.post(reverse("cart:add"), {"product": product.pk, "quantity": 1}))
    answers["cart"] = timed(lambda: client.get(reverse("cart:detail")))
    details = {"email": "grace@example.com", "name": "Grace Hopper", "line1": "1 Harbour Road", "city": "Bristol",
               "postcode": "BS1 5DD", "country": "United Kingdom"}
    answers["checkout details"] = timed(lambda: client.post(reverse("checkout:start"), details))
    review = client.get(reverse("checkout:review")).context["form"].initial
    with django_capture_on_commit_callbacks(execute=True):  # the order e-mail's publish runs here
        answers["place order"] = timed(
            lambda: client.post(
                reverse("checkout:place"),
                {"idempotency_key": review["idempotency_key"], "expected_total": review["expected_total"],
                 "payment_method": "bank_transfer"},
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        answers["refresh now"] = timed(lambda: admin_client.post(reverse("admin:copurchase_snapshot_refresh")))

    statuses = {name: response.status_code for name, (response, _) in answers.items()}
    assert statuses == {
        "home": 200, "product page": 200, "add to cart": 302, "cart": 200, "checkout details": 302,
        "place order": 302, "refresh now": 302,
    }
    slow = {name: round(seconds, 2) for name, (_, seconds) in answers.items() if seconds > FAST_SECONDS}
    assert not slow, slow
    assert Order.objects.get().lines.get().product == product
    assert Product.objects.get(pk=product.pk).stock == 3
    assert not Snapshot.objects.exists()
