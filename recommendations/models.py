"""Staff curation: what goes with what, what is better than what, what never goes together.

The nightly statistics live in `recommendations.copurchase`; the selection that blends both
for every placement lives in `recommendations.selectors` (what a page shows and in which
order: `recommendations.selectors.placements`).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ComplementQuerySet(models.QuerySet):
    def current(self, *, now=None):
        """Links whose optional date window contains `now`."""
        now = now or timezone.now()
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=now),
            Q(active_until__isnull=True) | Q(active_until__gt=now),
        )


class Complement(models.Model):
    """A staff-curated "goes well with" link; shown before anything computed, in `position` order."""

    product = models.ForeignKey("catalog.Product", related_name="complement_links", on_delete=models.CASCADE)
    complement = models.ForeignKey("catalog.Product", related_name="complement_of_links", on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)
    pitch = models.CharField(max_length=120, blank=True, help_text='A short reason shown to shoppers, e.g. "Keeps the blade sharp".')
    active_from = models.DateTimeField(null=True, blank=True)
    active_until = models.DateTimeField(null=True, blank=True)
    two_way = models.BooleanField(
        default=False, help_text="Also recommend this product on the complement's page."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ComplementQuerySet.as_manager()

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "complement"], name="unique_complement_link"),
            models.CheckConstraint(condition=~Q(product=F("complement")), name="complement_not_self"),
        ]

    def __str__(self):
        return f"{self.product} → {self.complement}"

    def clean(self):
        if self.product_id and self.product_id == self.complement_id:
            raise ValidationError({"complement": "A product cannot complement itself."})
        if self.active_from and self.active_until and self.active_until <= self.active_from:
            raise ValidationError({"active_until": "The end must be after the start."})


class Upgrade(models.Model):
    """A better product to offer instead ("Toasts bagels too")."""

    product = models.ForeignKey("catalog.Product", related_name="upgrade_links", on_delete=models.CASCADE)
    upgrade = models.ForeignKey("catalog.Product", related_name="upgrade_of_links", on_delete=models.CASCADE)
    pitch = models.CharField(max_length=120, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "upgrade"], name="unique_upgrade_link"),
            models.CheckConstraint(condition=~Q(product=F("upgrade")), name="upgrade_not_self"),
        ]

    def __str__(self):
        return f"{self.product} ⇒ {self.upgrade}"

    def clean(self):
        if self.product_id and self.product_id == self.upgrade_id:
            raise ValidationError({"upgrade": "A product cannot be an upgrade of itself."})


class Exclusion(models.Model):
    """Two products never shown together, whatever the statistics say.

    The pair is unordered; it is stored with product_a < product_b so one unique constraint
    covers both directions and a lookup needs no OR.
    """

    product_a = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    product_b = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product_a", "product_b"], name="unique_exclusion_pair"),
            models.CheckConstraint(condition=Q(product_a__lt=F("product_b")), name="exclusion_pair_normalised"),
        ]

    def __str__(self):
        return f"{self.product_a} ✕ {self.product_b}"

    def clean(self):
        if self.product_a_id and self.product_a_id == self.product_b_id:
            raise ValidationError("A product cannot be excluded from itself.")
        # Before the constraints are validated, so staff may enter the pair either way round.
        self.normalise()

    def normalise(self):
        if self.product_a_id and self.product_b_id and self.product_a_id > self.product_b_id:
            self.product_a, self.product_b = self.product_b, self.product_a

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)


class TierLadder(models.Model):
    """An ordered group of products of one line (2-slice / 4-slice / 4-slice Pro)."""

    name = models.CharField(max_length=120)
    hide_identical_rows = models.BooleanField(
        default=True, help_text="Leave out comparison rows where every tier has the same value."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LadderTier(models.Model):
    ladder = models.ForeignKey(TierLadder, related_name="tiers", on_delete=models.CASCADE)
    # A product sits in at most one ladder, so "its ladder" is unambiguous.
    product = models.OneToOneField("catalog.Product", related_name="ladder_tier", on_delete=models.CASCADE)
    label = models.CharField(max_length=60, help_text='e.g. "Good", "Better", "Best" or "2-slice".')
    position = models.PositiveIntegerField(default=0)
    is_recommended = models.BooleanField(default=False)

    class Meta:
        ordering = ["ladder", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ladder"], condition=Q(is_recommended=True), name="one_recommended_tier_per_ladder"
            ),
        ]

    def __str__(self):
        return f"{self.ladder}: {self.label}"


class Bundle(models.Model):
    """A set of products sold together at a discount, applied when every item is in the cart."""

    class DiscountType(models.TextChoices):
        PERCENT = "percent", "Percent off"
        AMOUNT = "amount", "Amount off"

    name = models.CharField(max_length=120)
    discount_type = models.CharField(max_length=10, choices=DiscountType, default=DiscountType.PERCENT)
    discount_value = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(discount_value__gt=0), name="bundle_discount_positive"),
            models.CheckConstraint(
                condition=~Q(discount_type="percent") | Q(discount_value__lte=100), name="bundle_percent_at_most_100"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.discount_value is None:
            return
        if self.discount_value <= 0:
            raise ValidationError({"discount_value": "The discount must be more than zero."})
        if self.discount_type == self.DiscountType.PERCENT and self.discount_value > 100:
            raise ValidationError({"discount_value": "A percentage discount cannot exceed 100%."})


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, related_name="items", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", related_name="bundle_items", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["bundle", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "product"], name="unique_bundle_product")]

    def __str__(self):
        return f"{self.quantity} × {self.product}"


class CurationVersion(models.Model):
    """A single counter bumped on every curation edit; part of every recommendation cache key,
    so an edit invalidates all cached blocks at once without scanning keys."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Curation version {self.version}"


class HealthReport(Complement):
    """The curation health report (`recommendations.health`), an admin page that is not a
    list of rows: a proxy gives it a line, a link and a permission of its own on the admin
    index, beside the curation it checks, with no table behind it."""

    class Meta:
        proxy = True
        verbose_name = "health report"
        verbose_name_plural = "health report"
