from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .selectors import order_for_confirmation, order_for_customer, order_summary


def _order_context(order):
    summary = order_summary(order=order)
    provider = summary["payment_provider"]
    # "Pay by card" while a card order waits (its Stripe page may have been closed).
    can_pay = summary["awaiting_payment"] and provider is not None and provider.code == "card" and provider.is_available()
    return {**summary, "can_pay_by_card": can_pay}


@require_safe
def confirmation(request, token):
    """The order confirmation, reached by the unguessable link: works for guests."""
    order = order_for_confirmation(token=token)
    return render(request, "orders/confirmation.html", _order_context(order))


@require_safe
@login_required
def detail(request, number):
    order = order_for_customer(user=request.user, number=number)
    return render(request, "orders/detail.html", _order_context(order))
