"""factory_boy factories shared by every test module."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Attribute, Category, Product, ProductAttributeValue
from shop.cart.models import Cart, CartLine
from shop.orders.models import Order, OrderLine


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A well-made thing."
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("10.00")
    stock = 50
    is_active = True


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribute

    name = factory.Sequence(lambda n: f"Attribute {n}")
    slug = factory.Sequence(lambda n: f"attribute-{n}")


class ProductAttributeValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductAttributeValue

    product = factory.SubFactory(ProductFactory)
    attribute = factory.SubFactory(AttributeFactory)
    value = "yes"


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    session_key = factory.Sequence(lambda n: f"session{n:032d}")


class CartLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:07d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    placed_at = factory.LazyFunction(timezone.now)
    status = Order.Status.PAID


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    sku = factory.LazyAttribute(lambda line: line.product.sku)
    name = factory.LazyAttribute(lambda line: line.product.name)
    unit_price = factory.LazyAttribute(lambda line: line.product.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)
