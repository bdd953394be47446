from django.conf import settings
from django.db import models


class Cart(models.Model):
    """A visitor's cart, kept in the database: keyed by session, or by customer once signed in."""

    session_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="cart", on_delete=models.CASCADE
    )
    # Known once the visitor signs in or types it at checkout (abandoned-cart reminders).
    email = models.EmailField(blank=True)
    # The recommendations' holdout group of the visitor who started the cart (an
    # Order.Group value, set by the measurement app as the cart is created): the
    # abandoned-cart e-mail, which recommends, is not sent to the holdout.
    rec_group = models.CharField(max_length=10, blank=True)
    # The voucher code the shopper entered (shop.offers checks it every time the cart is
    # priced); a code, not a foreign key, so the cart imports no offers model.
    voucher_code = models.CharField(max_length=40, blank=True)
    # Loyalty points the signed-in customer chose to spend (checked against their balance
    # and the share allowed every time the cart is priced).
    points_to_redeem = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self):
        return f"Cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", related_name="cart_lines", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)
    # Set when the line was added from a recommendation, so a later purchase can be attributed.
    # Any short lowercase slug (services.rec_origin_from_values): the recommendations app
    # names them (recommendations.vocabulary), but the cart does not import it, so it has no
    # choices here.
    rec_placement = models.CharField(max_length=30, blank=True)
    rec_source = models.CharField(max_length=20, blank=True)
    rec_anchor = models.ForeignKey(
        "catalog.Product", null=True, blank=True, related_name="+", on_delete=models.SET_NULL,
        help_text="The product the recommendation was shown for.",
    )
    rec_added_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product")]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"


class CartLineService(models.Model):
    """A service add-on (shop.addons.Service) taken with a cart line's item.

    It has no quantity or price of its own: it is bought as many times as its line's item and
    priced from the item's price when the totals are worked out, so it can't drift from its
    item. Removing the line removes it (cascade); a line has each service at most once.
    """

    line = models.ForeignKey(CartLine, related_name="services", on_delete=models.CASCADE)
    service = models.ForeignKey("addons.Service", related_name="+", on_delete=models.CASCADE)
    # Where the shopper took it (shop.addons.OfferedAt: a measurement placement), for attribution.
    rec_placement = models.CharField(max_length=30, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["line", "service"], name="one_of_each_service_per_line")]

    def __str__(self):
        return f"{self.service_id} with line {self.line_id}"
