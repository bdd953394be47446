from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from shop.payments.providers import provider_for

from .selectors import order_for_confirmation, order_for_customer


def _order_context(order):
    provider = provider_for(order.payment_method)
    awaiting = order.status == order.Status.AWAITING_PAYMENT
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "payment_provider": provider,
        "payment_instructions": provider.instructions(order) if provider and awaiting else "",
        # "Pay by card" while a card order waits (its Stripe page may have been closed).
        "can_pay_by_card": awaiting and provider is not None and provider.code == "card" and provider.is_available(),
    }


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
