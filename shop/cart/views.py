from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from shop.http import post_and_redirect_back

from .forms import AddToCartForm, LineServiceForm, RemoveLineForm, UpdateLineForm
from .line_services import cart_add_product_with_services, cart_line_service_add, cart_line_service_remove
from .selectors import cart_overview
from .services import (
    CartError,
    RecOrigin,
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


def add_to_visitors_cart(
    request, *, product, quantity: int = 1, origin: RecOrigin | None = None, services=()
) -> None:
    """Add `product` to the visitor's cart (created if need be); shared by every
    single-product "Add to cart" (the product page's, with the service add-ons ticked beside
    it, and a recommendation's). Raises CartError."""
    # Refused before a cart (and a session) is created for the visitor.
    if not product.is_available:
        raise CartError(f"Sorry, “{product.name}” can't be added: it's not available right now.")
    cart = cart_get_or_create_for_request(request)
    if services:
        cart_add_product_with_services(cart=cart, product=product, quantity=quantity, services=services, origin=origin)
    else:
        cart_add_product(cart=cart, product=product, quantity=quantity, origin=origin)


@require_POST
def add(request):
    form = AddToCartForm(request.POST)

    def change(data) -> str:
        product, quantity, services = data["product"], data["quantity"], list(data.get("services") or [])
        add_to_visitors_cart(request, product=product, quantity=quantity, origin=form.origin(), services=services)
        with_services = " and ".join(f"“{service.name}”" for service in services)
        return f"Added {quantity} × “{product.name}”{f' with {with_services}' if services else ''} to your cart."

    return post_and_redirect_back(request, form, change)


def _visitors_cart(request):
    """The visitor's cart, for a change to one of its lines."""
    cart = cart_get_for_request(request)
    if cart is None:
        raise CartError("That item is not in your cart.")
    return cart


@require_POST
def update(request):
    def change(data) -> str:
        line = cart_set_quantity(cart=_visitors_cart(request), line_id=data["line"], quantity=data["quantity"])
        return f"Updated “{line.product.name}” to {line.quantity}."

    return post_and_redirect_back(request, UpdateLineForm(request.POST), change)


@require_POST
def remove(request):
    def change(data) -> str:
        line = cart_remove_line(cart=_visitors_cart(request), line_id=data["line"])
        return f"Removed “{line.product.name}” from your cart."

    return post_and_redirect_back(request, RemoveLineForm(request.POST), change)


@require_POST
def add_service(request):
    def change(data) -> str:
        taken = cart_line_service_add(
            cart=_visitors_cart(request),
            line_id=data["line"],
            service=data["service"],
            placement=request.POST.get("rec_placement", ""),
        )
        return f"Added “{taken.service.name}” to “{taken.line.product.name}”."

    return post_and_redirect_back(request, LineServiceForm(request.POST), change)


@require_POST
def remove_service(request):
    def change(data) -> str:
        taken = cart_line_service_remove(cart=_visitors_cart(request), line_id=data["line"], service=data["service"])
        return f"Removed “{taken.service.name}” from “{taken.line.product.name}”."

    return post_and_redirect_back(request, LineServiceForm(request.POST), change)
