"""Stripe's notifications: verified, dispatched by type, applied once per event id.

Outcomes the view turns into responses: a bad signature or body is refused (400) before
anything is read from it; an event for a payment the shop doesn't know, or of a type it
doesn't act on, is logged and acknowledged (200) so Stripe stops retrying it; a repeat of an
event already handled is acknowledged and changes nothing.
"""

import logging
from enum import StrEnum

import stripe

from . import gateway
from .providers import refund_status_from_stripe
from .refunds import payment_refund_update
from .services import as_dict, payment_apply_session, payment_for_session, session_view

logger = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}


class Outcome(StrEnum):
    APPLIED = "applied"
    REPEAT = "repeat"
    UNKNOWN = "unknown"  # no such payment here
    IGNORED = "ignored"  # a type the shop doesn't act on


class BadWebhook(Exception):
    """Not a genuine Stripe notification (signature or body); nothing was read from it."""


def webhook_handle(*, payload: bytes, signature: str) -> Outcome:
    try:
        event = gateway.event_construct(payload=payload, signature=signature)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadWebhook(str(exc)) from exc
    obj = as_dict(event.data.object)
    if event.type in SESSION_EVENTS:
        view = session_view(obj)
        payment = payment_for_session(view)
        if payment is None:
            logger.warning("Stripe event %s (%s) for unknown session %s: ignored", event.id, event.type, view.id)
            return Outcome.UNKNOWN
        applied = payment_apply_session(payment=payment, view=view, event_id=event.id, event_type=event.type)
        return Outcome.APPLIED if applied else Outcome.REPEAT
    if event.type in REFUND_EVENTS:
        metadata = obj.get("metadata") or {}
        payment = payment_refund_update(
            refund_id=obj.get("id") or "",
            status=refund_status_from_stripe(obj.get("status")),
            payment_id=str(metadata.get("payment_id") or ""),
            event_id=event.id,
            event_type=event.type,
        )
        if payment is None:
            logger.warning("Stripe event %s (%s) for unknown refund %s: ignored", event.id, event.type, obj.get("id"))
            return Outcome.UNKNOWN
        return Outcome.APPLIED
    logger.info("Stripe event %s of type %s: not used", event.id, event.type)
    return Outcome.IGNORED
