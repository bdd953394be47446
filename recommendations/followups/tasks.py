from dataclasses import asdict

from celery import shared_task

from .owned import restocks_send_due, upgrade_offers_send_due
from .services import abandoned_carts_send_due, post_purchase_send_due, review_requests_send_due


@shared_task
def send_post_purchase_emails() -> dict:
    """Beat, hourly: the post-purchase follow-ups that are due (idempotent)."""
    return asdict(post_purchase_send_due())


@shared_task
def send_abandoned_cart_emails() -> dict:
    """Beat, every 30 minutes: the abandoned-cart reminders that are due (idempotent)."""
    return asdict(abandoned_carts_send_due())


@shared_task
def send_review_request_emails() -> dict:
    """Beat, hourly: the "How was it?" review requests that are due (idempotent)."""
    return asdict(review_requests_send_due())


@shared_task
def send_upgrade_offer_emails() -> dict:
    """Beat, daily: "Upgrade what you own" offers that are due (idempotent)."""
    return asdict(upgrade_offers_send_due())


@shared_task
def send_restock_emails() -> dict:
    """Beat, daily: "Time to restock" reminders that are due (idempotent)."""
    return asdict(restocks_send_due())
