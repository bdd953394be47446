"""The recommendation POSTs: each validates, calls one service, and redirects back with a
message. They work without JavaScript; prices always come from the database."""

from django.contrib import messages
from django.views.decorators.http import require_POST

from catalog.models import Product
from recommendations.bundles import active_bundles
from recommendations.forms import AddRecommendedForm, BundleAddForm, FbtAddForm, UpgradeSwapForm
from recommendations.selectors import Placement, upgrade_targets
from recommendations.services import bundle_add_to_cart, fbt_add_to_cart
from shop.cart.models import CartLine
from shop.cart.services import CartError, RecOrigin, cart_get_for_request, cart_get_or_create_for_request, cart_swap_line
from shop.cart.views import add_and_redirect_back
from shop.http import messages_from_form_errors, redirect_back


def _names(products) -> str:
    names = [f"“{p.name}”" for p in products]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


@require_POST
def add_fbt(request):
    """"Add all N to cart" / "Add selected to cart" from "Frequently bought together"."""
    form = FbtAddForm(request.POST)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    anchor = form.cleaned_data["anchor"]
    partners = form.cleaned_data["partners"]
    cart = cart_get_or_create_for_request(request)
    try:
        fbt_add_to_cart(
            cart=cart, anchor=anchor, partners=partners, include_anchor=form.cleaned_data["include_anchor"],
            placement=form.cleaned_data["rec_placement"] or Placement.PRODUCT_FBT,
        )
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    added = ([anchor] if form.cleaned_data["include_anchor"] else []) + [p for p, _ in partners]
    messages.success(request, f"Added {_names(added)} to your cart.")
    return redirect_back(request)


@require_POST
def add_recommended(request):
    """One recommended item, with its placement and source recorded on the cart line."""
    form = AddRecommendedForm(request.POST)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    product, anchor = form.cleaned_data["product"], form.cleaned_data["rec_anchor"]
    origin = RecOrigin(
        placement=form.cleaned_data["rec_placement"], source=form.cleaned_data["rec_source"], anchor_id=anchor.pk if anchor else None
    )
    return add_and_redirect_back(request, product=product, origin=origin, success=f"Added “{product.name}” to your cart.")


@require_POST
def upgrade_line(request):
    """Swap a cart line to an upgrade offered for it, keeping the quantity."""
    form = UpgradeSwapForm(request.POST)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    cart = cart_get_for_request(request)
    line = CartLine.objects.select_related("product").filter(cart=cart, pk=form.cleaned_data["line"]).first() if cart else None
    if line is None:
        messages.error(request, "That item is not in your cart.")
        return redirect_back(request)
    target = form.cleaned_data["product"]
    offer = next((r for r in upgrade_targets(product=line.product) if r.product_id == target.pk), None)
    if offer is None:
        messages.error(request, f"“{target.name}” isn't an upgrade we offer for “{line.product.name}”.")
        return redirect_back(request)
    origin = RecOrigin(placement=Placement.CART_UPGRADE, source=offer.source, anchor_id=line.product_id)
    try:
        cart_swap_line(cart=cart, line_id=line.pk, product=offer.product, origin=origin)
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    messages.success(request, f"Upgraded “{line.product.name}” to “{offer.product.name}”.")
    return redirect_back(request)


@require_POST
def add_bundle(request):
    form = BundleAddForm(request.POST)
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    bundle = next((b for b in active_bundles() if b.bundle_id == form.cleaned_data["bundle"]), None)
    if bundle is None:
        messages.error(request, "That bundle isn't available.")
        return redirect_back(request)
    products = Product.objects.in_bulk([pid for pid, _ in bundle.items])
    items = [(products.get(pid), quantity) for pid, quantity in bundle.items]
    missing = [p for p, q in items if p is None or not p.is_active or p.stock < q]
    if missing:
        messages.error(request, "Sorry, that bundle isn't available right now: an item in it is out of stock.")
        return redirect_back(request)
    anchor = form.cleaned_data["rec_anchor"]
    try:
        bundle_add_to_cart(
            cart=cart_get_or_create_for_request(request), bundle_items=items,
            anchor_id=anchor.pk if anchor else None, placement=Placement.PRODUCT_BUNDLE,
        )
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    messages.success(request, f"Added the “{bundle.name}” bundle to your cart — the saving is applied at checkout.")
    return redirect_back(request)
