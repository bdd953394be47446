from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST, require_safe

from shop.http import post_and_redirect_back

from .forms import AddToCartForm, LineServiceForm, RemoveLineForm, UpdateLineForm
from .line_services import cart_add_product_with_services, cart_line_service_add, cart_line_service_remove
from .selectors import cart_overview, cart_product_ids_for_request, cart_rows_for_request
from .services import cart_add_for_visitor, cart_for_adding, cart_get_for_change, cart_get_for_request, cart_remove_line, cart_set_quantity


@require_safe
def detail(request):
    """The cart page. Its lines, totals and blocks are a cached fragment keyed by the cart's
    rows (catalog.fragments): the overview is read only when the fragment is rendered."""
    rows = cart_rows_for_request(request)
    overview = SimpleLazyObject(lambda: cart_overview(cart_get_for_request(request)))
    return render(
        request,
        "cart/detail.html",
        {
            "overview": overview,
            "lines": SimpleLazyObject(lambda: overview.lines),
            "totals": SimpleLazyObject(lambda: overview.totals),
            "has_lines": bool(rows),
            "cart_rows": rows,
            "cart_product_ids": cart_product_ids_for_request(request),
        },
    )


@require_POST
def add(request):
    form = AddToCartForm(request.POST)

    def change(data) -> str:
        product, quantity, services = data["product"], data["quantity"], list(data.get("services") or [])
        if services:
            cart_add_product_with_services(
                cart=cart_for_adding(request=request, product=product), product=product, quantity=quantity,
                services=services, origin=form.origin(),
            )
        else:
            cart_add_for_visitor(request=request, product=product, quantity=quantity, origin=form.origin())
        with_services = " and ".join(f"“{service.name}”" for service in services)
        return f"Added {quantity} × “{product.name}”{f' with {with_services}' if services else ''} to your cart."

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


@require_POST
def add_service(request):
    def change(data) -> str:
        taken = cart_line_service_add(
            cart=cart_get_for_change(request),
            line_id=data["line"],
            service=data["service"],
            placement=request.POST.get("rec_placement", ""),
        )
        return f"Added “{taken.service.name}” to “{taken.line.product.name}”."

    return post_and_redirect_back(request, LineServiceForm(request.POST), change)


@require_POST
def remove_service(request):
    def change(data) -> str:
        taken = cart_line_service_remove(cart=cart_get_for_change(request), line_id=data["line"], service=data["service"])
        return f"Removed “{taken.service.name}” from “{taken.line.product.name}”."

    return post_and_redirect_back(request, LineServiceForm(request.POST), change)
