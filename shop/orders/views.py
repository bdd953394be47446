from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from shop.checkout.payments import PROVIDERS

from .selectors import order_for_confirmation, order_for_customer


def _order_context(order):
    provider = PROVIDERS.get(order.payment_method)
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "payment_provider": provider,
        "payment_instructions": provider.instructions(order) if provider else "",
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
