"""factory_boy factories shared by every test module."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Attribute, Category, Product, ProductAttributeValue
from shop.addons.models import Service
from shop.cart.models import Cart, CartLine, CartLineService
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
    payment_method = "bank_transfer"


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


class ProductImageFactory(factory.django.DjangoModelFactory):
    """An uploaded picture with its renditions made, as the admin saves it."""

    class Meta:
        model = "catalog.ProductImage"

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(width=64, height=48, color="teal", format="PNG")
    alt = factory.LazyAttribute(lambda image: image.product.name)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from catalog.services import product_image_save

        return product_image_save(image=model_class(*args, **kwargs))


# Recommendations (curation) ---------------------------------------------------------------


class ComplementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.Complement"

    product = factory.SubFactory(ProductFactory)
    complement = factory.SubFactory(ProductFactory)
    position = factory.Sequence(lambda n: n)


class UpgradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.Upgrade"

    product = factory.SubFactory(ProductFactory)
    upgrade = factory.SubFactory(ProductFactory, price=Decimal("14.00"))


class TierLadderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.TierLadder"

    name = factory.Sequence(lambda n: f"Ladder {n}")


class LadderTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.LadderTier"

    ladder = factory.SubFactory(TierLadderFactory)
    product = factory.SubFactory(ProductFactory)
    label = factory.Sequence(lambda n: f"Tier {n}")
    position = factory.Sequence(lambda n: n)


class BundleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.Bundle"

    name = factory.Sequence(lambda n: f"Bundle {n}")
    discount_type = "percent"
    discount_value = Decimal("10.00")


class BundleItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recommendations.BundleItem"

    bundle = factory.SubFactory(BundleFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


# Reviews ----------------------------------------------------------------------------------


class ReviewFactory(factory.django.DjangoModelFactory):
    """A published review by a guest; pass status="pending" etc. Rating figures on the
    product are not refreshed: call catalog.reviews.services.product_ratings_refresh."""

    class Meta:
        model = "reviews.Review"

    product = factory.SubFactory(ProductFactory)
    email = factory.Sequence(lambda n: f"reviewer{n}@example.com")
    author_name = "Ada L."
    rating = 5
    title = factory.Sequence(lambda n: f"Review {n}")
    text = "Does exactly what it says, and well made too."
    status = "published"
    is_verified_purchase = True


class ServiceFactory(factory.django.DjangoModelFactory):
    """A fixed-price service add-on; pass `categories=[…]` or `products=[…]` to offer it."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.Sequence(lambda n: f"service-{n}")
    pricing = Service.Pricing.FIXED
    price = Decimal("4.99")

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


class CartLineServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartLineService

    line = factory.SubFactory(CartLineFactory)
    service = factory.SubFactory(ServiceFactory)


class DealFactory(factory.django.DjangoModelFactory):
    """A deal live now, 20% off, for a day, no cap."""

    class Meta:
        model = "offers.Deal"

    product = factory.SubFactory(ProductFactory)
    kind = "percent"
    percent_off = Decimal("20")
    deal_price = None
    starts_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=23))
    quantity_cap = None


class VoucherFactory(factory.django.DjangoModelFactory):
    """A live code, 10% off, no minimum, no total limit, once per customer."""

    class Meta:
        model = "offers.Voucher"

    code = factory.Sequence(lambda n: f"SAVE{n:04d}")
    kind = "percent"
    value = Decimal("10")
    minimum_spend = Decimal("0.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    ends_at = None
    usage_limit = None
    per_customer_limit = 1
