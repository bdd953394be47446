"""API tokens: how a client that isn't the shop's own pages (a mobile app, a partner's
service) acts for a customer. Staff create them in the admin; the key is shown once and
only its SHA-256 is kept, so a leaked database holds no usable token."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="api_tokens", on_delete=models.CASCADE)
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “iOS app on Ada's phone”.")
    # The first characters of the key, to tell tokens apart in the admin and the logs.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The session that carries the client's experiment group and visitor (and, for a
    # customer, nothing else: the cart is the customer's own), so a token client is one
    # visitor, as a browser is.
    session_key = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until it is deleted.")

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
