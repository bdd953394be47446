from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from shop.http import post_and_redirect_back

from .forms import AddToCartForm, RemoveLineForm, UpdateLineForm
from .selectors import cart_overview
from .services import cart_add_for_visitor, cart_get_for_change, cart_get_for_request, cart_remove_line, cart_set_quantity


@require_safe
def detail(request):
    overview = cart_overview(cart_get_for_request(request))
    return render(request, "cart/detail.html", {"overview": overview, "lines": overview.lines, "totals": overview.totals})


@require_POST
def add(request):
    form = AddToCartForm(request.POST)

    def change(data) -> str:
        product, quantity = data["product"], data["quantity"]
        cart_add_for_visitor(request=request, product=product, quantity=quantity, origin=form.origin())
        return f"Added {quantity} × “{product.name}” to your cart."

    return post_and_redirect_back(request, form, change)


@require_POST
def update(request):
    def change(data) -> str:
        line = cart_set_quantity(cart=cart_get_for_change(request), line_id=data["line"], quantity=data["quantity"])
        return f"Updated “{line.product.name}” to {line.quantity}."

    return post_and_redirect_back(request, UpdateLineForm(request.POST), change)


@require_POST
def remove(request):
    def change(data) -> str:
        line = cart_remove_line(cart=cart_get_for_change(request), line_id=data["line"])
        return f"Removed “{line.product.name}” from your cart."

    return post_and_redirect_back(request, RemoveLineForm(request.POST), change)
