from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

# At or below this many units a product shows "Only N left" (pages and the admin filter).
LOW_STOCK_THRESHOLD = 5


class Category(models.Model):
    """A node of the category tree (parent is null for top-level categories)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, related_name="children", on_delete=models.PROTECT)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    is_featured = models.BooleanField(default=False, help_text="Shown on the home page.")
    is_active = models.BooleanField(
        "visible",
        default=True,
        help_text="Hidden categories and everything below them leave the menu and their pages are not found. "
        "Their products stay on sale (in search and on their own pages): hide a product with its own Active box.",
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:category", kwargs={"slug": self.slug})


class ProductQuerySet(models.QuerySet):
    """Bulk writes send no signals: they move the cached pages on themselves (stock moves,
    sales counts, ratings, the demo loader)."""

    def update(self, **kwargs):
        from catalog.fragments import pages_version_bump

        pages_version_bump()
        return super().update(**kwargs)

    def bulk_create(self, *args, **kwargs):
        from catalog.fragments import pages_version_bump

        pages_version_bump()
        return super().bulk_create(*args, **kwargs)

    def active(self):
        return self.filter(is_active=True)

    def in_stock(self):
        return self.filter(stock__gt=0)

    def available(self):
        """Products a shopper can buy now: active and in stock."""
        return self.active().in_stock()


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, related_name="products", on_delete=models.PROTECT)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True, db_index=True)
    is_featured = models.BooleanField(default=False, help_text="Shown on the home page.")
    is_consumable = models.BooleanField(
        default=False, help_text="Bought again and again: may be recommended to customers who bought it before."
    )
    # Orders containing the product; kept up to date by order placement and the demo loader,
    # so "sort by popularity" is an indexed column, not an aggregate over every order line.
    sales_count = models.PositiveIntegerField(default=0, db_index=True)
    # Published reviews, denormalised by catalog.reviews on every moderation so cards and
    # recommendation blocks show "★ 4.6 (128)" from the row they already read. Not editable:
    # a product form must never write back figures read before a moderation.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_histogram = models.JSONField(
        default=list, blank=True, editable=False, help_text="Published reviews by stars: [1★, 2★, 3★, 4★, 5★]."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["category", "is_active", "price"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def is_available(self):
        return self.is_active and self.stock > 0

    @property
    def stock_state(self) -> str:
        """One of "out", "low" (LOW_STOCK_THRESHOLD or fewer left) or "in"."""
        if self.stock <= 0:
            return "out"
        return "low" if self.stock <= LOW_STOCK_THRESHOLD else "in"

    @property
    def max_quantity(self):
        return min(self.stock, settings.MAX_LINE_QUANTITY)


class ProductImage(models.Model):
    """An uploaded product image; thumbnails in the sizes the templates use are made on save."""

    product = models.ForeignKey(Product, related_name="images", on_delete=models.CASCADE)
    image = models.ImageField(upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(upload_to="products/thumbs/", blank=True, editable=False)
    medium = models.ImageField(upload_to="products/medium/", blank=True, editable=False)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or f"Image of {self.product_id}"


class Attribute(models.Model):
    """A comparable property of products ("Slices", "Bagel setting"), read by the tier chart."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        BOOLEAN = "boolean", "Yes / no"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=90, unique=True)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.TEXT)
    unit = models.CharField(max_length=20, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ProductAttributeValue(models.Model):
    product = models.ForeignKey(Product, related_name="attribute_values", on_delete=models.CASCADE)
    attribute = models.ForeignKey(Attribute, related_name="values", on_delete=models.CASCADE)
    value = models.CharField(max_length=200)

    class Meta:
        ordering = ["attribute__position", "attribute__name"]
        constraints = [models.UniqueConstraint(fields=["product", "attribute"], name="one_value_per_attribute")]

    def __str__(self):
        return f"{self.attribute}: {self.value}"


class StockMovement(models.Model):
    """One change of a product's stock: the ledger that explains every level.

    Stock is never written as a figure: every writer (a sale, a cancellation or expiry, a
    return or adjustment by staff, the demo load) goes through catalog.services.stock_move,
    which applies the change as a delta and writes one row here in the same transaction. So
    the deltas of a product sum to its stock, and a form loaded before a sale can't undo it.
    """

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        CANCELLATION = "cancellation", "Order cancelled"
        EXPIRY = "expiry", "Order not paid in time"
        RETURN = "return", "Returned by a customer"
        ADJUSTMENT = "adjustment", "Adjustment by staff"
        DEMO = "demo", "Demo data"

    product = models.ForeignKey(Product, related_name="stock_movements", on_delete=models.CASCADE)
    delta = models.IntegerField(help_text="Units added (positive) or taken (negative).")
    kind = models.CharField(max_length=20, choices=Kind)
    note = models.CharField(max_length=200, blank=True)
    # The order's number, not a foreign key: the catalog imports no other app, and the line
    # keeps its meaning if the order is ever deleted.
    order_number = models.CharField("order", max_length=20, blank=True, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    stock_after = models.PositiveIntegerField("stock after")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at", "-id"], name="stock_movement_newest")]
        constraints = [models.CheckConstraint(condition=~models.Q(delta=0), name="stock_movement_not_zero")]

    def __str__(self):
        return f"{self.delta:+d} × {self.product_id} ({self.get_kind_display()})"
