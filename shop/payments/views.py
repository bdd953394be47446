"""The Stripe webhook, the page Stripe sends the shopper back to, and "Pay by card"."""

import logging

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from shop.orders.models import Order
from shop.orders.selectors import order_for_confirmation, order_items

from .providers import CardProvider
from .selectors import order_payment_state
from .services import PaymentError, card_payment_start, order_payment_refresh
from .webhooks import BadWebhook, webhook_handle

logger = logging.getLogger(__name__)


# Stripe signs its requests instead of carrying a CSRF token; the signature is checked first.
@csrf_exempt
@require_POST
def webhook(request):
    try:
        outcome = webhook_handle(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except BadWebhook as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("Invalid Stripe signature or payload.", content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")


@require_safe
def payment_return(request, token):
    """Where Stripe sends the shopper back (paid or not). The address's query string is never
    read: the state shown is the database's, refreshed from Stripe for the order's own session."""
    order = order_for_confirmation(token=token)
    last_attempt_failed = order_payment_refresh(order=order)
    order = order_for_confirmation(token=token)
    state = order_payment_state(order=order, last_attempt_failed=last_attempt_failed)
    return render(
        request,
        "payments/return.html",
        {"order": order, "lines": order_items(order.lines.all()), "adjustments": list(order.adjustments.all()), "payment": state},
    )


@require_POST
def pay(request, token):
    """"Pay by card" on the order's pages: off to the order's Stripe payment page."""
    order = order_for_confirmation(token=token)
    return redirect_to_payment(request, order)


def redirect_to_payment(request, order: Order):
    """After placing a card order (or "Pay by card"): Stripe's page for it, or, when that
    can't be opened, the order's page with the reason and a button to try again."""
    if order.payment_method != CardProvider.code or order.status != Order.Status.AWAITING_PAYMENT:
        return redirect(order.get_confirmation_url())
    return_url = request.build_absolute_uri(reverse("payments:return", kwargs={"token": order.access_token}))
    try:
        return redirect(card_payment_start(order=order, success_url=return_url, cancel_url=return_url))
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(order.get_confirmation_url())
