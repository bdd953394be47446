from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from shop.http import messages_from_form_errors, redirect_back

from .forms import AddToCartForm, RemoveLineForm, UpdateLineForm
from .selectors import cart_overview
from .services import (
    CartError,
    cart_add_product,
    cart_get_for_request,
    cart_get_or_create_for_request,
    cart_remove_line,
    cart_set_quantity,
)


@require_safe
def detail(request):
    overview = cart_overview(cart_get_for_request(request))
    return render(request, "cart/detail.html", {"overview": overview, "lines": overview.lines, "totals": overview.totals})


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    product, quantity = form.cleaned_data["product"], form.cleaned_data["quantity"]
    return add_and_redirect_back(
        request, product=product, quantity=quantity, origin=form.origin(),
        success=f"Added {quantity} × “{product.name}” to your cart.",
    )


def add_and_redirect_back(request, *, product, quantity: int = 1, origin=None, success: str):
    """Add `product` to the visitor's cart and go back with a message; shared by every
    single-product "Add to cart" (the product page's, a recommendation's)."""
    # Refused before a cart (and a session) is created for the visitor.
    if not product.is_available:
        messages.error(request, f"Sorry, “{product.name}” can't be added: it's not available right now.")
        return redirect_back(request)
    try:
        cart_add_product(cart=cart_get_or_create_for_request(request), product=product, quantity=quantity, origin=origin)
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    messages.success(request, success)
    return redirect_back(request)


def _change_line(request, form, change, success):
    """Validate `form`, apply `change(cart, data)` to the visitor's own cart, say what happened."""
    cart = cart_get_for_request(request)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    try:
        if cart is None:
            raise CartError("That item is not in your cart.")
        line = change(cart, form.cleaned_data)
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    messages.success(request, success(line))
    return redirect_back(request)


@require_POST
def update(request):
    return _change_line(
        request,
        UpdateLineForm(request.POST),
        lambda cart, data: cart_set_quantity(cart=cart, line_id=data["line"], quantity=data["quantity"]),
        lambda line: f"Updated “{line.product.name}” to {line.quantity}.",
    )


@require_POST
def remove(request):
    return _change_line(
        request,
        RemoveLineForm(request.POST),
        lambda cart, data: cart_remove_line(cart=cart, line_id=data["line"]),
        lambda line: f"Removed “{line.product.name}” from your cart.",
    )
