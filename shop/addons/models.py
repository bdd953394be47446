from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class OfferedAt(models.TextChoices):
    """Where a shopper took a service: the measurement's placement names for the service offers
    (recommendations.vocabulary.Placement has the same values, which the storefront does not
    import; a test keeps the two equal). Stored on the cart's service row, then on the order
    line, so what each offer earned is attributed like a recommendation."""

    PRODUCT = "product_service", "Product page"
    CART = "cart_service", "Cart"
    CHECKOUT = "checkout_service", "Checkout"


# The measurement's source for every service add-on (recommendations.vocabulary.Source.SERVICE).
SERVICE_SOURCE = "service"


class Service(models.Model):
    """A service sold with an item — it holds no stock and is bought at most once per item,
    as many times as the item's quantity."""

    class Pricing(models.TextChoices):
        FIXED = "fixed", "Fixed price"
        SHARE = "share", "Share of the item's price"

    name = models.CharField(
        max_length=80,
        help_text="As it reads after “Add” in the offer: “2-year protection”, “gift wrap” (lists capitalise it).",
    )
    code = models.SlugField(
        max_length=40, unique=True, help_text="Its SKU on orders and in the accounts, e.g. protection-2y."
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="One or two sentences shown under the offer."
    )
    pricing = models.CharField(max_length=10, choices=Pricing, default=Pricing.FIXED)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Per item, for a fixed price.",
    )
    share_percent = models.DecimalField(
        "share of the item's price (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="For a share: 10 charges 10% of the item's price, rounded to the penny.",
    )
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="+",
        help_text="Offered with every product in these categories and the categories below them.",
    )
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", help_text="Offered with these products too."
    )
    is_active = models.BooleanField(
        "active", default=True,
        help_text="Inactive services are not offered; carts that hold one are asked to remove it before checkout.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Lower first, where an item has several.")
    is_demo = models.BooleanField("demo content", default=False, help_text="Created by load_demo.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pricing="fixed", price__isnull=False)
                | models.Q(pricing="share", share_percent__isnull=False),
                name="service_has_its_price",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.pricing == self.Pricing.FIXED:
            if self.price is None:
                raise ValidationError({"price": "A fixed-price service needs its price."})
            self.share_percent = None
        elif self.pricing == self.Pricing.SHARE:
            if self.share_percent is None:
                raise ValidationError({"share_percent": "A share-priced service needs its percentage."})
            self.price = None

    @property
    def price_rule(self) -> str:
        """“£4.99” or “10% of the item's price”, for the admin."""
        if self.pricing == self.Pricing.SHARE:
            return f"{self.share_percent.normalize():f}% of the item's price"
        return f"£{self.price}"
