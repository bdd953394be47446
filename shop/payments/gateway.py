"""The few Stripe calls the shop makes, through the official library.

One StripeClient per configuration (key, address, timeouts), made on first use: no global
`stripe.api_key`, and tests point it at a local stand-in with STRIPE_API_BASE. Every call that
creates something carries an idempotency key, so a retry after a lost response finds the
object the first call made instead of making a second one.
"""

from datetime import datetime
from functools import lru_cache

import stripe
from django.conf import settings


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY and settings.STRIPE_WEBHOOK_SECRET)


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: tuple[float, float], retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        tuple(settings.STRIPE_TIMEOUT),
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def checkout_session_create(
    *,
    amount: int,
    currency: str,
    description: str,
    email: str,
    reference: str,
    metadata: dict[str, str],
    expires_at: datetime,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> stripe.checkout.Session:
    """A hosted payment page for one amount: the order's total as one line, so what Stripe
    charges is exactly the total the shop computed."""
    return client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "payment_method_types": ["card"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": currency, "unit_amount": amount, "product_data": {"name": description}},
                }
            ],
            "customer_email": email,
            "client_reference_id": reference,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": idempotency_key},
    )


def checkout_session_retrieve(session_id: str) -> stripe.checkout.Session:
    return client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]})


def checkout_session_expire(session_id: str) -> stripe.checkout.Session:
    return client().v1.checkout.sessions.expire(session_id)


def payment_intent_retrieve(payment_intent_id: str) -> stripe.PaymentIntent:
    return client().v1.payment_intents.retrieve(payment_intent_id)


def refund_create(*, payment_intent_id: str, amount: int, metadata: dict[str, str], idempotency_key: str) -> stripe.Refund:
    return client().v1.refunds.create(
        params={"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )


def event_construct(*, payload: bytes, signature: str) -> stripe.Event:
    """The event, after checking its Stripe-Signature against the webhook secret (raises
    stripe.SignatureVerificationError, or ValueError for a body that isn't JSON)."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
