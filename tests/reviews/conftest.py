from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.reviews.services import product_ratings_refresh
from shop.orders.models import Order
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, ReviewFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


@pytest.fixture
def kettle(db):
    return ProductFactory(name="Enamel Kettle", slug="enamel-kettle")


def place_order(*, product, user=None, status=Order.Status.PAID, email=None, name="Ada Lovelace", days_ago=3):
    placed = timezone.now() - timedelta(days=days_ago)
    order = OrderFactory(
        user=user,
        email=email or (user.email if user else "guest@example.com"),
        shipping_name=name,
        status=status,
        placed_at=placed,
        shipped_at=placed + timedelta(days=1) if status == Order.Status.SHIPPED else None,
    )
    OrderLineFactory(order=order, product=product)
    return order


@pytest.fixture
def buyer(db, kettle):
    """A signed-up customer with a paid order for the kettle."""
    user = UserFactory(username="ada@example.com", email="ada@example.com")
    place_order(product=kettle, user=user)
    return user


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


def reviewed(product, *ratings, **fields):
    """Published reviews with these ratings, and the product's figures brought up to date."""
    reviews = [ReviewFactory(product=product, rating=rating, **fields) for rating in ratings]
    product_ratings_refresh(product_ids=[product.pk])
    product.refresh_from_db()
    return reviews
