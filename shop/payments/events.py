"""Provider notifications already acted on: one record per event id, written in the same
transaction as the event's effect."""

from django.db import IntegrityError, transaction

from .models import Payment, WebhookEvent


def event_first_delivery(*, event_id: str, event_type: str, payment: Payment | None) -> bool:
    """True for the first delivery of the event (now recorded); False for a repeat. Under
    concurrent deliveries the unique key makes the second wait for the first and then fail."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(event_id=event_id, type=event_type, payment=payment)
    except IntegrityError:
        return False
    return True
