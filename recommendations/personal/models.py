"""A signed-in customer's recently viewed products. Guests keep theirs in a signed cookie
(`history.VIEWED_COOKIE`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ViewedProduct(models.Model):
    """The last time a customer looked at a product: one row per (customer, product),
    upserted on each view; the oldest rows beyond RECOMMENDATIONS_RECENTLY_VIEWED_KEEP go."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="one_viewed_row_per_product")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="viewed_by_user_newest")]

    def __str__(self):
        return f"{self.user} viewed {self.product} at {self.viewed_at:%Y-%m-%d %H:%M}"
