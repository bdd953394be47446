"""The offers: deals of the day (a product sold at a lower price between two moments, optionally
for a limited number of units), vouchers and their uses, and the settings staff tune."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models

CENT = Decimal("0.01")


class DealQuerySet(models.QuerySet):
    def live_at(self, moment):
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)


class Deal(models.Model):
    class Kind(models.TextChoices):
        PRICE = "price", "Deal price"
        PERCENT = "percent", "Percentage off"

    product = models.ForeignKey("catalog.Product", related_name="deals", on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PERCENT)
    deal_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="The price during the deal (deal price only)."
    )
    percent_off = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="1–90 (percentage off only)."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    quantity_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units sold at the deal price at most; empty for no limit."
    )
    # Only order placement changes it, under the deal's row lock (shop.offers.services).
    units_sold = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="deal_ends_after_start"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="price", deal_price__gt=0, percent_off__isnull=True)
                    | models.Q(kind="percent", percent_off__gt=0, percent_off__lte=90, deal_price__isnull=True)
                ),
                name="deal_price_or_percent",
            ),
        ]

    def __str__(self):
        return f"Deal on {self.product_id} from {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def remaining(self) -> int | None:
        return None if self.quantity_cap is None else max(self.quantity_cap - self.units_sold, 0)

    def unit_price(self, list_price: Decimal) -> Decimal:
        return deal_unit_price(kind=self.kind, deal_price=self.deal_price, percent_off=self.percent_off, list_price=list_price)


def deal_unit_price(*, kind: str, deal_price, percent_off, list_price: Decimal) -> Decimal:
    """The price during a deal: never above the list price (a deal price set above a price
    staff lowered since gives no deal)."""
    if kind == Deal.Kind.PRICE:
        price = deal_price
    else:
        price = (list_price * (Decimal(100) - percent_off) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(price, list_price)


class Voucher(models.Model):
    """A code the shopper types in the cart. Staff make shared codes in the admin; the shop
    makes single-use ones for one customer (the "10% off your next order" e-mail)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        AMOUNT = "amount", "Amount off"

    class Source(models.TextChoices):
        STAFF = "staff", "Made by staff"
        POST_PURCHASE = "post_purchase", "Next-order e-mail"
        ABANDONED_CART = "abandoned_cart", "Cart reminder e-mail"

    # Stored upper-case; shoppers may type it in any case.
    code = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True, help_text="Shown to staff only.")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PERCENT)
    value = models.DecimalField(max_digits=10, decimal_places=2, help_text="Percent (1–100) or pounds off.")
    minimum_spend = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"),
        help_text="The goods in the cart must come to at least this, after deals and bundles.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no end.")
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Orders in all; empty for no limit.")
    per_customer_limit = models.PositiveIntegerField(
        null=True, blank=True, default=1, help_text="Orders per customer (account or e-mail address); empty for no limit."
    )
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="+",
        help_text="Only goods in these categories (and those below them) count; none: everything.",
    )
    # A personal code: only this customer may use it.
    customer_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Source, default=Source.STAFF, editable=False)
    # Only order placement changes it, under the voucher's row lock (shop.offers.services).
    times_used = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="voucher_value_positive"),
            models.CheckConstraint(
                condition=~models.Q(kind="percent", value__gt=100), name="voucher_percent_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="voucher_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def offer(self) -> str:
        if self.kind == self.Kind.PERCENT:
            return f"{self.value.normalize():f}% off"
        return f"£{self.value} off"


class VoucherUse(models.Model):
    """One order's use of a voucher, as placed (the per-customer limit counts these)."""

    voucher = models.ForeignKey(Voucher, related_name="uses", on_delete=models.PROTECT)
    order = models.OneToOneField("orders.Order", related_name="voucher_use", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    email = models.EmailField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-used_at", "id"]
        indexes = [models.Index(fields=["voucher", "email"])]

    def __str__(self):
        return f"{self.voucher_id} on {self.order_id}"


class OfferSettings(models.Model):
    """The offers staff switch on and tune in the admin: one row."""

    next_order_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10"),
        help_text="The post-purchase e-mail's single-use code: percent off the customer's next order (0: none).",
    )
    next_order_days = models.PositiveIntegerField(default=30, help_text="Days that code can be used.")
    abandoned_cart_voucher = models.BooleanField(
        default=False, help_text="Put a single-use code in the abandoned-cart reminder too."
    )
    abandoned_cart_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("5"))
    abandoned_cart_days = models.PositiveIntegerField(default=7)
    points_per_pound = models.PositiveIntegerField(
        default=1, help_text="Loyalty points per whole £1 of goods paid (0: no points are earned)."
    )
    point_value = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal("0.01"), help_text="What one point takes off, in pounds."
    )
    points_max_share_percent = models.PositiveIntegerField(
        default=50, help_text="Points pay for at most this share of the goods (after other discounts)."
    )

    class Meta:
        verbose_name = verbose_name_plural = "Offer settings"

    def __str__(self):
        return "Offer settings"


class PointsAccount(models.Model):
    """A customer's loyalty points: the balance is the sum of their ledger, kept beside it in
    the same transaction, and the row is what a redemption locks."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="points_account", on_delete=models.CASCADE)
    balance = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.balance} points"


class PointsEntry(models.Model):
    """One movement of points, never changed once written (an append-only ledger)."""

    class Kind(models.TextChoices):
        EARNED = "earned", "Earned on a paid order"
        EARNED_REVERSED = "earned_reversed", "Taken back: order cancelled or refunded"
        REDEEMED = "redeemed", "Spent on an order"
        REDEEMED_RETURNED = "redeemed_returned", "Given back: order cancelled or refunded"
        REDEEMED_AGAIN = "redeemed_again", "Spent again: an expired order paid after all"

    account = models.ForeignKey(PointsAccount, related_name="entries", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind)
    points = models.IntegerField()  # signed: + earned or given back, − spent or taken back
    order = models.ForeignKey("orders.Order", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "points entries"
        constraints = [
            # Each order moves each kind of points once, however often a step is replayed.
            models.UniqueConstraint(fields=["order", "kind"], name="one_points_entry_per_order_and_kind"),
        ]

    def __str__(self):
        return f"{self.points:+d} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Points entries are never changed: write a new entry instead.")
        super().save(*args, **kwargs)
