"""Giving and withdrawing marketing consent. Idempotent; addresses are lower-cased."""

from django.db import transaction
from django.utils import timezone

from .models import MarketingConsent

Source = MarketingConsent.Source


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def marketing_consent_give(*, email: str, source: str, user=None) -> MarketingConsent:
    """Record a fresh opt-in (a later one after a withdrawal counts: the customer asked again)."""
    email = normalise_email(email)
    consent, _ = MarketingConsent.objects.select_for_update().get_or_create(email=email)
    consent.opted_in = True
    consent.opted_in_at = timezone.now()
    consent.opted_in_source = source
    consent.withdrawn_at = None
    consent.withdrawn_source = ""
    if user is not None and user.is_authenticated and consent.user_id is None:
        consent.user = user
    consent.save()
    return consent


@transaction.atomic
def marketing_consent_withdraw(*, email: str, source: str) -> MarketingConsent:
    """No more marketing e-mail to this address. Recorded even for an address that never
    opted in, so a later import or mistake can't quietly start sending."""
    email = normalise_email(email)
    consent, _ = MarketingConsent.objects.select_for_update().get_or_create(email=email)
    if consent.opted_in or consent.withdrawn_at is None:
        consent.opted_in = False
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_source = source
        consent.save()
    return consent


def marketing_consent_set_for_user(*, user, opted_in: bool) -> None:
    """The account page's switch: on for the account's address; off for every address
    linked to the account (one given at an earlier checkout included)."""
    if opted_in:
        marketing_consent_give(email=user.email, source=Source.ACCOUNT, user=user)
        return
    emails = {normalise_email(user.email), *MarketingConsent.objects.opted_in().filter(user=user).values_list("email", flat=True)}
    for email in sorted(e for e in emails if e):
        marketing_consent_withdraw(email=email, source=Source.ACCOUNT)
