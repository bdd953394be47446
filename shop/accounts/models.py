"""Marketing consent: who agreed to the shop's marketing e-mail, when, and where.

Order e-mails (confirmation, delivery) are part of the sale; the after-purchase note and
the abandoned-cart reminder are marketing and go only to an address with consent here.
One row per normalised address (lower-cased), linked to the customer's account when
known. No row means no consent. Unsubscribing flips the row off and keeps it, so the
record shows both when consent was given and when it was withdrawn.
"""

from django.conf import settings
from django.db import models


class MarketingConsentQuerySet(models.QuerySet):
    def opted_in(self):
        return self.filter(opted_in=True)


class MarketingConsent(models.Model):
    class Source(models.TextChoices):
        CHECKOUT = "checkout", "Ticked at checkout"
        ACCOUNT = "account", "Account e-mail preferences"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe link"
        STAFF = "staff", "Staff, on the customer's request"

    email = models.EmailField(unique=True, help_text="Lower-cased.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="marketing_consents",
        on_delete=models.SET_NULL,
    )
    opted_in = models.BooleanField(default=False)
    opted_in_at = models.DateTimeField(null=True, blank=True)
    opted_in_source = models.CharField(max_length=20, choices=Source, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_source = models.CharField(max_length=20, choices=Source, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MarketingConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "marketing consent"

    def __str__(self):
        return f"{self.email}: {'opted in' if self.opted_in else 'no'}"
