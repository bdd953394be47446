"""Reads of marketing consent."""

from .models import MarketingConsent
from .services import normalise_email


def marketing_consent_given(*, email: str) -> bool:
    return MarketingConsent.objects.opted_in().filter(email=normalise_email(email)).exists()


def marketing_consent_for_user(*, user) -> bool:
    """Whether the account's address, or any address linked to the account, is opted in."""
    return (
        MarketingConsent.objects.opted_in().filter(email=normalise_email(user.email)).exists()
        or MarketingConsent.objects.opted_in().filter(user=user).exists()
    )
