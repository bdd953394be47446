from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .selectors import order_for_confirmation, order_for_customer, order_summary


@require_safe
def confirmation(request, token):
    """The order confirmation, reached by the unguessable link: works for guests."""
    order = order_for_confirmation(token=token)
    return render(request, "orders/confirmation.html", order_summary(order=order))


@require_safe
@login_required
def detail(request, number):
    order = order_for_customer(user=request.user, number=number)
    return render(request, "orders/detail.html", order_summary(order=order))
