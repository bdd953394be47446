"""Settings mistakes that would otherwise show up only when a customer tries to pay."""

from django.conf import settings
from django.core.checks import Error, Warning, register

STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")


@register()
def payment_settings(app_configs, **kwargs):
    problems = []
    present = [name for name in STRIPE_KEYS if getattr(settings, name)]
    if present and len(present) < len(STRIPE_KEYS):
        missing = ", ".join(name for name in STRIPE_KEYS if name not in present)
        problems.append(
            Warning(f"Card payments are off: {missing} is not set.", hint="Set all three Stripe keys.", id="payments.W001")
        )
    if not 30 <= settings.CARD_PAYMENT_WINDOW_MINUTES <= 24 * 60:
        problems.append(
            Error(
                "CARD_PAYMENT_WINDOW_MINUTES must be between 30 and 1440.",
                hint="It is also the Stripe Checkout session's lifetime, which Stripe allows from 30 minutes to 24 hours.",
                id="payments.E001",
            )
        )
    if settings.BANK_TRANSFER_PAYMENT_DAYS < 1:
        problems.append(Error("BANK_TRANSFER_PAYMENT_DAYS must be at least 1.", id="payments.E002"))
    return problems
