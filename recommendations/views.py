"""The recommendation POSTs: each validates, calls one service, and redirects back with a
message (`shop.http.post_and_redirect_back`). They work without JavaScript; prices always
come from the database."""

from django.views.decorators.http import require_POST

from catalog.models import Product
from recommendations.bundles import active_bundles
from recommendations.forms import AddRecommendedForm, BundleAddForm, FbtAddForm, UpgradeSwapForm
from recommendations.selectors.placements import upgrade_targets
from recommendations.services import bundle_add_to_cart, fbt_add_to_cart
from recommendations.vocabulary import Placement
from shop.cart.models import CartLine
from shop.cart.services import CartError, RecOrigin, cart_get_for_request, cart_get_or_create_for_request, cart_swap_line
from shop.cart.views import add_to_visitors_cart
from shop.http import post_and_redirect_back


def _names(products) -> str:
    names = [f"“{p.name}”" for p in products]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


@require_POST
def add_fbt(request):
    """"Add all N to cart" / "Add selected to cart" from "Frequently bought together"."""

    def change(data) -> str:
        anchor, partners, include_anchor = data["anchor"], data["partners"], data["include_anchor"]
        fbt_add_to_cart(
            cart=cart_get_or_create_for_request(request), anchor=anchor, partners=partners, include_anchor=include_anchor,
            placement=data["placement"],
        )
        added = ([anchor] if include_anchor else []) + [p for p, _ in partners]
        return f"Added {_names(added)} to your cart."

    return post_and_redirect_back(request, FbtAddForm(request.POST), change)


@require_POST
def add_recommended(request):
    """One recommended item, with its placement and source recorded on the cart line (when
    the form's signed origin checks out)."""

    def change(data) -> str:
        product = data["product"]
        add_to_visitors_cart(request, product=product, origin=data["origin"])
        return f"Added “{product.name}” to your cart."

    return post_and_redirect_back(request, AddRecommendedForm(request.POST), change)


@require_POST
def upgrade_line(request):
    """Swap a cart line to an upgrade offered for it, keeping the quantity."""

    def change(data) -> str:
        cart = cart_get_for_request(request)
        line = CartLine.objects.select_related("product").filter(cart=cart, pk=data["line"]).first() if cart else None
        if line is None:
            raise CartError("That item is not in your cart.")
        target = data["product"]
        offer = next((r for r in upgrade_targets(product=line.product) if r.product_id == target.pk), None)
        if offer is None:
            raise CartError(f"“{target.name}” isn't an upgrade we offer for “{line.product.name}”.")
        origin = RecOrigin(placement=Placement.CART_UPGRADE, source=offer.source, anchor_id=line.product_id)
        cart_swap_line(cart=cart, line_id=line.pk, product=offer.product, origin=origin)
        return f"Upgraded “{line.product.name}” to “{offer.product.name}”."

    return post_and_redirect_back(request, UpgradeSwapForm(request.POST), change)


@require_POST
def add_bundle(request):
    def change(data) -> str:
        bundle = next((b for b in active_bundles() if b.bundle_id == data["bundle"]), None)
        if bundle is None:
            raise CartError("That bundle isn't available.")
        products = Product.objects.in_bulk([pid for pid, _ in bundle.items])
        items = [(products.get(pid), quantity) for pid, quantity in bundle.items]
        if any(p is None or not p.is_active or p.stock < q for p, q in items):
            raise CartError("Sorry, that bundle isn't available right now: an item in it is out of stock.")
        bundle_add_to_cart(cart=cart_get_or_create_for_request(request), bundle_items=items, origin=data["origin"])
        return f"Added the “{bundle.name}” bundle to your cart — the saving is applied at checkout."

    return post_and_redirect_back(request, BundleAddForm(request.POST), change)
