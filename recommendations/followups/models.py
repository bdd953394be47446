"""Follow-up e-mails: who asked not to get them, and what was sent (or deliberately not)."""

from django.db import models
from django.db.models import Q


class OptOut(models.Model):
    """An address that asked for no follow-up e-mails, stored lower-cased: the record of
    the unsubscribe. What sending checks is the address's marketing consent
    (shop.accounts.MarketingConsent), which the unsubscribe withdrew; a later opt-in
    (ticked again at checkout) is a new consent."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "opt-out"

    def __str__(self):
        return self.email


class FollowUp(models.Model):
    """One follow-up decided for an order or an idle cart: the row is claimed (inserted) before
    the e-mail goes out and its unique constraints are what make sending idempotent, however
    many workers or beat runs overlap."""

    class Kind(models.TextChoices):
        POST_PURCHASE = "post_purchase", "After purchase"
        ABANDONED_CART = "abandoned_cart", "Abandoned cart"
        REVIEW_REQUEST = "review_request", "How was it? (review request)"
        # About what the customer owns (followups.owned): once per product owned, and once per
        # purchase of a consumable.
        UPGRADE = "upgrade", "Upgrade what you own"
        RESTOCK = "restock", "Time to restock"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        # Nothing worth recommending (or nothing left in the cart): decided, never retried.
        SKIPPED = "skipped", "Skipped"

    kind = models.CharField(max_length=20, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.SENT)
    email = models.EmailField()
    order = models.ForeignKey("orders.Order", null=True, blank=True, related_name="followups", on_delete=models.CASCADE)
    cart = models.ForeignKey("cart.Cart", null=True, blank=True, related_name="followups", on_delete=models.SET_NULL)
    # The cart's updated_at when it was found idle: one reminder per abandoned state of a cart.
    cart_idle_since = models.DateTimeField(null=True, blank=True)
    # Upgrade and restock: the product the e-mail is about (owned, or to restock); a restock
    # reminder's order is the customer's last purchase of it.
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    product_ids = models.JSONField(default=list, blank=True, help_text="Products the e-mail recommended (or, asking for reviews, asked about).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(kind="post_purchase"), name="one_followup_per_order"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="review_request"), name="one_review_request_per_order"
            ),
            models.UniqueConstraint(
                fields=["cart", "cart_idle_since"],
                condition=Q(kind="abandoned_cart"),
                name="one_reminder_per_idle_cart",
            ),
            models.UniqueConstraint(
                fields=["email", "product"], condition=Q(kind="upgrade"), name="one_upgrade_offer_per_owned_product"
            ),
            models.UniqueConstraint(
                fields=["order", "product"], condition=Q(kind="restock"), name="one_restock_reminder_per_purchase"
            ),
        ]
        indexes = [models.Index(fields=["kind", "email", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.email} ({self.get_status_display()})"
